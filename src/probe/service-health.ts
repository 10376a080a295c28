/**
 * Service health through each node: for every host route inside a configured range, each round checks the
 * route's address on the configured ports through each of its next hops (path-routes.ts, service-check.ts).
 * A next hop that fails `fall` rounds in a row leaves that route's group only (ServiceGate): the node's other
 * routes, its BGP session and BFD are untouched; it comes back after `rise` passing rounds. A route is judged
 * on what it would have without the gate (its full set), so a next hop that is out is still checked. A BGP
 * session up says the node's routing daemon runs, not that its kube-proxy or pods serve: this is the
 * check for that (HAProxy's and keepalived's real-server checks, per path).
 */
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import type { ServicePathView } from '../lib/service-path.js';
import { parsePrefix, prefixContains, formatAddress, type Prefix } from '../lib/address.js';
import { ServiceGate } from './gate.js';
import type { FibChange } from '../lib/nexthop.js';
import { PathSlots, type PathSlotsOptions } from './path-routes.js';
import { runCheck, type CheckResult, type CheckTarget } from './service-check.js';

export interface ServiceCheckConfig {
  readonly prefixes: readonly string[];
  readonly ports: readonly number[];
  readonly check: 'tcp' | 'http';
  readonly path: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly fall: number;
  readonly rise: number;
}

export interface ServiceHealthConfig extends PathSlotsOptions {
  readonly checks: readonly ServiceCheckConfig[];
}

export interface ServiceHealthDeps {
  readonly clock: Clock;
  readonly log: Logger;
  /** Where re-filtered routes go when a path leaves or comes back (the FIB). */
  readonly apply: (changes: FibChange[]) => Promise<unknown>;
  readonly changed?: (view: ServicePathView) => void;
  readonly check?: (t: CheckTarget) => Promise<CheckResult>;
  readonly slots?: PathSlots;
}

class PathState {
  up = true;
  failed = 0;
  passed = 0;
  checks = 0;
  lastError?: string;
  running = false;
  /** Clock time from which this path is due for its next check (its check's own intervalMs). */
  due = 0;
}

export class ServiceHealth {
  readonly gate: ServiceGate;
  private readonly ranges: { readonly prefix: Prefix; readonly config: ServiceCheckConfig }[];
  private readonly paths = new Map<string, PathState>();
  private readonly slots: PathSlots;
  private readonly check: (t: CheckTarget) => Promise<CheckResult>;
  private readonly busyPorts = new Set<number>();
  /** Checks waiting for a free local port, by next hop. */
  private readonly waiting = new Map<string, ((port: number) => void)[]>();
  private readonly slotHops = new Set<string>();
  private timer?: TimerHandle;
  private closed = false;
  /** Rounds run at the shortest check interval; each path waits for its own check's interval. */
  private readonly interval: number;

  constructor(cfg: ServiceHealthConfig, private readonly deps: ServiceHealthDeps) {
    this.ranges = cfg.checks.flatMap((config) => config.prefixes.map((p) => ({ prefix: parsePrefix(p), config })));
    this.gate = new ServiceGate((p) => this.configFor(p) !== undefined);
    this.slots = deps.slots ?? new PathSlots(cfg);
    this.check = deps.check ?? runCheck;
    this.interval = Math.min(...cfg.checks.map((c) => c.intervalMs));
  }

  /** Host routes only: a check needs one address to connect to. */
  private configFor(p: Prefix): ServiceCheckConfig | undefined {
    if (p.len !== p.addr.length * 8) return undefined;
    return this.ranges.find((r) => prefixContains(r.prefix, p))?.config;
  }

  async start(): Promise<void> {
    await this.slots.clear();
    this.schedule();
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = this.deps.clock.at(this.deps.clock.now() + this.interval, () => { void this.round().finally(() => this.schedule()); });
  }

  /** One round: each watched route, each of its next hops, each port (a path already being checked is skipped). */
  async round(): Promise<void> {
    this.gate.prune();
    const live = new Set<string>();
    const work: Promise<void>[] = [];
    for (const [key, set] of this.gate.routes()) {
      const config = this.configFor(set.prefix)!;
      for (const hop of set.nexthops) {
        const id = `${key}|${hop.address}`;
        live.add(id);
        let st = this.paths.get(id);
        if (!st) { st = new PathState(); this.paths.set(id, st); }
        if (st.running || this.deps.clock.now() < st.due) continue;
        st.running = true;
        st.due = this.deps.clock.now() + config.intervalMs;
        work.push(this.judge(key, formatAddress(set.prefix.addr), hop.address, config, st).finally(() => { st.running = false; }));
      }
    }
    for (const id of this.paths.keys()) if (!live.has(id)) this.paths.delete(id);
    const hops = new Set([...live].map((id) => id.slice(id.indexOf('|') + 1)));
    await Promise.all(work);
    await this.closeUnused(hops);
  }

  private async closeUnused(hops: Set<string>): Promise<void> {
    for (const h of this.slotHops) if (!hops.has(h)) { this.slotHops.delete(h); await this.slots.close(h).catch(() => undefined); }
  }
  /** A free local port of the slot, waiting for one when every port is in use. */
  private acquire(nexthop: string, ports: readonly number[]): Promise<number> {
    const free = ports.find((p) => !this.busyPorts.has(p));
    if (free !== undefined) { this.busyPorts.add(free); return Promise.resolve(free); }
    return new Promise((resolve) => {
      const q = this.waiting.get(nexthop) ?? [];
      q.push(resolve);
      this.waiting.set(nexthop, q);
    });
  }

  private release(nexthop: string, port: number): void {
    const next = this.waiting.get(nexthop)?.shift();
    if (next) next(port); else this.busyPorts.delete(port);
  }

  private async judge(key: string, address: string, nexthop: string, config: ServiceCheckConfig, st: PathState): Promise<void> {
    let slot;
    try {
      slot = await this.slots.open(nexthop);
    } catch (e) {
      this.deps.log.warn({ nexthop }, `service health: no path through ${nexthop}: ${(e as Error).message}`);
      return;
    }
    if (!slot) { this.deps.log.warn({ nexthop }, `service health: every path slot is taken (${this.slots.capacity})`); return; }
    this.slotHops.add(nexthop);
    let failure: string | undefined;
    for (const port of config.ports) {
      const localPort = await this.acquire(nexthop, slot.ports);
      try {
        const r = await this.check({ address, port, localPort, kind: config.check, path: config.path, timeoutMs: config.timeoutMs });
        if (!r.ok) { failure = `${port}: ${r.reason}`; break; }
      } finally {
        this.release(nexthop, localPort);
      }
    }
    if (this.closed) return;
    st.checks++;
    if (failure === undefined) { st.passed++; st.failed = 0; } else { st.failed++; st.passed = 0; st.lastError = failure; }
    const out = st.up ? st.failed >= config.fall : st.passed < config.rise;
    if (out === !st.up) return;
    st.up = !out;
    this.deps.log.warn({ prefix: key, nexthop, reason: failure }, out
      ? `service health: ${key} leaves next hop ${nexthop} (${config.fall} failed checks: ${failure})`
      : `service health: ${key} back on next hop ${nexthop} (${config.rise} passed checks)`);
    await this.deps.apply(this.gate.mark(key, nexthop, out));
    this.deps.changed?.(this.viewOf(key, nexthop, st));
  }

  private viewOf(key: string, nexthop: string, st: PathState): ServicePathView {
    return { prefix: key, nexthop, up: st.up, failed: st.failed, passed: st.passed, checks: st.checks, ...(st.lastError ? { lastError: st.lastError } : {}) };
  }

  view(): ServicePathView[] {
    return [...this.paths].map(([id, st]) => {
      const i = id.indexOf('|');
      return this.viewOf(id.slice(0, i), id.slice(i + 1), st);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    await this.slots.clear().catch(() => undefined);
  }
}
