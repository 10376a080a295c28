/**
 * The node agent's Prometheus metrics (`metrics:` in its config; loaded only then, main.ts imports this
 * module lazily), at http://address:port/metrics. Names follow the Prometheus naming guide and pass
 * `promtool check metrics`; the session series share the router's names (src/metrics/sessions.ts):
 * - process_*, nodejs_*, vipgate_build_info{role="agent"};
 * - per router: BGP session state, up, prefixes advertised, messages, times Established; BFD state, up,
 *   transitions, flaps, detection time; the routes this node wants announced to it;
 * - the agent: first sync done, IPAM leader;
 * - IPAM (the agent that assigns: every agent with a file source, the leader with Kubernetes): addresses
 *   per pool, assigned per pool, Services waiting for an address;
 * - IPVS (with `ipvs`): serving or not, virtual services wanted, Services the kernel refused, reconciles, and per real
 *   server of each virtual service its weight, active and inactive connections and the kernel's
 *   connection, packet and byte counters (node_exporter's ipvs collector has the same figures).
 */
import type { Registry } from 'prom-client';
import { formatAddress, parseAddress } from '../lib/address.js';
import { serveMetrics, type MetricsListener } from '../metrics/http.js';
import { processRegistry, sampled, type Sample } from '../metrics/registry.js';
import { bfdMetrics, perPeer, sessionMetrics } from '../metrics/sessions.js';
import type { Agent } from './agent.js';
import type { PoolConfig } from './config/model.js';
import type { IpvsDataplaneStats } from './ipvs/dataplane.js';

/** What the IPVS series read: the data plane's figures, undefined while IPVS is off (0, no real servers). */
export interface IpvsStatsSource { stats(): Promise<IpvsDataplaneStats | undefined> }

/** How many addresses a pool holds (its ranges are inclusive). */
export function poolSize(p: PoolConfig): number {
  return p.ranges.reduce((n, r) => n + Number(r.last - r.first + 1n), 0);
}

function agentSeries(registry: Registry, agent: Agent): void {
  const peers = () => agent.announcer.peers().map((p) => ({
    peer: p.name, address: formatAddress(parseAddress(p.options.address)), state: p.state, prefixesSent: p.ribOut.size,
    messagesReceived: p.stats.messagesIn, messagesSent: p.stats.messagesOut + p.stats.updatesOut, establishedCount: p.stats.establishedTransitions,
  }));
  sessionMetrics(registry, peers);
  bfdMetrics(registry, async () => {
    const name = new Map(peers().map((p) => [p.address, p.peer]));
    return (await agent.bfdViews()).map((b) => ({ ...b, peer: name.get(b.peer) ?? b.peer }));
  });
  perPeer(registry, 'gauge', 'vipgate_agent_routes_desired', 'Routes this node wants announced to the router (its Services\' addresses)',
    () => [...agent.announcer.desired()].map(([peer, list]) => ({ peer, n: list.length })), (x) => x.n);
  sampled(registry, 'gauge', { name: 'vipgate_agent_synced', help: '1 once the source (Kubernetes or the file) gave its first full snapshot', read: () => [[{}, agent.synced ? 1 : 0]] });
  sampled(registry, 'gauge', { name: 'vipgate_agent_leader', help: '1 while this agent holds the IPAM lease (Kubernetes source)', read: () => [[{}, agent.isLeader ? 1 : 0]] });

  sampled(registry, 'gauge', {
    name: 'vipgate_ipam_pool_addresses', help: 'Addresses in the pool', labelNames: ['pool'],
    read: () => agent.config.pools.map((p): Sample<'pool'> => [{ pool: p.name }, poolSize(p)]),
  });
  sampled(registry, 'gauge', {
    name: 'vipgate_ipam_pool_assigned_addresses', help: 'Addresses of the pool assigned to Services (by this agent\'s IPAM)', labelNames: ['pool'],
    read: () => {
      const used = new Map<string, Set<string>>(agent.config.pools.map((p) => [p.name, new Set()]));
      for (const a of agent.assignments?.assignments.values() ?? []) for (const ip of a.ips) used.get(a.pool)?.add(ip);
      return [...used].map(([pool, ips]): Sample<'pool'> => [{ pool }, ips.size]);
    },
  });
  sampled(registry, 'gauge', {
    name: 'vipgate_ipam_unassigned_services', help: 'LoadBalancer Services that want an address and have none (pool full, conflict, bad request)',
    read: () => [[{}, agent.assignments?.failures.size ?? 0]],
  });
}

type Backend = 'service' | 'backend';

function ipvsSeries(registry: Registry, ipvs: IpvsStatsSource): void {
  // one kernel dump per scrape, shared by the series below
  let pending: ReturnType<IpvsStatsSource['stats']> | undefined;
  const stats = () => (pending ??= ipvs.stats().finally(() => setImmediate(() => { pending = undefined; })));
  const one = (f: (s: IpvsDataplaneStats) => number) => async (): Promise<Sample<never>[]> => { const s = await stats(); return s ? [[{}, f(s)]] : []; };
  sampled(registry, 'gauge', { name: 'vipgate_ipvs_serving', help: '1 while this node\'s IPVS serves its Service IPs (0: starting, refused or failed; show agent ipvs says why)', read: one((s) => (s.state === 'serving' ? 1 : 0)) });
  sampled(registry, 'gauge', { name: 'vipgate_ipvs_virtual_services', help: 'IPVS virtual services wanted on this node', read: one((s) => s.desired) });
  sampled(registry, 'gauge', { name: 'vipgate_ipvs_service_errors', help: 'Services the kernel refused to program at the last reconcile', read: one((s) => s.errors.length) });
  sampled(registry, 'gauge', { name: 'vipgate_ipvs_reconcile_failing', help: '1 while reconciling with the kernel fails as a whole (retried)', read: one((s) => (s.failure === undefined ? 0 : 1)) });
  sampled(registry, 'counter', { name: 'vipgate_ipvs_reconciles_total', help: 'Reconciles of IPVS with the desired virtual services (resyncs included)', read: one((s) => s.reconciles) });
  const perBackend = (kind: 'gauge' | 'counter', name: string, help: string, pick: (d: IpvsDataplaneStats['services'][number]['destinations'][number]) => number) =>
    sampled(registry, kind, {
      name, help, labelNames: ['service', 'backend'],
      read: async () => ((await stats())?.services ?? []).flatMap((s) => s.destinations.map((d): Sample<Backend> => [{ service: s.service, backend: `${d.address}:${d.port}` }, pick(d)])),
    });
  perBackend('gauge', 'vipgate_ipvs_backend_weight', 'Weight of the real server in its virtual service', (d) => d.weight);
  perBackend('gauge', 'vipgate_ipvs_backend_connections_active', 'Active connections to the real server', (d) => d.activeConns);
  perBackend('gauge', 'vipgate_ipvs_backend_connections_inactive', 'Inactive connections to the real server', (d) => d.inactiveConns);
  perBackend('counter', 'vipgate_ipvs_backend_connections_total', 'Connections the kernel sent to the real server', (d) => d.conns);
  perBackend('counter', 'vipgate_ipvs_backend_incoming_packets_total', 'Packets from clients to the real server', (d) => d.inPackets);
  perBackend('counter', 'vipgate_ipvs_backend_outgoing_packets_total', 'Packets from the real server to clients', (d) => d.outPackets);
  perBackend('counter', 'vipgate_ipvs_backend_incoming_bytes_total', 'Bytes from clients to the real server', (d) => d.inBytes);
  perBackend('counter', 'vipgate_ipvs_backend_outgoing_bytes_total', 'Bytes from the real server to clients', (d) => d.outBytes);
}

/** The agent's registry: the process, the agent and, when it programs IPVS, the data plane. */
export function agentMetrics(agent: Agent, ipvs: IpvsStatsSource | undefined): Registry {
  const registry = processRegistry('agent');
  agentSeries(registry, agent);
  if (ipvs) ipvsSeries(registry, ipvs);
  return registry;
}

/** Serve agentMetrics() on `address:port`. */
export function startAgentMetrics(agent: Agent, ipvs: IpvsStatsSource | undefined, at: { readonly address: string; readonly port: number }): Promise<MetricsListener> {
  return serveMetrics(agentMetrics(agent, ipvs), at.address, at.port);
}
