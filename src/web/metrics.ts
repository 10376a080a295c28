/**
 * Prometheus metrics (prom-client) at /metrics: BGP session states and prefix counts read from the
 * router's views at scrape time; route changes, FIB operations and failover durations counted from the
 * router's events; FIB errors from its counters; Node's default process metrics, including event-loop
 * lag (vipgate_nodejs_eventloop_lag_seconds). Extra gauges (history, MQTT queue) come from the caller.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RouterEvent, RouterStatusSource } from '../control/views.js';

export interface ExtraGauge {
  readonly name: string;
  readonly help: string;
  readonly value: () => number;
}

/** The BGP FSM states (RFC 4271 8.2.2), one series each per peer, 1 for the current state. */
const STATES = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'] as const;

export class RouterMetrics {
  readonly registry = new Registry();
  private readonly unsubscribe: () => void;

  constructor(source: RouterStatusSource, extra: readonly ExtraGauge[] = []) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'vipgate_' });
    new Gauge({
      name: 'vipgate_bgp_session_state', help: 'BGP session state per peer: 1 for the current state', labelNames: ['peer', 'state'], registers,
      collect() {
        this.reset();
        for (const p of source.summary().peers) for (const s of STATES) this.set({ peer: p.name, state: s }, p.state === s ? 1 : 0);
      },
    });
    const perPeer = (name: string, help: string, pick: (p: ReturnType<RouterStatusSource['summary']>['peers'][number]) => number) => new Gauge({
      name, help, labelNames: ['peer'], registers,
      collect() { this.reset(); for (const p of source.summary().peers) this.set({ peer: p.name }, pick(p)); },
    });
    perPeer('vipgate_bgp_prefixes_received', 'Prefixes in the peer\'s Adj-RIB-In', (p) => p.prefixesReceived);
    perPeer('vipgate_bgp_prefixes_accepted', 'Prefixes accepted by import policy', (p) => p.prefixesAccepted);
    perPeer('vipgate_bgp_prefixes_sent', 'Prefixes advertised to the peer', (p) => p.prefixesSent);
    perPeer('vipgate_bgp_established_transitions', 'Times the session reached Established', (p) => p.establishedCount);
    new Gauge({ name: 'vipgate_routes_installed', help: 'Routes installed in the kernel', registers, async collect() { this.set((await source.routes()).length); } });
    let fibErrorsSeen = 0;
    new Counter({
      name: 'vipgate_fib_errors_total', help: 'Kernel route operations that failed', registers,
      collect() { const now = source.counters().fibErrors; if (now > fibErrorsSeen) this.inc(now - fibErrorsSeen); fibErrorsSeen = now; },
    });
    for (const g of extra) new Gauge({ name: g.name, help: g.help, registers, collect() { this.set(g.value()); } });

    const fibOps = new Counter({ name: 'vipgate_fib_operations_total', help: 'Kernel route operations requested, by kind', labelNames: ['op'], registers });
    const routeChanges = new Counter({ name: 'vipgate_route_changes_total', help: 'Prefixes whose best path or next hops changed', registers });
    const failovers = new Histogram({
      name: 'vipgate_failover_duration_seconds', help: 'From a session going down to the kernel having the new routes', registers,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    const peerTransitions = new Counter({ name: 'vipgate_bgp_state_changes_total', help: 'BGP session state changes', labelNames: ['peer', 'to'], registers });
    const onEvent = (e: RouterEvent): void => {
      if (e.type === 'routes') {
        routeChanges.inc(e.changes.length);
        for (const c of e.changes) {
          if (c.newNexthops.length) fibOps.inc({ op: 'replace' });
          else if (c.oldNexthops.length) fibOps.inc({ op: 'delete' });
        }
      } else if (e.type === 'failover') failovers.observe(e.durationMs / 1000);
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
