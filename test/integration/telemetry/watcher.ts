/** A test subscriber: records every message it gets and waits for one that matches. */
import { connectAsync, type MqttClient } from 'mqtt';
import { waitFor } from '../../helpers/netns.js';

export interface Seen { readonly topic: string; readonly payload: string; readonly retain: boolean }

export class Watcher {
  readonly seen: Seen[] = [];
  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => this.seen.push({ topic, payload: payload.toString(), retain: packet.retain }));
  }

  static async connect(url: string, filters: readonly string[], options: Record<string, unknown> = {}): Promise<Watcher> {
    const client = await connectAsync(url, { protocolVersion: 5, reconnectPeriod: 100, ...options });
    const w = new Watcher(client);
    for (const f of filters) await client.subscribeAsync(f, { qos: 1 });
    return w;
  }

  last(topic: string): Seen | undefined { return this.seen.findLast((m) => m.topic === topic); }
  all(topic: string): Seen[] { return this.seen.filter((m) => m.topic === topic); }

  /** The latest message on `topic` once it satisfies `ok`. */
  waitFor(topic: string, ok: (payload: string) => boolean, timeoutMs = 10_000): Promise<Seen> {
    return waitFor(`a message on ${topic} that matches`, () => {
      const m = this.last(topic);
      return m && ok(m.payload) ? m : undefined;
    }, timeoutMs, 20);
  }

  json<T>(topic: string): T { return JSON.parse(this.last(topic)!.payload) as T; }

  async close(): Promise<void> { await this.client.endAsync(true); }
}
