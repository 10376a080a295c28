/**
 * The router's Prometheus metrics at /metrics (prom-client; names, units and types as the Prometheus naming
 * guide says, checked with `promtool check metrics`). On top of the process registry (src/metrics: process_*,
 * nodejs_*, vipgate_build_info):
 * - read from the router's views at scrape time: BGP sessions (state, up, prefixes, messages, times
 *   Established), BFD sessions (state, up, transitions, flaps, detection time), next-hop probes, the
 *   installed routes, the kernel requests the FIB sent and the kernel refused (by object, operation, errno);
 * - counted from the router's events: route changes, session state changes, failover durations;
 * - extra gauges and counters from the caller (history, MQTT, the cluster view).
 * README's "Metrics" section lists them, with the names earlier versions used.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { RouterEvent, RouterStatusSource } from '../control/views.js';
import { processRegistry, sampled, type Sample } from '../metrics/registry.js';
import { bfdMetrics, perPeer, sessionMetrics } from '../metrics/sessions.js';
import { splitMetrics } from './split-metrics.js';

export interface ExtraGauge {
  readonly name: string;
  readonly help: string;
  /** 'counter' when the value is a running total (the name then ends in _total); default 'gauge'. */
  readonly kind?: 'gauge' | 'counter';
  readonly value: () => number;
}

const FAILOVER_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class RouterMetrics {
  readonly registry: Registry;
  private readonly unsubscribe: () => void;

  constructor(source: RouterStatusSource, extra: readonly ExtraGauge[] = []) {
    const registry = this.registry = processRegistry('router');
    const registers = [registry];
    const peers = () => source.summary().peers.map((p) => ({ ...p, peer: p.name }));
    sessionMetrics(registry, peers);
    sampled(registry, 'gauge', {
      name: 'vipgate_bgp_peer_info', help: 'BGP peer per session: 1, with its address, remote AS and announced hostname as labels',
      labelNames: ['peer', 'address', 'remote_as', 'hostname'],
      read: () => peers().map((p): Sample<'peer' | 'address' | 'remote_as' | 'hostname'> => [
        { peer: p.peer, address: p.address, remote_as: String(p.remoteAs), hostname: p.hostname ?? '' }, 1]),
    });
    perPeer(registry, 'gauge', 'vipgate_bgp_prefixes_received', 'Prefixes in the peer\'s Adj-RIB-In', peers, (p) => p.prefixesReceived);
    perPeer(registry, 'gauge', 'vipgate_bgp_prefixes_accepted', 'Prefixes of the peer accepted by import policy', peers, (p) => p.prefixesAccepted);
    sampled(registry, 'gauge', { name: 'vipgate_bgp_rib_prefixes', help: 'Prefixes in the Loc-RIB, IPv4 and IPv6', read: () => [[{}, source.summary().ribEntries]] });
    bfdMetrics(registry, async () => (await source.bfd()).sessions);
    sampled(registry, 'gauge', {
      name: 'vipgate_probe_up', help: 'ICMP next-hop probe per next hop: 1 while it answers, else 0', labelNames: ['address'],
      read: async () => (await source.bfd()).probes.map((p): Sample<'address'> => [{ address: p.address }, p.up ? 1 : 0]),
    });
    sampled(registry, 'gauge', {
      name: 'vipgate_service_path_up', help: 'Service IP checked through one next hop: 1 while in the route\'s group, 0 while out (serviceHealth)', labelNames: ['prefix', 'nexthop'],
      read: async () => (await source.bfd()).services.map((p): Sample<'prefix' | 'nexthop'> => [{ prefix: p.prefix, nexthop: p.nexthop }, p.up ? 1 : 0]),
    });
    sampled(registry, 'counter', {
      name: 'vipgate_service_path_checks_total', help: 'Rounds of service checks judged per Service IP and next hop', labelNames: ['prefix', 'nexthop'],
      read: async () => (await source.bfd()).services.map((p): Sample<'prefix' | 'nexthop'> => [{ prefix: p.prefix, nexthop: p.nexthop }, p.checks]),
    });

    sampled(registry, 'gauge', { name: 'vipgate_routes_installed', help: 'Routes installed in the kernel', read: async () => [[{}, (await source.routes()).length]] });
    splitMetrics(registry, source);
    sampled(registry, 'counter', {
      name: 'vipgate_fib_operations_total', help: 'Kernel requests the FIB sent (rtnetlink), by object and operation', labelNames: ['object', 'op'],
      read: () => source.counters().fibOperations.map((o): Sample<'object' | 'op'> => [{ object: o.object, op: o.op }, o.count]),
    });
    sampled(registry, 'counter', {
      name: 'vipgate_fib_errors_total', help: 'Kernel requests the kernel refused, by object, operation and errno name', labelNames: ['object', 'op', 'code'],
      read: () => source.counters().fibKernelErrors.map((e): Sample<'object' | 'op' | 'code'> => [{ object: e.object, op: e.op, code: e.code }, e.count]),
    });
    sampled(registry, 'counter', {
      name: 'vipgate_fib_route_failures_total', help: 'Route changes that did not reach the kernel as wanted (refused, next hop unusable, FIB call failed)',
      read: () => [[{}, source.counters().fibErrors]],
    });
    for (const g of extra) sampled(registry, g.kind ?? 'gauge', { name: g.name, help: g.help, read: () => [[{}, g.value()]] });

    const routeChanges = new Counter({ name: 'vipgate_route_changes_total', help: 'Prefixes whose best path or next hops changed', registers });
    const failovers = new Histogram({
      name: 'vipgate_failover_duration_seconds', help: 'From a session going down to the kernel having the new routes', registers, buckets: FAILOVER_BUCKETS,
    });
    const peerTransitions = new Counter({ name: 'vipgate_bgp_state_changes_total', help: 'BGP session state changes, by the state entered', labelNames: ['peer', 'to'], registers });
    const onEvent = (e: RouterEvent): void => {
      if (e.type === 'routes') routeChanges.inc(e.changes.length);
      else if (e.type === 'failover') failovers.observe(e.durationMs / 1000);
      else if (e.type === 'peer') peerTransitions.inc({ peer: e.peer, to: e.to });
    };
    this.unsubscribe = source.subscribe(onEvent);
  }

  text(): Promise<string> { return this.registry.metrics(); }
  get contentType(): string { return this.registry.contentType; }

  close(): void {
    this.unsubscribe();
    this.registry.clear();
  }
}
