/**
 * The router's answers on the control socket: `show bgp summary`, `show ip bgp [prefix]` (summary-view.ts,
 * table-view.ts), `show routes`, `show bfd`, `show running-config`, `show agent-manifests`, `clear bgp`,
 * `reload`, as the JSON shapes of src/control/views.ts.
 */
import { networkInterfaces } from 'node:os';
import { renderRunningConfig } from '../config/render.js';
import type { ControlServer } from '../control/server.js';
import type { RouterCommands } from '../control/commands.js';
import type { AgentManifestsView, BfdView, BgpTable, KernelRouteView } from '../control/views.js';
import { vipgateVersion } from '../lib/version.js';
import { DEFAULT_AGENT_IMAGES, listAgentImages, servedAgentVersion } from '../lib/agent-images.js';
import { loadTemplates, renderAgentManifests } from './agent-manifests.js';
import { ConfigError } from '../config/error.js';
import type { RouterQuery } from './query.js';
import { bgpSummary } from './summary-view.js';
import { bgpTable, neighborTable } from './table-view.js';

/** What the router asked the kernel for: each installed prefix with its next hops and weights. */
export function installedRoutes(d: RouterQuery): KernelRouteView[] {
  const out: KernelRouteView[] = [];
  for (const family of [4, 6] as const) {
    for (const r of d.routing.ribs[family].routes()) {
      if (r.best.source.local) continue;
      out.push({
        prefix: r.key, table: d.cfg.fib.table, metric: d.cfg.fib.metric, protocol: 'vipgate',
        nexthops: r.multipath.map((n) => ({ gateway: n.address, weight: n.weight })),
      });
    }
  }
  return out;
}

/** `show ip bgp neighbors X received-routes`: the Adj-RIB-In, before import policy. */
export function receivedRoutes(d: RouterQuery, address: string): BgpTable {
  return neighborTable(d, address, (peer) => peer.ribIn.entries());
}

/** `show ip bgp neighbors X advertised-routes`: the Adj-RIB-Out, as sent (after export policy and rules). */
export function advertisedRoutes(d: RouterQuery, address: string): BgpTable {
  return neighborTable(d, address, (peer) => peer.ribOut.routes());
}

/**
 * The node agents' manifests from the configuration in force, with this machine's addresses, naming the
 * agent image this box serves (agent-manifests.ts, src/lib/agent-images.ts).
 */
export function agentManifests(d: RouterQuery, o: { readonly range?: string; readonly boxUrl?: string } = {}): AgentManifestsView {
  const local = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).filter((i) => !i.internal && i.cidr).map((i) => i.cidr!));
  const version = vipgateVersion();
  const imageVersion = servedAgentVersion(listAgentImages(d.cfg.web?.agentImages ?? DEFAULT_AGENT_IMAGES), version);
  return renderAgentManifests(d.cfg, { local, version, imageVersion, templates: loadTemplates(), ...o });
}

export function registerViews(control: ControlServer<RouterCommands>, d: RouterQuery): void {
  control.handle('show bgp summary', () => bgpSummary(d));
  control.handle('show ip bgp', (args) => bgpTable(d, typeof args.prefix === 'string' ? args.prefix : undefined,
    args.family === 'ipv4' || args.family === 'ipv6' ? args.family : undefined));
  control.handle('show routes', () => d.kernelRoutes());
  control.handle('show bfd', () => bfdView(d));
  control.handle('show health', () => d.serviceHealth?.view() ?? []);
  control.handle('show ip bgp neighbors received-routes', (args) => receivedRoutes(d, String(args.peer)));
  control.handle('show ip bgp neighbors advertised-routes', (args) => advertisedRoutes(d, String(args.peer)));
  control.handle('show running-config', () => ({ text: renderRunningConfig(d.cfg) }));
  control.handle('show agent-manifests', (args) => agentManifests(d, typeof args.range === 'string' ? { range: args.range } : {}));
  control.handle('clear bgp', (args) => clearBgp(d, typeof args.peer === 'string' ? args.peer : '*'));
  control.handle('reload', async () => {
    try {
      return { reloaded: await d.reloadFile() };
    } catch (e) {
      if (e instanceof ConfigError) return { invalid: e.message };
      throw e;
    }
  });
}

/** `show bfd`: the BFD sessions, the next-hop probes and the service checks through each node. */
export async function bfdView(d: RouterQuery): Promise<BfdView> {
  return { sessions: (await d.bfd?.views()) ?? [], probes: d.probe?.views() ?? [], services: d.serviceHealth?.view() ?? [] };
}

/** `show routes`: with the next hops a route's service checks took out of its group. */
export function withHealth(d: RouterQuery, routes: KernelRouteView[]): KernelRouteView[] {
  const out = new Map<string, { gateway: string; reason: string }[]>();
  for (const p of d.serviceHealth?.view() ?? []) {
    if (p.up) continue;
    const list = out.get(p.prefix) ?? [];
    list.push({ gateway: p.nexthop, reason: p.lastError ?? 'checks failing' });
    out.set(p.prefix, list);
  }
  return out.size === 0 ? routes : routes.map((r) => (out.has(r.prefix) ? { ...r, healthOut: out.get(r.prefix)! } : r));
}

/** `clear bgp <address|*>`: reset the sessions; the names of the peers reset. */
export function clearBgp(d: RouterQuery, target: string): { reset: string[] } {
  const peers = d.speaker.peers().filter((p) => target === '*' || p.options.address === target);
  if (peers.length === 0) throw new Error(`no neighbor ${target}`);
  for (const p of peers) p.reset('cleared by operator');
  return { reset: peers.map((p) => p.name) };
}
