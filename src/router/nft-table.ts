/**
 * The router's own nftables table (`inet vipgate-router`, src/nft/nft.ts: one atomic `nft -f` batch; no
 * other owner's table is touched):
 * - IPv6 redirects: a router forwarding out of the interface a packet came in on sends the source an ICMPv6
 *   Redirect (RFC 4861 section 8.2), and Linux has no sysctl that stops it (IPv4 has send_redirects,
 *   redirects.ts). The kernel sends it as a locally generated packet, so a rule in the output hook drops
 *   ICMPv6 type 137 (nd-redirect) and counts what it dropped.
 * The table is written whole at start and left in place at stop (as the kernel routes are), so that the box
 * keeps not redirecting while the router restarts.
 */
import { nftApply, nftList, type NftOptions } from '../nft/nft.js';

export const ROUTER_NFT_TABLE = 'inet vipgate-router';

/** The whole table as one nft script, replacing any earlier version in the same transaction. */
export function routerTableScript(): string {
  return [
    `table ${ROUTER_NFT_TABLE}`,
    `delete table ${ROUTER_NFT_TABLE}`,
    `table ${ROUTER_NFT_TABLE} {`,
    '  chain output {',
    '    type filter hook output priority filter; policy accept;',
    '    icmpv6 type nd-redirect counter drop comment "no IPv6 redirects: Linux has no send_redirects for IPv6"',
    '  }',
    '}',
    '',
  ].join('\n');
}

export class RouterNftTable {
  constructor(private readonly o: NftOptions = {}) {}

  async apply(): Promise<void> {
    await nftApply(routerTableScript(), this.o);
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
