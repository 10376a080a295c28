/**
 * One MQTT 5 connection for a vipgate daemon (the router or a node's agent), whatever it publishes: a
 * retained "online"/"offline" status topic with "offline" as the last will, a bounded Outbox that holds
 * messages while the broker is away (QoS 1, a bounded number in flight), reconnection, and a clean stop
 * that says "offline" within a time limit. The publisher on top decides the content and, on every
 * (re)connect, republishes its whole state (a restarted broker may have lost its retained messages).
 * Nothing here ever blocks the caller: put() only queues.
 */
import { readFileSync } from 'node:fs';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../lib/log.js';
import { Outbox, type OutMessage } from './outbox.js';

export interface ChannelOptions {
  /** mqtt://host:1883 or mqtts://host:8883. */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** PEM files. */
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string; readonly rejectUnauthorized?: boolean };
  readonly clientId?: string;
  readonly keepaliveSeconds?: number;
  /** Messages held while the broker is away; past it the oldest are dropped. */
  readonly queueLimit?: number;
  readonly reconnectMs?: number;
  /** The largest packet the broker may send us (MQTT 5 section 3.1.2.11.4: it drops larger ones); default: no limit. */
  readonly maximumPacketSize?: number;
}

export const CHANNEL_DEFAULTS = { keepaliveSeconds: 30, queueLimit: 10_000, reconnectMs: 2000 } as const;

/** QoS 1 messages handed to the client and not yet acknowledged. */
const IN_FLIGHT = 64;

export interface TelemetryStats {
  readonly connected: boolean;
  readonly queued: number;
  readonly dropped: number;
  readonly published: number;
}

/** The URL without user:password, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(unparsable url)';
  }
}

export interface ChannelHandlers {
  /** Connected (again): queue the whole state. */
  connected(): void;
  /** A message on a subscribed topic. */
  message?(topic: string, payload: Buffer, retain: boolean): void;
}

export class MqttChannel {
  private readonly o: ChannelOptions & Required<Pick<ChannelOptions, keyof typeof CHANNEL_DEFAULTS>>;
  private readonly outbox: Outbox;
  private client?: MqttClient;
  private inFlight = 0;
  private published = 0;

  constructor(options: ChannelOptions, readonly statusTopic: string, private readonly log: Logger) {
    this.o = { ...CHANNEL_DEFAULTS, ...options };
    this.outbox = new Outbox(this.o.queueLimit);
  }

  stats(): TelemetryStats {
    return { connected: this.client?.connected ?? false, queued: this.outbox.size, dropped: this.outbox.dropped, published: this.published };
  }

  /** Connect, without waiting for the broker (it is retried). */
  open(h: ChannelHandlers): void {
    this.client = connect(this.o.url, this.clientOptions());
    this.client.on('connect', () => {
      this.log.info({ url: redactUrl(this.o.url), queued: this.outbox.size, dropped: this.outbox.dropped }, 'MQTT connected');
      this.client!.publish(this.statusTopic, 'online', { qos: 1, retain: true });
      h.connected();
      this.drain();
    });
    this.client.on('close', () => { this.inFlight = 0; });
    this.client.on('offline', () => this.log.warn({ url: redactUrl(this.o.url), queued: this.outbox.size }, 'MQTT broker unreachable; queueing'));
    this.client.on('error', (e) => this.log.warn({ err: e.message }, 'MQTT error'));
    if (h.message) this.client.on('message', (topic, payload, packet) => h.message!(topic, payload, packet.retain));
  }

  subscribe(topic: string): void { this.client?.subscribe(topic, { qos: 1 }); }

  /** Queue a message; it goes out now if the broker is there. */
  put(m: OutMessage): void { this.outbox.put(m); }

  /** Hand queued messages to the broker, a bounded number in flight. */
  drain(): void {
    const client = this.client;
    while (client?.connected && this.inFlight < IN_FLIGHT) {
      const m = this.outbox.take();
      if (!m) return;
      this.inFlight++;
      client.publish(m.topic, m.payload, { qos: 1, retain: m.retain }, (err) => {
        if (this.inFlight > 0) this.inFlight--;
        if (!err) this.published++;
        this.drain();
      });
    }
  }

  private clientOptions(): IClientOptions {
    const { tls } = this.o;
    return {
      protocolVersion: 5, clean: true, keepalive: this.o.keepaliveSeconds, reconnectPeriod: this.o.reconnectMs, connectTimeout: 10_000,
      clientId: this.o.clientId ?? this.statusTopic.replace(/\/status$/, '').replace(/\//g, '-'),
      queueQoSZero: false,
      // mqtt-packet's default pre-builds a 2-byte Buffer for each of 65,536 numbers on the first packet: 6 MiB
      // of heap in 65k objects, for a daemon that publishes a few messages a second
      writeCache: false,
      will: { topic: this.statusTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
      ...(this.o.maximumPacketSize !== undefined ? { properties: { maximumPacketSize: this.o.maximumPacketSize } } : {}),
      ...(this.o.username !== undefined ? { username: this.o.username } : {}),
      ...(this.o.password !== undefined ? { password: this.o.password } : {}),
      ...(tls?.ca ? { ca: readFileSync(tls.ca) } : {}),
      ...(tls?.cert ? { cert: readFileSync(tls.cert) } : {}),
      ...(tls?.key ? { key: readFileSync(tls.key) } : {}),
      ...(tls?.rejectUnauthorized !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
    };
  }

  /** Say "offline" (a clean stop sends no will) and disconnect, within `timeoutMs`. */
  async close(timeoutMs = 2000): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { client.end(true, () => resolve()); }, timeoutMs);
      const end = (force: boolean) => client.end(force, () => { clearTimeout(timer); resolve(); });
      // with no broker there is nothing to say goodbye to: a pending reconnect is dropped at once
      if (client.connected) client.publish(this.statusTopic, 'offline', { qos: 1, retain: true }, () => end(false)); else end(true);
    });
  }
}
