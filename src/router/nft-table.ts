/**
 * The router's own nftables table (`inet vipgate-router`, src/nft/nft.ts: one atomic `nft -f` batch; no
 * other owner's table is touched):
 * - IPv6 redirects: a router forwarding out of the interface a packet came in on sends the source an ICMPv6
 *   Redirect (RFC 4861 section 8.2), and Linux has no sysctl that stops it (IPv4 has send_redirects,
 *   redirects.ts). The kernel sends it as a locally generated packet, so a rule in the output hook drops
 *   ICMPv6 type 137 (nd-redirect) and counts what it dropped.
 * - The traffic split: in the forward hook, a packet to one of the router's installed Service IPs or ranges
 *   (the sets vips4/vips6, kept equal to the routes of /24 or /64 and longer) updates a dynamic set keyed by destination address and routing
 *   next hop (`ip daddr . rt ip nexthop`: the gateway the kernel's multipath or resilient group chose for
 *   this packet), whose elements carry counters. So the kernel itself counts packets and bytes per Service IP
 *   and next hop, whatever the group type, without a rule per next hop to rewrite when routes change; the
 *   sets are bounded (65,536 elements each) and live until the table is written again (router start).
 * The table is written whole at start and left in place at stop (as the kernel routes are), so that the box
 * keeps not redirecting while the router restarts; the prefix sets are replaced in one batch when the routes
 * change, which leaves the counters alone.
 */
import { parseAddress } from '../lib/address.js';
import { nftApply, nftList, type NftOptions } from '../nft/nft.js';

export const ROUTER_NFT_TABLE = 'inet vipgate-router';
/** Bound of each split set (destination, next hop pairs). */
const SPLIT_SET_SIZE = 65_536;

/** Packets and bytes to one destination address through one next hop, since the table was written. */
export interface SplitCounter {
  readonly destination: string;
  readonly nexthop: string;
  readonly packets: number;
  readonly bytes: number;
}

const v6 = (prefix: string): boolean => parseAddress(prefix.split('/')[0]!).length === 16;

/** The whole table as one nft script, replacing any earlier version in the same transaction. */
export function routerTableScript(): string {
  return [
    `table ${ROUTER_NFT_TABLE}`,
    `delete table ${ROUTER_NFT_TABLE}`,
    `table ${ROUTER_NFT_TABLE} {`,
    '  set vips4 { type ipv4_addr; flags interval; auto-merge; }',
    '  set vips6 { type ipv6_addr; flags interval; auto-merge; }',
    `  set split4 { type ipv4_addr . ipv4_addr; size ${SPLIT_SET_SIZE}; flags dynamic; counter; }`,
    `  set split6 { type ipv6_addr . ipv6_addr; size ${SPLIT_SET_SIZE}; flags dynamic; counter; }`,
    '  chain output {',
    '    type filter hook output priority filter; policy accept;',
    '    icmpv6 type nd-redirect counter drop comment "no IPv6 redirects: Linux has no send_redirects for IPv6"',
    '  }',
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    '    ip daddr @vips4 update @split4 { ip daddr . rt ip nexthop }',
    '    ip6 daddr @vips6 update @split6 { ip6 daddr . rt ip6 nexthop }',
    '  }',
    '}',
    '',
  ].join('\n');
}

/**
 * The routes whose traffic is counted: Service IPs and ranges (IPv4 /24 or longer, IPv6 /64 or longer), not
 * a default or other wide route learned upstream, whose destinations would fill the split sets.
 */
export function countedPrefix(prefix: string): boolean {
  const len = Number(prefix.split('/')[1] ?? (v6(prefix) ? 128 : 32));
  return len >= (v6(prefix) ? 64 : 24);
}

/** The batch that makes vips4/vips6 hold exactly the counted ones of `prefixes`. */
export function prefixSetsScript(prefixes: readonly string[]): string {
  const lines: string[] = [];
  for (const [set, six] of [['vips4', false], ['vips6', true]] as const) {
    const mine = [...new Set(prefixes.filter((p) => v6(p) === six && countedPrefix(p)))].sort();
    lines.push(`flush set ${ROUTER_NFT_TABLE} ${set}`);
    if (mine.length > 0) lines.push(`add element ${ROUTER_NFT_TABLE} ${set} { ${mine.join(', ')} }`);
  }
  return `${lines.join('\n')}\n`;
}

type SetElement = { elem?: { val?: { concat?: unknown[] }; counter?: { packets?: number; bytes?: number } } };

/** The counters of `nft -j list set … split4|split6` objects. */
export function splitCounters(objects: readonly Record<string, Record<string, unknown>>[]): SplitCounter[] {
  const out: SplitCounter[] = [];
  for (const o of objects) {
    for (const e of (o['set']?.['elem'] as SetElement[] | undefined) ?? []) {
      const [destination, nexthop] = e.elem?.val?.concat ?? [];
      if (typeof destination !== 'string' || typeof nexthop !== 'string') continue;
      out.push({ destination, nexthop, packets: e.elem?.counter?.packets ?? 0, bytes: e.elem?.counter?.bytes ?? 0 });
    }
  }
  return out;
}

export class RouterNftTable {
  private prefixes = '';

  constructor(private readonly o: NftOptions = {}) {}

  async apply(): Promise<void> {
    await nftApply(routerTableScript(), this.o);
    this.prefixes = '';
  }

  /** Make the prefix sets hold `prefixes` (nothing is written when they already do); true when written. */
  async setPrefixes(prefixes: readonly string[]): Promise<boolean> {
    const script = prefixSetsScript(prefixes);
    if (script === this.prefixes) return false;
    await nftApply(script, this.o);
    this.prefixes = script;
    return true;
  }

  /** What the split sets counted so far. */
  async split(): Promise<SplitCounter[]> {
    const [t, name] = ROUTER_NFT_TABLE.split(' ') as [string, string];
    return splitCounters([...await nftList(['list', 'set', t, name, 'split4'], this.o), ...await nftList(['list', 'set', t, name, 'split6'], this.o)]);
  }

  /** IPv6 redirects dropped so far (the output rule's counter). */
  async redirectsDropped(): Promise<number> {
    const objects = await nftList(['list', 'chain', ...ROUTER_NFT_TABLE.split(' '), 'output'], this.o);
    for (const o of objects) {
      const expr = o['rule']?.['expr'] as Record<string, { packets?: number }>[] | undefined;
      const counter = expr?.find((e) => 'counter' in e)?.['counter'];
      if (counter) return counter.packets ?? 0;
    }
    return 0;
  }
}
