/**
 * The Prometheus registry every vipgate process exposes (prom-client, text format 0.0.4), as the naming
 * guide (https://prometheus.io/docs/practices/naming/) and `promtool check metrics` want it:
 * - the client's standard process_* and nodejs_* metrics, unprefixed, so stock Node.js dashboards work;
 *   except nodejs_active_{handles,requests,resources}_total, gauges named like counters (promtool's
 *   "non-counter metrics should not have _total suffix"): sum(nodejs_active_handles) gives the same;
 * - vipgate_build_info{version, role, nodejs_version} 1;
 * - gauges and counters whose values are read from the process at scrape time (sampled()).
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { vipgateVersion } from '../lib/version.js';

/** Default metrics left out: gauges with a counter's suffix. */
export const DROPPED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'] as const;

export type Role = 'router' | 'agent';

export function processRegistry(role: Role): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const name of DROPPED_DEFAULTS) registry.removeSingleMetric(name);
  new Gauge({
    name: 'vipgate_build_info', help: 'The running build: 1, with its version, role and Node.js version as labels',
    labelNames: ['version', 'role', 'nodejs_version'], registers: [registry],
  }).set({ version: vipgateVersion(), role, nodejs_version: process.versions.node }, 1);
  return registry;
}

/** One series: its labels and value. */
export type Sample<L extends string> = readonly [labels: Readonly<Record<L, string>>, value: number];

export interface SampledMetric<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
  /** The series now; called at every scrape. */
  readonly read: () => Iterable<Sample<L>> | Promise<Iterable<Sample<L>>>;
}

/**
 * A metric whose series are read at scrape time: a gauge, or a counter over a running total the process
 * keeps (the series are replaced, so one that went away with its peer is gone from the next scrape).
 */
export function sampled<L extends string>(registry: Registry, type: 'gauge' | 'counter', m: SampledMetric<L>): void {
  const config = { name: m.name, help: m.help, labelNames: m.labelNames ?? [], registers: [registry] };
  const fill = async (set: (labels: Readonly<Record<L, string>>, v: number) => void, reset: () => void) => {
    const samples = await m.read();
    reset();
    for (const [labels, v] of samples) set(labels, v);
  };
  if (type === 'gauge') {
    new Gauge<L>({ ...config, async collect() { await fill((l, v) => this.set(l, v), () => this.reset()); } });
  } else {
    new Counter<L>({ ...config, async collect() { await fill((l, v) => this.inc(l, v), () => this.reset()); } });
  }
}
