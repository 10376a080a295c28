/**
 * The agent's own nftables table (`inet vipgate-agent`, src/nft/nft.ts: one atomic `nft -f` batch), the
 * netfilter half of serving Service IPs with IPVS beside kube-proxy:
 * - SNAT for externalTrafficPolicy Cluster: a connection IPVS forwards to an endpoint on another node is
 *   masqueraded in postrouting, so that endpoint answers this node (which un-NATs it) rather than the client
 *   directly (kube-proxy's IPVS mode does the same with KUBE-MARK-MASQ and an ipset). It matches the
 *   conntrack entry's original destination (`ct original ip daddr`, needs net.ipv4.vs.conntrack=1), keyed by
 *   Service IP alone: Services may share an IP only with the same traffic policy. Local keeps the client
 *   address (no rule).
 * - loadBalancerSourceRanges: packets to a restricted Service IP and port from a source outside its ranges
 *   are counted and dropped in prerouting, before conntrack's NAT and IPVS see them (kube-proxy drops them
 *   too). Ranges of the other address family do not open the port: an IPv4 Service IP whose ranges are all
 *   IPv6 accepts no IPv4 source.
 * The table is rewritten whole when what it should hold changes, and at each resync when what the kernel
 * holds is no longer what the agent wrote (rules and set elements compared without handles and counters).
 */
import { formatAddress, parseAddress } from '../../lib/address.js';
import { nftApply, nftDeleteTable, nftList, type NftObject, type NftOptions } from '../../nft/nft.js';

export const NFT_FAMILY = 'inet';
export const NFT_TABLE = 'vipgate-agent';
export const NFT_TABLE_ID = `${NFT_FAMILY} ${NFT_TABLE}`;

export interface RestrictedPort {
  /** "namespace/name", for the rule's comment. */
  readonly owner: string;
  readonly address: string;
  readonly protocol: string;
  readonly port: number;
  /** spec.loadBalancerSourceRanges (CIDRs, both families). */
  readonly sourceRanges: readonly string[];
}

export interface AgentTableInputs {
  /** Service IPs with externalTrafficPolicy Cluster: IPVS-forwarded connections to them are SNATed. */
  readonly masquerade: readonly string[];
  readonly restricted: readonly RestrictedPort[];
}

const v6 = (a: string): boolean => parseAddress(a).length === 16;
const cidrV6 = (c: string): boolean => v6(c.split('/')[0]!);

function elements(addresses: readonly string[]): string {
  const sorted = [...new Set(addresses.map((a) => formatAddress(parseAddress(a))))].sort();
  return sorted.length > 0 ? ` elements = { ${sorted.join(', ')} };` : '';
}

function filterRule(p: RestrictedPort): string {
  const fam = v6(p.address) ? 'ip6' : 'ip';
  const ranges = p.sourceRanges.filter((c) => cidrV6(c) === (fam === 'ip6'));
  const source = ranges.length > 0 ? ` ${fam} saddr != { ${ranges.join(', ')} }` : '';
  return `    ${fam} daddr ${formatAddress(parseAddress(p.address))} meta l4proto ${p.protocol} th dport ${p.port}${source} counter drop comment "${p.owner} loadBalancerSourceRanges"`;
}

/** The whole table as one nft script (replacing any earlier version of it in the same transaction). */
export function agentTableScript(i: AgentTableInputs): string {
  const four = i.masquerade.filter((a) => !v6(a));
  const six = i.masquerade.filter(v6);
  const restricted = [...i.restricted].sort((a, b) => `${a.address} ${a.protocol} ${a.port}`.localeCompare(`${b.address} ${b.protocol} ${b.port}`));
  return [
    `table ${NFT_TABLE_ID}`,
    `delete table ${NFT_TABLE_ID}`,
    `table ${NFT_TABLE_ID} {`,
    `  set cluster4 { type ipv4_addr;${elements(four)} }`,
    `  set cluster6 { type ipv6_addr;${elements(six)} }`,
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    '    ct original ip daddr @cluster4 counter masquerade comment "externalTrafficPolicy Cluster: SNAT what IPVS forwards"',
    '    ct original ip6 daddr @cluster6 counter masquerade comment "externalTrafficPolicy Cluster: SNAT what IPVS forwards"',
    '  }',
    '  chain prerouting {',
    '    type filter hook prerouting priority dstnat - 10; policy accept;',
    ...restricted.map(filterRule),
    '  }',
    '}',
    '',
  ].join('\n');
}

/** What the kernel holds of the table, without handles and counters (for drift detection). */
export function tableFingerprint(objects: readonly NftObject[]): string {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'handle' && k !== 'counter' && k !== 'packets' && k !== 'bytes')
        .map(([k, x]) => [k, strip(x)]));
    }
    return v;
  };
  return JSON.stringify(objects.filter((o) => !('table' in o)).map(strip));
}

export class AgentNftTable {
  private written?: { script: string; fingerprint: string };

  constructor(private readonly o: NftOptions = {}) {}

  private async fingerprint(): Promise<string | undefined> {
    try {
      return tableFingerprint(await nftList(['list', 'table', NFT_FAMILY, NFT_TABLE], this.o));
    } catch {
      return undefined; // no such table
    }
  }

  /** Write the table if it should change or the kernel's copy drifted; true when it was written. */
  async apply(inputs: AgentTableInputs): Promise<boolean> {
    const script = agentTableScript(inputs);
    if (this.written?.script === script && (await this.fingerprint()) === this.written.fingerprint) return false;
    await nftApply(script, this.o);
    this.written = { script, fingerprint: (await this.fingerprint()) ?? '' };
    return true;
  }

  /** Remove the table; true when there was one. */
  async delete(): Promise<boolean> {
    this.written = undefined;
    return nftDeleteTable(NFT_FAMILY, NFT_TABLE, this.o);
  }
}
