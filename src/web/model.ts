/**
 * What the pages show, computed from the router's control API views: peers, Service IPs with the nodes
 * behind them, ECMP groups (routes sharing one weighted next hop set), and recent events (kept here, in
 * a ring, from the router's event stream).
 */
import type { BgpSummary, KernelRouteView, NexthopView, PeerSummary, RouterEvent, RouterStatusSource } from '../control/views.js';

export interface NodeShare {
  readonly gateway: string;
  /** The peer's hostname (BGP FQDN capability) when it sent one, else its address. */
  readonly node: string;
  readonly weight: number;
  /** Share of new flows, percent (weight over the sum of weights). */
  readonly share: number;
  /** Share of the packets the router forwarded to the route, percent (its nft counters; absent: not measured or none yet). */
  readonly measured?: number;
  /** Wall time the path was received, when the BGP table knows it. */
  readonly since?: number;
}

export interface ServiceView {
  readonly prefix: string;
  readonly nodes: readonly NodeShare[];
  /** Next hops its service checks took out of the group (serviceHealth), with the reason. */
  readonly out?: readonly { readonly gateway: string; readonly reason: string }[];
}

export interface EcmpGroup {
  readonly nexthops: readonly NexthopView[];
  readonly prefixes: readonly string[];
}

export interface Overview {
  readonly summary: BgpSummary;
  readonly services: readonly ServiceView[];
  readonly groups: readonly EcmpGroup[];
  readonly events: readonly RouterEvent[];
}

/**
 * The last `size` events worth listing: sessions reaching or leaving Established (not every step of
 * the FSM), route batches (one entry each), failovers.
 */
export class EventRing {
  private readonly items: RouterEvent[] = [];
  constructor(private readonly size = 50) {}
  push(e: RouterEvent): void {
    if (e.type === 'config') return;
    if (e.type === 'peer' && e.from !== 'Established' && e.to !== 'Established') return;
    this.items.push(e);
    if (this.items.length > this.size) this.items.shift();
  }
  /** Newest first. */
  recent(): RouterEvent[] { return [...this.items].reverse(); }
}

function nodeNames(peers: readonly PeerSummary[]): Map<string, string> {
  return new Map(peers.map((p) => [p.address, p.hostname ?? p.address]));
}

export function shares(nexthops: readonly (NexthopView & { readonly packets?: number })[], names: Map<string, string>, since: Map<string, number>): NodeShare[] {
  const total = nexthops.reduce((s, n) => s + n.weight, 0) || 1;
  const packets = nexthops.reduce((s, n) => s + (n.packets ?? 0), 0);
  return nexthops.map((n) => {
    const at = since.get(n.gateway);
    return {
      gateway: n.gateway, node: names.get(n.gateway) ?? n.gateway, weight: n.weight, share: (n.weight / total) * 100,
      ...(n.packets !== undefined && packets > 0 ? { measured: (n.packets / packets) * 100 } : {}), ...(at !== undefined ? { since: at } : {}),
    };
  });
}

function groupsOf(routes: readonly KernelRouteView[]): EcmpGroup[] {
  const byKey = new Map<string, { nexthops: NexthopView[]; prefixes: string[] }>();
  for (const r of routes) {
    const nexthops = r.nexthops.map((n) => ({ gateway: n.gateway, weight: n.weight }));
    const key = nexthops.map((n) => `${n.gateway}*${n.weight}`).join(',');
    const g = byKey.get(key) ?? { nexthops, prefixes: [] };
    g.prefixes.push(r.prefix);
    byKey.set(key, g);
  }
  return [...byKey.values()].sort((a, b) => b.prefixes.length - a.prefixes.length);
}

/** When each next hop's path for `prefix` arrived (wall time), from the BGP table's path ages. */
export function pathSince(source: RouterStatusSource, prefix: string, now: number): Map<string, number> {
  const since = new Map<string, number>();
  for (const p of source.table(prefix).paths) if (!p.local) since.set(p.nextHop, now - p.age * 1000);
  return since;
}

export async function overview(source: RouterStatusSource, events: EventRing): Promise<Overview> {
  const summary = source.summary();
  const routes = await source.routes();
  const names = nodeNames(summary.peers);
  const services = routes.map((r) => ({ prefix: r.prefix, nodes: shares(r.nexthops, names, new Map()), ...(r.healthOut ? { out: r.healthOut } : {}) }));
  return { summary, services, groups: groupsOf(routes), events: events.recent() };
}

export async function service(source: RouterStatusSource, prefix: string, now: number): Promise<ServiceView | undefined> {
  const route = (await source.routes()).find((r) => r.prefix === prefix);
  if (!route) return undefined;
  const names = nodeNames(source.summary().peers);
  return { prefix, nodes: shares(route.nexthops, names, pathSince(source, prefix, now)), ...(route.healthOut ? { out: route.healthOut } : {}) };
}
