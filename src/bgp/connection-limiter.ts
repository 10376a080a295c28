/**
 * A limit on new TCP connections per source address for dynamic-neighbor ranges: port 179 faces a LAN, and
 * a host that connects again and again (a misconfigured speaker, a scan) must not cost more than a few
 * sessions' worth of work. A token bucket per source (`burst` connections, one more every `refillMs`), and
 * a source that keeps hitting the limit is blocked for a time that doubles up to `maxBlockMs`. The table of
 * sources is bounded; the oldest entries go first.
 */
export interface LimiterOptions {
  readonly burst: number;
  readonly refillMs: number;
  readonly maxBlockMs: number;
  readonly maxSources: number;
}

export const DEFAULT_LIMITS: LimiterOptions = { burst: 5, refillMs: 2000, maxBlockMs: 300_000, maxSources: 4096 };

interface Bucket { tokens: number; at: number; blockedUntil: number; strikes: number; lastStrike: number }

export class ConnectionLimiter {
  private readonly sources = new Map<string, Bucket>();

  constructor(private readonly o: LimiterOptions = DEFAULT_LIMITS) {}

  /** Undefined when the connection may go ahead, else why not. */
  check(source: string, now: number): string | undefined {
    let b = this.sources.get(source);
    if (!b) {
      if (this.sources.size >= this.o.maxSources) this.sources.delete(this.sources.keys().next().value!);
      b = { tokens: this.o.burst, at: now, blockedUntil: 0, strikes: 0, lastStrike: 0 };
    } else {
      this.sources.delete(source); // re-insert below: the map stays in least-recently-seen order
    }
    this.sources.set(source, b);
    if (now < b.blockedUntil) return `blocked for ${Math.ceil((b.blockedUntil - now) / 1000)} s after repeated connections`;
    b.tokens = Math.min(this.o.burst, b.tokens + (now - b.at) / this.o.refillMs);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return undefined;
    }
    // strikes are forgiven after a whole maximum block without one
    if (now - b.lastStrike > this.o.maxBlockMs) b.strikes = 0;
    b.strikes++;
    b.lastStrike = now;
    b.blockedUntil = now + Math.min(this.o.maxBlockMs, this.o.refillMs * 2 ** b.strikes);
    return `more than ${this.o.burst} connections in ${(this.o.burst * this.o.refillMs) / 1000} s`;
  }

  get tracked(): number { return this.sources.size; }
}
