/**
 * Time for everything that has timers. Composition roots pass `systemClock`; tests pass a FakeClock and
 * move time by hand, so no test waits for a real timer.
 */
export interface TimerHandle { cancel(): void }

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Call `fn` once at (or after) time `at`. */
  at(at: number, fn: () => void): TimerHandle;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  at(at, fn) {
    const t = setTimeout(fn, Math.max(0, at - performance.now()));
    return { cancel: () => clearTimeout(t) };
  },
};

export class FakeClock implements Clock {
  private t = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  constructor(start = 0) { this.t = start; }

  now(): number { return this.t; }

  at(at: number, fn: () => void): TimerHandle {
    const id = this.seq++;
    this.timers.set(id, { at, fn });
    return { cancel: () => { this.timers.delete(id); } };
  }

  /** Move time forward by `ms`, firing due timers in order (timers they set are honoured too). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (let guard = 0; guard < 1_000_000; guard++) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
    this.t = end;
  }
}
