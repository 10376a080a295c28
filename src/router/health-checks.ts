/**
 * `healthChecks` wired into the router: which (route, next hop) pairs are checked (every installed route that
 * a check's prefixes match, through each of its next hops; the first matching check applies), the checks
 * themselves (service-check.ts, through the one next hop), and what a result does (src/probe/service-gate.ts:
 * the route goes to the kernel without a next hop that failed for it, the node's other routes and its BGP
 * session untouched). The daemon's route changes reach the kernel through the gate (fib-port.ts).
 */
import type { Logger } from '../lib/log.js';
import { parsePrefix } from '../lib/address.js';
import { systemClock } from '../lib/clock.js';
import { PrefixList } from '../bgp/policy/prefix-list.js';
import type { RouterConfig } from '../config/resolve.js';
import type { KernelRouteView } from '../control/views.js';
import type { Fib } from '../fib/fib.js';
import { ServiceGate } from '../probe/service-gate.js';
import { ServiceHealth, type HealthTarget } from '../probe/service-health.js';
import type { HealthView } from '../control/health.js';
import { checkThrough, NexthopPaths } from './service-check.js';

type Check = RouterConfig['healthChecks'][number];

export class HealthChecks {
  readonly gate: ServiceGate;
  private readonly lists: { check: Check; list: PrefixList }[];
  private readonly paths = new NexthopPaths();
  private health?: ServiceHealth;

  constructor(private readonly checks: readonly Check[], private readonly fib: Fib, private readonly log: Logger) {
    this.lists = checks.map((check, i) => ({ check, list: new PrefixList({ name: `healthChecks[${i}]`, entries: check.prefixes }) }));
    this.gate = new ServiceGate((prefix) => this.checkFor(prefix) !== undefined);
  }

  private checkFor(prefix: string): Check | undefined {
    const p = parsePrefix(prefix);
    return this.lists.find((l) => l.list.match(p).action === 'permit')?.check;
  }

  /** Start checking what `routes()` (the router's installed routes, full next-hop sets) holds. */
  async start(routes: () => readonly KernelRouteView[]): Promise<void> {
    await this.paths.clear();
    const intervalMs = Math.min(...this.checks.map((c) => c.interval)) * 1000;
    const targets = (): HealthTarget[] => {
      const out: HealthTarget[] = [];
      for (const r of routes()) {
        const c = this.checkFor(r.prefix);
        if (!c) continue;
        for (const h of r.nexthops) out.push({ prefix: r.prefix, nexthop: h.gateway, port: c.port, timeoutMs: c.timeoutMs, fails: c.fails, passes: c.passes, ...(c.path ? { path: c.path } : {}) });
      }
      const live = new Set(out.map((t) => `${t.prefix} ${t.nexthop}`));
      this.gate.retain((prefix, nh) => live.has(`${prefix} ${nh}`));
      return out;
    };
    const apply = (changes: ReturnType<ServiceGate['markUp']>, t: HealthTarget): void => {
      if (changes.length) void this.fib.apply(changes).catch((e: unknown) => this.log.error({ err: e, prefix: t.prefix, nexthop: t.nexthop }, 'health check: kernel update failed'));
    };
    this.health = new ServiceHealth(systemClock, intervalMs, targets, (t) => checkThrough(this.paths, t), {
      down: (t, reason) => {
        this.log.warn({ prefix: t.prefix, nexthop: t.nexthop, port: t.port, reason }, `health check of ${t.prefix} port ${t.port} through ${t.nexthop} failed ${t.fails} times: next hop out of that route`);
        apply(this.gate.markDown(t.prefix, t.nexthop), t);
      },
      up: (t) => {
        this.log.info({ prefix: t.prefix, nexthop: t.nexthop, port: t.port }, `health check of ${t.prefix} port ${t.port} through ${t.nexthop} passes again: next hop back`);
        apply(this.gate.markUp(t.prefix, t.nexthop), t);
      },
    });
    this.health.start();
  }

  views(): HealthView[] {
    return (this.health?.states() ?? []).map((s) => ({
      prefix: s.target.prefix, nexthop: s.target.nexthop, port: s.target.port, up: s.up, failedInRow: s.failedInRow, ...(s.lastError ? { lastError: s.lastError } : {}),
    }));
  }

  async stop(): Promise<void> {
    this.health?.stop();
    await this.paths.clear();
  }
}
