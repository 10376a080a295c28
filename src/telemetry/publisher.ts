/**
 * The router's MQTT telemetry (MQTT 5, the mqtt package): the topic tree of topics.ts kept current from
 * the router's events. Events only mark what changed and start a short timer, so a burst (a node taking
 * 1,000 routes with it) becomes one message per topic; messages wait in a bounded Outbox while the
 * broker is away and go out with QoS 1, a bounded number in flight. Each (re)connect says "online" and
 * republishes the whole state (a restarted broker may have lost its retained messages) and clears
 * retained topics of its own the router no longer has: routes, peers, Service IPs, Home Assistant configs
 * (discovery.ts). What comes from the node agents (attachCluster) is read back from retained messages after
 * a connect: for CLUSTER_SETTLE_MS nothing derived from it is removed, so a reconnect does not make their
 * Home Assistant entities vanish and come back. Routing never waits for any of this.
 */
import type { ClusterSource } from '../control/cluster.js';
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import { vipgateVersion } from '../lib/version.js';
import type { NexthopView, RouterEvent, RouterStatusSource } from '../control/views.js';
import { MqttChannel, type ChannelOptions, type TelemetryStats } from './channel.js';
import { nodeEntities, peerEntities, routerEntities, routerNode, serviceIpEntities, type DiscoveryContext } from './discovery.js';
import type { OutMessage } from './outbox.js';
import { RetainedSet } from './retained-set.js';
import { serviceIpStates } from './service-ips.js';
import { eventPayload, peerPayload, routePayload, splitPayload, Topics, type SummaryPayload } from './topics.js';

export interface TelemetryOptions extends ChannelOptions {
  readonly site: string;
  readonly host: string;
  /** How long changes gather before they are published. */
  readonly coalesceMs?: number;
  /** Peers and summary are republished this often (uptime, counters). */
  readonly refreshMs?: number;
  /** Home Assistant discovery prefix; undefined: no discovery messages. */
  readonly discoveryPrefix?: string;
  /** The status page as Home Assistant's users reach it: the router device's configuration_url. */
  readonly configurationUrl?: string;
}

export const TELEMETRY_DEFAULTS = { coalesceMs: 250, refreshMs: 60_000 } as const;

/** After a (re)connect, how long the node agents' retained reports take to come back. */
export const CLUSTER_SETTLE_MS = 3000;

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
  /** The Service IPs' states or the set of entities may have changed. */
  private derivedDirty = true;
  /** The peers as last published, whose entities Home Assistant has. */
  private peerNames: readonly string[] = [];
  private readonly peerTopics = new RetainedSet();
  private readonly vipTopics = new RetainedSet();
  private readonly splitTopics = new RetainedSet();
  private splitPending = false;
  private readonly discovery = new RetainedSet();
  private readonly discoveryContext?: DiscoveryContext;
  private cluster?: ClusterSource;
  private settleUntil = 0;
  private lastFailoverMs: number | null = null;
  private flushTimer?: TimerHandle;
  private refreshTimer?: TimerHandle;
  private settleTimer?: TimerHandle;
  private unsubscribe?: () => void;
  private unsubscribeCluster?: () => void;
  private readonly watches: TopicWatch[] = [];

  constructor(options: TelemetryOptions, private readonly source: RouterStatusSource, private readonly clock: Clock, log: Logger) {
    this.o = { ...TELEMETRY_DEFAULTS, ...options };
    this.topics = new Topics(options.site, options.host);
    this.channel = new MqttChannel(options, this.topics.status, log);
    if (options.discoveryPrefix !== undefined) {
      this.discoveryContext = {
        prefix: options.discoveryPrefix, topics: this.topics, site: options.site, host: options.host, version: vipgateVersion(),
        ...(options.configurationUrl ? { configurationUrl: options.configurationUrl } : {}),
      };
    }
  }

  stats(): TelemetryStats { return this.channel.stats(); }

  /** Read the current routes, subscribe to events, connect (without waiting for the broker). */
  async start(): Promise<void> {
    this.unsubscribe = this.source.subscribe((e) => this.onEvent(e));
    for (const r of await this.source.routes()) if (!this.dirtyRoutes.has(r.prefix)) this.routes.set(r.prefix, r.nexthops);
    this.channel.open({
      connected: () => this.onConnect(),
      message: (topic, payload, retain) => {
        this.onRetained(topic, payload, retain);
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

  /** The node agents' reports: their Service IPs get a state, and agents and Service IPs Home Assistant entities. */
  attachCluster(cluster: ClusterSource): void {
    this.cluster = cluster;
    this.unsubscribeCluster = cluster.subscribe(() => this.markDerived());
    this.markDerived();
  }

  private get discoveryFilter(): string | undefined {
    const ctx = this.discoveryContext;
    return ctx && `${ctx.prefix}/+/${routerNode(ctx)}/+/config`;
  }

  private onConnect(): void {
    this.channel.subscribe(this.topics.routesWildcard);
    this.channel.subscribe(this.topics.vipsWildcard);
    if (this.discoveryFilter) this.channel.subscribe(this.discoveryFilter);
    for (const w of this.watches) {
      w.connected();
      for (const f of w.filters) this.channel.subscribe(f);
    }
    for (const s of [this.peerTopics, this.vipTopics, this.discovery]) s.clear();
    this.peersDirty = true;
    this.derivedDirty = true;
    for (const prefix of this.routes.keys()) this.dirtyRoutes.add(prefix);
    this.settleUntil = this.clock.now() + CLUSTER_SETTLE_MS;
    this.settleTimer?.cancel();
    this.settleTimer = this.clock.at(this.settleUntil, () => this.markDerived());
    this.flush();
  }

  /** A retained message of ours the broker kept from before: a route the router no longer has is cleared
   * now; a Service IP or Home Assistant config is held so that the next flush replaces or clears it. */
  private onRetained(topic: string, payload: Buffer, retain: boolean): void {
    if (!retain || payload.length === 0) return;
    if (topic.startsWith(`${this.topics.base}/routes/`)) {
      const prefix = topic.slice(this.topics.base.length + 8).replace('_', '/');
      if (this.routes.has(prefix) || this.dirtyRoutes.has(prefix)) return;
      this.channel.put({ topic, payload: '', retain: true });
      this.channel.drain();
      return;
    }
    const set = topic.startsWith(`${this.topics.base}/vips/`) ? this.vipTopics
      : this.discoveryContext && topic.startsWith(`${this.discoveryContext.prefix}/`) && topic.endsWith('/config') ? this.discovery : undefined;
    if (!set) return;
    set.adopt(topic, payload.toString());
    this.markDerived();
  }

  private onEvent(e: RouterEvent): void {
    if (e.type === 'routes') {
      for (const c of e.changes) {
        if (c.newNexthops.length) this.routes.set(c.prefix, c.newNexthops); else this.routes.delete(c.prefix);
        this.dirtyRoutes.add(c.prefix);
      }
      this.derivedDirty = true;
    }
    if (e.type === 'failover') this.lastFailoverMs = Math.round(e.durationMs * 10) / 10;
    const ev = eventPayload(e);
    if (ev !== undefined) this.pendingEvents.push(ev);
    this.peersDirty = true;
    this.scheduleFlush();
  }

  private markDerived(): void {
    this.derivedDirty = true;
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    this.flushTimer ??= this.clock.at(this.clock.now() + this.o.coalesceMs, () => this.flush());
  }

  private scheduleRefresh(): void {
    this.refreshTimer = this.clock.at(this.clock.now() + this.o.refreshMs, () => {
      this.peersDirty = true;
      this.flush();
      void this.publishSplit();
      this.scheduleRefresh();
    });
  }

  /**
   * The measured split of every route that has one (split/<prefix>), as it is now. One at a time: a refresh
   * while the last one still waits for the routes is skipped (they would pile up behind a slow answer).
   */
  private async publishSplit(): Promise<void> {
    if (this.splitPending) return;
    this.splitPending = true;
    try {
      const want = new Map<string, string>();
      for (const r of await this.source.routes().catch(() => [])) {
        const payload = splitPayload(r);
        if (payload !== undefined) want.set(this.topics.split(r.prefix), payload);
      }
      for (const m of this.splitTopics.update(want)) this.channel.put(m);
      this.channel.drain();
    } finally {
      this.splitPending = false;
    }
  }

  /** Everything that changed since the last flush into the outbox, then out to the broker. */
  private flush(): void {
    this.flushTimer?.cancel();
    this.flushTimer = undefined;
    const put = (m: OutMessage) => this.channel.put(m);
    for (const payload of this.pendingEvents.splice(0)) put({ topic: this.topics.events, payload, retain: false });
    for (const prefix of this.dirtyRoutes) put({ topic: this.topics.route(prefix), payload: routePayload(prefix, this.routes.get(prefix) ?? []), retain: true });
    this.dirtyRoutes.clear();
    const summary = this.peersDirty || this.derivedDirty ? this.source.summary() : undefined;
    if (summary && this.peersDirty) {
      this.peersDirty = false;
      for (const m of this.peerTopics.update(new Map(summary.peers.map((p) => [this.topics.peer(p.name), JSON.stringify(peerPayload(p))])))) put(m);
      if (summary.peers.map((p) => p.name).join('\n') !== this.peerNames.join('\n')) this.derivedDirty = true;
      const s: SummaryPayload = {
        routes: this.routes.size, peers: summary.peers.length,
        peersEstablished: summary.peers.filter((p) => p.state === 'Established').length, lastFailoverMs: this.lastFailoverMs,
      };
      put({ topic: this.topics.summary, payload: JSON.stringify(s), retain: true });
    }
    if (summary && this.derivedDirty) {
      this.derivedDirty = false;
      this.publishDerived(summary.peers);
    }
    this.channel.drain();
  }

  /** Service IP states and the Home Assistant configs, from the routes, the peers and the node agents. */
  private publishDerived(peers: ReturnType<RouterStatusSource['summary']>['peers']): void {
    this.peerNames = peers.map((p) => p.name);
    const settling = () => this.clock.now() < this.settleUntil;
    const report = this.cluster?.report();
    const hostOf = new Map(peers.flatMap((p) => (p.hostname ? [[p.address, p.hostname] as const] : [])));
    const vips = serviceIpStates(this.routes, report, (gw) => hostOf.get(gw));
    for (const m of this.vipTopics.update(new Map([...vips].map(([prefix, v]) => [this.topics.vip(prefix), JSON.stringify(v)])), settling)) this.channel.put(m);
    const ctx = this.discoveryContext;
    if (!ctx) return;
    const configs = [
      ...routerEntities(ctx), ...this.peerNames.flatMap((n) => peerEntities(ctx, n)), ...[...vips.keys()].flatMap((p) => serviceIpEntities(ctx, p)),
      ...(report?.nodes ?? []).flatMap((n) => nodeEntities(ctx, n)),
    ];
    for (const m of this.discovery.update(new Map(configs.map((d) => [d.topic, JSON.stringify(d.config)])), settling)) this.channel.put(m);
  }

  /** Say "offline" (a clean stop sends no will) and disconnect, within `timeoutMs`. */
  async stop(timeoutMs = 2000): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribeCluster?.();
    this.flushTimer?.cancel();
    this.refreshTimer?.cancel();
    this.settleTimer?.cancel();
    await this.channel.close(timeoutMs);
  }
}

/** Start publishing `source` to the broker of `options`; the broker may come later (it is retried). */
export async function startTelemetry(options: TelemetryOptions, source: RouterStatusSource, clock: Clock, log: Logger): Promise<MqttTelemetry> {
  const t = new MqttTelemetry(options, source, clock, log);
  await t.start();
  return t;
}
