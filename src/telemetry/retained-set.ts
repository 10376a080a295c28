/**
 * A set of retained topics a publisher keeps on the broker, each with its payload: given what should be
 * there now, the messages that make it so (new and changed payloads, an empty retained message for a topic
 * no longer wanted, MQTT 5 3.3.1.3). Topics found retained on the broker that the publisher did not write
 * this run can be adopted, so the next update clears them when they are not wanted. After a reconnect,
 * clear() makes the next update send everything again (a restarted broker may have lost what it kept).
 */
import type { OutMessage } from './outbox.js';

export class RetainedSet {
  private readonly published = new Map<string, string>();

  /** Messages for `want` (topic → payload); `keep(topic)` true: a topic not wanted stays for now. */
  update(want: ReadonlyMap<string, string>, keep: (topic: string) => boolean = () => false): OutMessage[] {
    const out: OutMessage[] = [];
    for (const [topic, payload] of want) {
      if (this.published.get(topic) === payload) continue;
      this.published.set(topic, payload);
      out.push({ topic, payload, retain: true });
    }
    for (const topic of [...this.published.keys()]) {
      if (want.has(topic) || keep(topic)) continue;
      this.published.delete(topic);
      out.push({ topic, payload: '', retain: true });
    }
    return out;
  }

  has(topic: string): boolean { return this.published.has(topic); }

  /** A retained message seen on the broker: held as ours, so that it is replaced or cleared. */
  adopt(topic: string, payload: string): void {
    if (!this.published.has(topic)) this.published.set(topic, payload);
  }

  clear(): void { this.published.clear(); }
}
