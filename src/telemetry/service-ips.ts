/**
 * The Service IPs the router publishes a state for (vips/<prefix>, the state topic of their Home Assistant
 * entities): every host route (/32, /128) it installed, and every address a node agent reports for one of
 * its Services (so a Service IP whose route is gone reads "down" rather than vanishing while its Service
 * exists). Each with its kernel next hops, named by the node behind them when the BGP session announced a
 * hostname.
 */
import type { AgentClusterReport } from '../control/cluster.js';
import type { NexthopView } from '../control/views.js';
import { formatAddress, formatPrefix, parseAddress, parsePrefix } from '../lib/address.js';

export interface ServiceIpPayload {
  readonly prefix: string;
  readonly state: 'served' | 'down';
  readonly nexthops: readonly (NexthopView & { readonly node?: string })[];
}

function hostPrefix(text: string): string | undefined {
  try {
    const a = parseAddress(text);
    return `${formatAddress(a)}/${a.length * 8}`;
  } catch {
    return undefined;
  }
}

function isHostRoute(prefix: string): boolean {
  try {
    const p = parsePrefix(prefix);
    return p.len === p.addr.length * 8;
  } catch {
    return false;
  }
}

/** Service IP → its payload; `nodeOf` names a next hop's node (undefined: not known). */
export function serviceIpStates(routes: ReadonlyMap<string, readonly NexthopView[]>, report: AgentClusterReport | undefined,
  nodeOf: (gateway: string) => string | undefined): Map<string, ServiceIpPayload> {
  const prefixes = new Set<string>();
  for (const prefix of routes.keys()) if (isHostRoute(prefix)) prefixes.add(formatPrefix(parsePrefix(prefix)));
  for (const n of report?.nodes ?? []) for (const s of n.services) for (const ip of s.ips) { const p = hostPrefix(ip); if (p) prefixes.add(p); }
  const out = new Map<string, ServiceIpPayload>();
  for (const prefix of [...prefixes].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))) {
    const nexthops = (routes.get(prefix) ?? []).map((h) => { const node = nodeOf(h.gateway); return node ? { ...h, node } : h; });
    out.set(prefix, { prefix, state: nexthops.length ? 'served' : 'down', nexthops });
  }
  return out;
}
