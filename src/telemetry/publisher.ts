/**
 * The router's MQTT telemetry (MQTT 5, the mqtt package): the topic tree of topics.ts kept current from
 * the router's events. Events only mark what changed and start a short timer, so a burst (a node taking
 * 1,000 routes with it) becomes one message per topic; messages wait in a bounded Outbox while the
 * broker is away and go out with QoS 1, a bounded number in flight. Each (re)connect says "online" and
 * republishes the whole state (a restarted broker may have lost its retained messages) and clears
 * retained routes the router no longer has. Routing never waits for any of this.
 */
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import type { NexthopView, RouterEvent, RouterStatusSource } from '../control/views.js';
import { MqttChannel, type ChannelOptions, type TelemetryStats } from './channel.js';
import { discoveryMessages } from './discovery.js';
import type { OutMessage } from './outbox.js';
import { eventPayload, peerPayload, routePayload, Topics, type SummaryPayload } from './topics.js';

export interface TelemetryOptions extends ChannelOptions {
  readonly site: string;
  readonly host: string;
  /** How long changes gather before they are published. */
  readonly coalesceMs?: number;
  /** Peers and summary are republished this often (uptime, counters). */
  readonly refreshMs?: number;
  /** Home Assistant discovery prefix; undefined: no discovery messages. */
  readonly discoveryPrefix?: string;
}

export const TELEMETRY_DEFAULTS = { coalesceMs: 250, refreshMs: 60_000 } as const;

/** Other topics read on the publisher's connection (cluster-view.ts): nothing is published for them. */
export interface TopicWatch {
  readonly filters: readonly string[];
  /** (Re)connected: the broker is about to resend the retained messages of `filters`. */
  connected(): void;
  message(topic: string, payload: Buffer, retain: boolean): void;
}

export class MqttTelemetry {
  readonly topics: Topics;
  private readonly o: TelemetryOptions & Required<Pick<TelemetryOptions, keyof typeof TELEMETRY_DEFAULTS>>;
  private readonly channel: MqttChannel;
  /** Installed routes as last heard: prefix → next hops. */
  private readonly routes = new Map<string, readonly NexthopView[]>();
  private readonly dirtyRoutes = new Set<string>();
  private readonly pendingEvents: string[] = [];
  private peersDirty = true;
  private readonly announcedPeers = new Set<string>();
  private lastFailoverMs: number | null = null;
  private flushTimer?: TimerHandle;
  private refreshTimer?: TimerHandle;
  private unsubscribe?: () => void;
  private readonly watches: TopicWatch[] = [];

  constructor(options: TelemetryOptions, private readonly source: RouterStatusSource, private readonly clock: Clock, log: Logger) {
    this.o = { ...TELEMETRY_DEFAULTS, ...options };
    this.topics = new Topics(options.site, options.host);
    this.channel = new MqttChannel(options, this.topics.status, log);
  }

  stats(): TelemetryStats { return this.channel.stats(); }

  /** Read the current routes, subscribe to events, connect (without waiting for the broker). */
  async start(): Promise<void> {
    this.unsubscribe = this.source.subscribe((e) => this.onEvent(e));
    for (const r of await this.source.routes()) if (!this.dirtyRoutes.has(r.prefix)) this.routes.set(r.prefix, r.nexthops);
    this.channel.open({
      connected: () => this.onConnect(),
      message: (topic, payload, retain) => {
        this.onRetainedRoute(topic, payload, retain);
        for (const w of this.watches) w.message(topic, payload, retain);
      },
    });
    this.scheduleRefresh();
  }

  /** Also read `w.filters` on this connection, now if connected and again after every reconnect. */
  watch(w: TopicWatch): void {
    this.watches.push(w);
    if (this.channel.stats().connected) for (const f of w.filters) this.channel.subscribe(f);
  }

  private onConnect(): void {
    this.channel.subscribe(this.topics.routesWildcard);
    for (const w of this.watches) {
      w.connected();
      for (const f of w.filters) this.channel.subscribe(f);
    }
    this.announcedPeers.clear();
    this.peersDirty = true;
    for (const prefix of this.routes.keys()) this.dirtyRoutes.add(prefix);
    this.flush();
  }

  /** A retained route the broker kept from before that the router no longer has: clear it. */
  private onRetainedRoute(topic: string, payload: Buffer, retain: boolean): void {
    if (!retain || payload.length === 0 || !topic.startsWith(`${this.topics.base}/routes/`)) return;
    const prefix = topic.slice(this.topics.base.length + 8).replace('_', '/');
    if (this.routes.has(prefix) || this.dirtyRoutes.has(prefix)) return;
    this.channel.put({ topic, payload: '', retain: true });
    this.channel.drain();
  }

  private onEvent(e: RouterEvent): void {
    if (e.type === 'routes') {
      for (const c of e.changes) {
        if (c.newNexthops.length) this.routes.set(c.prefix, c.newNexthops); else this.routes.delete(c.prefix);
        this.dirtyRoutes.add(c.prefix);
      }
    }
    if (e.type === 'failover') this.lastFailoverMs = Math.round(e.durationMs * 10) / 10;
    const ev = eventPayload(e);
    if (ev !== undefined) this.pendingEvents.push(ev);
    this.peersDirty = true;
    this.flushTimer ??= this.clock.at(this.clock.now() + this.o.coalesceMs, () => this.flush());
  }

  private scheduleRefresh(): void {
    this.refreshTimer = this.clock.at(this.clock.now() + this.o.refreshMs, () => {
      this.peersDirty = true;
      this.flush();
      this.scheduleRefresh();
    });
  }

  /** Everything that changed since the last flush into the outbox, then out to the broker. */
  private flush(): void {
    this.flushTimer?.cancel();
    this.flushTimer = undefined;
    const put = (m: OutMessage) => this.channel.put(m);
    for (const payload of this.pendingEvents.splice(0)) put({ topic: this.topics.events, payload, retain: false });
    for (const prefix of this.dirtyRoutes) put({ topic: this.topics.route(prefix), payload: routePayload(prefix, this.routes.get(prefix) ?? []), retain: true });
    this.dirtyRoutes.clear();
    if (this.peersDirty) {
      this.peersDirty = false;
      const summary = this.source.summary();
      const names = summary.peers.map((p) => p.name);
      if (this.o.discoveryPrefix !== undefined && names.some((n) => !this.announcedPeers.has(n))) {
        for (const n of names) this.announcedPeers.add(n);
        for (const d of discoveryMessages(this.o.discoveryPrefix, this.topics, this.o.site, this.o.host, [...this.announcedPeers])) {
          put({ topic: d.topic, payload: JSON.stringify(d.config), retain: true });
        }
      }
      for (const p of summary.peers) put({ topic: this.topics.peer(p.name), payload: JSON.stringify(peerPayload(p)), retain: true });
      const s: SummaryPayload = {
        routes: this.routes.size, peers: summary.peers.length,
        peersEstablished: summary.peers.filter((p) => p.state === 'Established').length, lastFailoverMs: this.lastFailoverMs,
      };
      put({ topic: this.topics.summary, payload: JSON.stringify(s), retain: true });
    }
    this.channel.drain();
  }

  /** Say "offline" (a clean stop sends no will) and disconnect, within `timeoutMs`. */
  async stop(timeoutMs = 2000): Promise<void> {
    this.unsubscribe?.();
    this.flushTimer?.cancel();
    this.refreshTimer?.cancel();
    await this.channel.close(timeoutMs);
  }
}

/** Start publishing `source` to the broker of `options`; the broker may come later (it is retried). */
export async function startTelemetry(options: TelemetryOptions, source: RouterStatusSource, clock: Clock, log: Logger): Promise<MqttTelemetry> {
  const t = new MqttTelemetry(options, source, clock, log);
  await t.start();
  return t;
}
