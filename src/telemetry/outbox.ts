/**
 * The bounded queue between the router and the broker. A retained state message replaces the queued one
 * for the same topic (only the latest state matters), events queue in order; past `limit` the oldest
 * message is dropped and counted. Nothing here waits: routing only ever calls put().
 */
export interface OutMessage {
  readonly topic: string;
  readonly payload: string;
  readonly retain: boolean;
}

export class Outbox {
  private readonly queue = new Map<string, OutMessage>();
  private seq = 0;
  dropped = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`outbox limit must be a positive integer, got ${limit}`);
  }

  get size(): number { return this.queue.size; }

  put(m: OutMessage): void {
    const key = m.retain ? `r:${m.topic}` : `e:${this.seq++}`;
    this.queue.delete(key);
    this.queue.set(key, m);
    if (this.queue.size > this.limit) {
      const oldest = this.queue.keys().next().value!;
      this.queue.delete(oldest);
      this.dropped++;
    }
  }

  /** The oldest message, removed from the queue. */
  take(): OutMessage | undefined {
    const first = this.queue.entries().next();
    if (first.done) return undefined;
    this.queue.delete(first.value[0]);
    return first.value[1];
  }
}
