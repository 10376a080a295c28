/**
 * Service health through each next hop: for every (route, next hop) pair a check applies to, the check runs
 * every `interval` (bounded: one at a time per pair, each with its own timeout in the injected `check`); a pair
 * that fails `fails` times in a row is reported down, a down pair that passes `passes` times in a row up. The
 * pairs come from `targets()` each round, so routes and next hops that come and go are followed; the clock is
 * injected (tests drive it), and so is the check itself (src/router/service-check.ts sends it through the one
 * next hop).
 */
import type { Clock, TimerHandle } from '../lib/clock.js';

export interface HealthTarget {
  /** The route ("172.20.1.1/32") and the next hop the check goes through. */
  readonly prefix: string;
  readonly nexthop: string;
  readonly port: number;
  readonly path?: string;
  readonly timeoutMs: number;
  readonly fails: number;
  readonly passes: number;
}

export interface HealthEvents {
  down(t: HealthTarget, reason: string): void;
  up(t: HealthTarget): void;
}

interface PairState { failed: number; passed: number; down: boolean; running: boolean; lastError?: string }

/** A pair's state: its target, whether it is up, the failures in a row, the last error. */
export interface HealthState { readonly target: HealthTarget; readonly up: boolean; readonly failedInRow: number; readonly lastError?: string }

const pairKey = (t: HealthTarget): string => `${t.prefix} ${t.nexthop} ${t.port}`;

export class ServiceHealth {
  private readonly pairs = new Map<string, PairState>();
  private targetsNow: HealthTarget[] = [];
  private timer?: TimerHandle;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly targets: () => HealthTarget[],
    private readonly check: (t: HealthTarget) => Promise<string | undefined>,
    private readonly events: HealthEvents,
  ) {}

  start(): void { this.round(); }

  stop(): void { this.stopped = true; this.timer?.cancel(); }

  states(): HealthState[] {
    return this.targetsNow.map((t) => {
      const s = this.pairs.get(pairKey(t));
      return { target: t, up: !s?.down, failedInRow: s?.failed ?? 0, ...(s?.lastError ? { lastError: s.lastError } : {}) };
    });
  }

  private round(): void {
    if (this.stopped) return;
    this.targetsNow = this.targets();
    const live = new Set(this.targetsNow.map(pairKey));
    for (const k of [...this.pairs.keys()]) if (!live.has(k)) this.pairs.delete(k);
    for (const t of this.targetsNow) this.run(t);
    this.timer = this.clock.at(this.clock.now() + this.intervalMs, () => this.round());
  }

  private run(t: HealthTarget): void {
    const k = pairKey(t);
    const s = this.pairs.get(k) ?? { failed: 0, passed: 0, down: false, running: false };
    this.pairs.set(k, s);
    if (s.running) return;
    s.running = true;
    void this.check(t).catch((e: unknown) => (e instanceof Error ? e.message : String(e))).then((error) => {
      s.running = false;
      if (this.stopped || this.pairs.get(k) !== s) return;
      if (error === undefined) {
        s.failed = 0;
        s.passed++;
        delete s.lastError;
        if (s.down && s.passed >= t.passes) { s.down = false; this.events.up(t); }
      } else {
        s.passed = 0;
        s.failed++;
        s.lastError = error;
        if (!s.down && s.failed >= t.fails) { s.down = true; this.events.down(t, error); }
      }
    });
  }
}
