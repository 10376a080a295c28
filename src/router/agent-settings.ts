/**
 * What the node agents need to peer with this router, worked out from the router's own configuration
 * (pure; `vipgate show agent-manifests` and the page's /k3s/agent.yaml render it, agent-manifests.ts):
 * - the nodes: the dynamic neighbors (`range`), each a segment the k3s nodes connect from. Several ranges
 *   must agree on the nodes' AS (one agent configuration serves every node); `range` picks one.
 * - peers[]: one per range, at this router's own address: `listen.address` when it listens on one, else the
 *   neighbor's `updateSource`, else an address of this machine's interfaces inside the range, or `routerId`; port `listen.port`; the AS the session runs in (`localAs`, else `asn`); holdTime and keepalive
 *   as the router proposes them; BFD with the router's intervals when its BFD is on; TTL 255
 *   (`ebgpMultihop: true`) when the router checks TTL (ttlSecurity, RFC 5082) or allows multihop.
 * - asn: the neighbor's remoteAs ("internal": this router's AS; "external" cannot be rendered).
 * - pools: the prefixes the neighbor's import policy accepts as host routes (/32, /128) from a node,
 *   unconditionally (a rule that also matches communities or AS_PATH length is not a pool), in order,
 *   family by family as the neighbor carries them. Deny entries, entries that refuse host routes and
 *   policies that accept anything are reported as warnings, never guessed into a pool.
 * Secrets are never rendered (what is rendered is served to anyone on the LAN): a neighbor's TCP MD5
 * password or BFD authentication becomes a warning saying what to add by hand.
 */
import { addressInPrefix, familyOf, parseAddress, parsePrefix } from '../lib/address.js';
import type { PrefixListEntrySpec } from '../lib/policy-spec.js';
import type { NeighborConfig, RouterConfig } from '../config/resolve.js';

/** An address of this machine with its prefix length ("192.168.10.254/24"), as os.networkInterfaces() gives `cidr`. */
export type LocalAddress = string;

export interface AgentPeerSettings {
  readonly address: string;
  readonly asn: number;
  readonly port?: number;
  readonly holdTime: number;
  readonly keepalive: number;
  readonly bfd?: { readonly minRx: number; readonly minTx: number; readonly multiplier: number };
  readonly ebgpMultihop?: true | number;
}

export interface AgentSettings {
  /** The nodes' AS. */
  readonly asn: number;
  readonly peers: readonly AgentPeerSettings[];
  /** Pool prefixes, in the import policy's order. */
  readonly pools: readonly string[];
  /** The ranges the nodes connect from. */
  readonly ranges: readonly string[];
  /** What could not be rendered and has to be added by hand, or is worth knowing. */
  readonly warnings: readonly string[];
}

export class AgentSettingsError extends Error {}

const inside = (address: string, range: string): boolean => {
  const p = parsePrefix(range);
  return familyOf(address) === p.family && addressInPrefix(parseAddress(address), p);
};

/** This router's address that the nodes of `n` (a dynamic neighbor) reach it at. */
function routerAddress(cfg: RouterConfig, n: NeighborConfig, local: readonly LocalAddress[]): string {
  const range = n.range!;
  const listen = cfg.listen.address;
  // a router listening on one address takes the nodes' connections there only; updateSource is said on purpose
  if (listen !== '0.0.0.0' && listen !== '::') return listen;
  if (n.updateSource !== undefined) return n.updateSource;
  const candidates = [...local.map((c) => c.split('/')[0]!), cfg.routerId];
  const found = candidates.find((a) => a !== undefined && a !== '0.0.0.0' && a !== '::' && inside(a, range));
  if (!found) throw new AgentSettingsError(`neighbor ${range}: this router has no address in ${range} (set updateSource on the neighbor to the address the nodes reach it at)`);
  return found;
}

/** Does a prefix-list entry accept a host route (/32, /128) inside its prefix? */
function acceptsHostRoutes(e: PrefixListEntrySpec): boolean {
  const p = parsePrefix(e.prefix);
  const host = p.family === 4 ? 32 : 128;
  const min = e.ge ?? p.len;
  const max = e.le ?? (e.ge !== undefined ? host : p.len);
  return min <= host && max >= host;
}

/** The pools the import policy of `n` accepts from the nodes, and what it could not turn into one. */
function poolsOf(n: NeighborConfig, warnings: string[]): string[] {
  const where = `neighbor ${n.id}'s import policy`;
  if (!n.import) { warnings.push(`${where}: none (RFC 8212 refuses every route from eBGP nodes): no pool rendered`); return []; }
  const pools: string[] = [];
  for (const [i, rule] of n.import.rules.entries()) {
    const m = rule.match;
    const conditional = m?.communities !== undefined || m?.largeCommunities !== undefined || m?.asPathLength !== undefined;
    if (rule.action === 'deny') {
      if (m?.prefixList) warnings.push(`${where} (${n.import.name}) rule ${i + 1} denies ${m.prefixList.entries.map((e) => e.prefix).join(', ')}: keep those addresses out of the pools by hand`);
      continue;
    }
    if (conditional) continue;
    if (!m?.prefixList) { warnings.push(`${where} (${n.import.name}) accepts any prefix: no pool can be read from it, add the Service IP pool by hand`); break; }
    for (const e of m.prefixList.entries) {
      if (e.action === 'deny') warnings.push(`${where} (${m.prefixList.name}) denies ${e.prefix}: keep it out of the pools by hand`);
      else if (!acceptsHostRoutes(e)) warnings.push(`${where} (${m.prefixList.name}): ${e.prefix}${e.ge !== undefined ? ` ge ${e.ge}` : ''}${e.le !== undefined ? ` le ${e.le}` : ''} does not accept the agents' host routes: not a pool`);
      else if (n.families.includes(parsePrefix(e.prefix).family === 4 ? 'ipv4' : 'ipv6') && !pools.includes(e.prefix)) pools.push(e.prefix);
    }
  }
  if (pools.length === 0 && !warnings.some((w) => w.startsWith(where))) warnings.push(`${where} (${n.import.name}) accepts no host route unconditionally: no pool rendered`);
  return pools;
}

function peerOf(cfg: RouterConfig, n: NeighborConfig, local: readonly LocalAddress[], warnings: string[]): AgentPeerSettings {
  const address = routerAddress(cfg, n, local);
  if (n.password !== undefined) warnings.push(`neighbor ${n.id} has a TCP MD5 password, which is not rendered: add password: under the peer ${address} in agent.yaml`);
  if (n.bfd.enabled && n.bfd.auth) warnings.push(`neighbor ${n.id} authenticates BFD (${n.bfd.auth.type}), which is not rendered: add bfd.auth under the peer ${address} in agent.yaml`);
  if (n.shutdown) warnings.push(`neighbor ${n.id} is shut down on the router: no session comes up until it is not`);
  const multihop = n.ttlSecurity !== undefined ? true : n.ebgpMultihop > 1 && !n.ibgp ? n.ebgpMultihop : undefined;
  return {
    address, asn: n.localAs,
    ...(cfg.listen.port !== 179 ? { port: cfg.listen.port } : {}),
    holdTime: n.holdTime, keepalive: n.keepalive,
    ...(n.bfd.enabled ? { bfd: { minRx: n.bfd.minRx, minTx: n.bfd.minTx, multiplier: n.bfd.multiplier } } : {}),
    ...(multihop !== undefined ? { ebgpMultihop: multihop } : {}),
  };
}

/** The agents' settings for the nodes of this router (`range`: only that dynamic neighbor). */
export function agentSettings(cfg: RouterConfig, local: readonly LocalAddress[], range?: string): AgentSettings {
  const dynamic = cfg.neighbors.filter((n) => n.range !== undefined);
  const chosen = range === undefined ? dynamic : dynamic.filter((n) => n.range === range);
  if (chosen.length === 0) {
    throw new AgentSettingsError(range === undefined
      ? 'no dynamic neighbor (neighbors[].range) for the k3s nodes to connect from: add one, e.g. { range: 192.168.10.0/24, remoteAs: 64512 }'
      : `no dynamic neighbor with range ${range} (ranges: ${dynamic.map((n) => n.range).join(', ') || 'none'})`);
  }
  if (!cfg.listen.enabled) throw new AgentSettingsError('listen.enabled is false: the router accepts no session from the nodes');
  const asOf = (n: NeighborConfig): number => {
    if (n.remoteAs === 'internal') return n.localAs;
    if (n.remoteAs === 'external') throw new AgentSettingsError(`neighbor ${n.id}: remoteAs external says no AS for the nodes: set it (e.g. remoteAs: 64512)`);
    return n.remoteAs;
  };
  const asns = [...new Set(chosen.map(asOf))];
  if (asns.length > 1) throw new AgentSettingsError(`the dynamic neighbors expect nodes in different ASes (${chosen.map((n) => `${n.range}: ${asOf(n)}`).join(', ')}): pick one range`);
  const warnings: string[] = [];
  const peers = chosen.map((n) => peerOf(cfg, n, local, warnings));
  const pools = [...new Set(chosen.flatMap((n) => poolsOf(n, warnings)))];
  return { asn: asns[0]!, peers, pools, ranges: chosen.map((n) => n.range!), warnings };
}
