/**
 * Composition root of `vipgate router`: configuration → BGP speaker (peers, dynamic ranges) → Routing
 * (import, Loc-RIB, multipath, export) → kernel FIB; plus the control socket the CLI and the web page
 * read. The only place that opens sockets and reads the wall clock for the router. Here: the neighbors'
 * lifecycle (add, remove, reload, maximum prefixes); next-hop liveness is nexthop-liveness.ts, the FIB hold
 * at start-up startup-hold.ts, what the views may read query.ts.
 */
import { hostname } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import type { Socket } from 'node:net';
import { addressInPrefix, parseAddress, parsePrefix, type Family } from '../lib/address.js';
import type { Clock } from '../lib/clock.js';
import { connectedSubnets, ipv6OnSameInterface } from '../lib/interfaces.js';
import type { Logger } from '../lib/log.js';
import { Peer, type PeerOptions } from '../bgp/peer.js';
import { Speaker } from '../bgp/speaker.js';
import { describeDown } from '../bgp/session-down.js';
import type { ConnectionDirection } from '../bgp/connection.js';
import type { NeighborConfig, NetworkConfig, RouterConfig } from '../config/resolve.js';
import { configWarnings } from '../config/warnings.js';
import { readRouterConfig } from '../config/router-config.js';
import { linkBandwidth } from '../wire/bgp/communities.js';
import type { PathAttributes } from '../wire/bgp/types.js';
import { CeaseSubcode } from '../wire/bgp/types.js';
import { planReload } from './reload-plan.js';
import { ControlServer } from '../control/server.js';
import type { RouterCommands } from '../control/commands.js';
import { Routing, type FibPort } from './routing.js';
import { installedRoutes, registerViews, withHealth } from './views.js';
import { DYNAMIC_LIMIT } from './summary-view.js';
import { configRevision, RouterStatus } from './status.js';
import type { FibCountersView, RouterQuery } from './query.js';
import type { KernelRouteView, ReloadResult } from '../control/views.js';
import { applySocketSecurity } from './socket-security.js';
import { md5Socket, setMd5 } from '../native/tcp-md5.js';
import type { TransportFactory } from '../bfd/service.js';
import type { Pinger } from '../probe/prober.js';
import { NexthopLiveness } from './nexthop-liveness.js';
import { StartupHold } from './startup-hold.js';
import { ServiceHealth } from '../probe/service-health.js';

export interface RouterDeps {
  readonly clock: Clock;
  readonly log: Logger;
  /** The configuration file, read again by reloadFile(). */
  readonly configPath?: string;
  /** Undefined: routes are not installed (a route server, or a test without a kernel). */
  readonly fib?: FibPort & {
    close?(): Promise<void>; kernelRoutes?(): Promise<KernelRouteView[]>; withdrawNexthop?(address: string): Promise<unknown>;
    /** Delete what a previous run left in the kernel and this run has not confirmed. */
    sweep?(): Promise<{ readonly requests: number }>;
    /** Kernel requests sent and refused (src/fib/counters.ts). */
    readonly counters?: { view(): FibCountersView };
  };
  readonly controlSocket?: string;
  /** BFD packets' way out and in; default UDP 3784 with TTL 255 (RFC 5881). Opened only if a neighbor runs BFD. */
  readonly bfdTransport?: TransportFactory;
  /** ICMP echo for next-hop probing; default raw sockets. Opened only if a neighbor has probe.enabled. */
  readonly pinger?: () => Pinger & { close(): void };
}

const FAMILY: Record<'ipv4' | 'ipv6', Family> = { ipv4: 4, ipv6: 6 };
/** Local ports per next hop for service checks: how many checks through one node run at once. */
const SERVICE_PORTS_PER_NEXTHOP = 16;

/** The attributes an originated route carries (ORIGIN IGP, empty AS_PATH, the configured communities). */
export function networkAttributes(n: NetworkConfig, asn: number): PathAttributes {
  const lb = n.linkBandwidth && linkBandwidth(asn, (n.linkBandwidth.mbps * 1e6) / 8, { transitive: n.linkBandwidth.transitive });
  return {
    origin: 0, asPath: [],
    ...(n.communities.length ? { communities: n.communities } : {}),
    ...(n.largeCommunities.length ? { largeCommunities: n.largeCommunities } : {}),
    ...(n.med !== undefined ? { med: n.med } : {}),
    ...(lb ? { extendedCommunities: [lb] } : {}),
  };
}

export class RouterDaemon implements RouterQuery {
  readonly speaker: Speaker;
  readonly routing: Routing;
  readonly control?: ControlServer<RouterCommands>;
  /** State and events for the web page, MQTT, metrics and history (src/router/observers.ts). */
  readonly status: RouterStatus;
  /** BFD and next-hop probing (neighbors with bfd.enabled, probe.enabled). */
  private readonly liveness: NexthopLiveness;
  /** Service checks through each node (serviceHealth), when configured and routes are installed. */
  readonly serviceHealth?: ServiceHealth;
  private readonly neighborOf = new Map<Peer, NeighborConfig>();
  private readonly started: number;
  private connectedCache?: { at: number; value: ReturnType<typeof connectedSubnets> };
  private readonly startupHold: StartupHold;

  private config: RouterConfig;
  private reloading: Promise<unknown> = Promise.resolve();

  constructor(cfg: RouterConfig, private readonly deps: RouterDeps) {
    const { clock, log } = deps;
    this.config = cfg;
    this.started = clock.now();
    this.status = new RouterStatus(this, clock);
    const fib = deps.fib;
    if (fib && cfg.serviceHealth) {
      this.serviceHealth = new ServiceHealth({ ...cfg.serviceHealth, portsPerSlot: SERVICE_PORTS_PER_NEXTHOP }, {
        clock, log, apply: (changes) => fib.apply(changes),
        changed: (p) => this.status.emit({ type: 'service-path', at: clock.now(), prefix: p.prefix, nexthop: p.nexthop, up: p.up, ...(p.lastError ? { reason: p.lastError } : {}) }),
      });
    }
    const health = this.serviceHealth;
    // routing -> next-hop gate (probing) -> service gate -> kernel
    const gatedFib = fib && health ? {
      apply: (changes: Parameters<FibPort['apply']>[0]) => fib.apply(health.gate.filter(changes)),
      ...(fib.withdrawNexthop ? { withdrawNexthop: (a: string) => fib.withdrawNexthop!(a) } : {}),
    } : fib;
    this.liveness = new NexthopLiveness({
      clock, log, ...(gatedFib ? { fib: gatedFib } : {}), ...(deps.bfdTransport ? { bfdTransport: deps.bfdTransport } : {}),
      ...(deps.pinger ? { pinger: deps.pinger } : {}), peersAt: (address) => this.peersAt(address),
    }, cfg.neighbors.some((n) => n.probe.enabled));
    this.speaker = new Speaker(clock, {
      state: (peer, from, to) => {
        log.info({ peer: peer.name, from, to }, `peer ${peer.name} ${from} -> ${to}`);
        this.status.peerState(peer, from, to);
      },
      established: (peer) => {
        log.info({ peer: peer.name, as: peer.peerAs, families: peer.negotiated?.families }, `peer ${peer.name} established`);
        this.startupHold.established(peer);
        this.routing.attach(peer, this.neighborOf.get(peer)!);
      },
      down: (peer, cause, keepStale) => {
        const reason = describeDown(cause);
        log.warn({ peer: peer.name, reason, keepStale }, `peer ${peer.name} down: ${reason}`);
        if (keepStale) this.routing.peerStale(peer); else this.status.failover(peer.name, reason, () => this.routing.peerDown(peer));
      },
      routes: (peer, changes) => this.routing.peerRoutes(peer, changes),
      endOfRib: (peer, family) => {
        log.debug({ peer: peer.name, family }, 'End-of-RIB received');
        this.startupHold.endOfRibFrom(peer, family);
      },
      updateErrors: (peer, errors) => {
        for (const e of errors) log.warn({ peer: peer.name, code: e.code, subcode: e.subcode, action: e.action }, `RFC 7606: ${e.message}`);
      },
      exportTable: (peer) => this.routing.exportTable(peer),
      refused: (address, reason) => log.warn({ address }, `connection refused: ${reason}`),
      peerAdded: (peer) => {
        const n = this.neighborFor(peer.options.address);
        if (!n) return;
        this.neighborOf.set(peer, n);
        this.liveness.watch(peer.options.address, n);
      },
      peerRemoved: (peer) => {
        this.routing.detach(peer); this.neighborOf.delete(peer); this.startupHold.forget(peer);
        this.liveness.unwatch(peer.options.address);
      },
    });
    this.routing = new Routing(cfg, clock, log, this.liveness.fib(), () => this.connected(), () => this.speaker.peers(), {
      refused: (peer, prefix, reason) => log.warn({ peer: peer.name, prefix }, `route refused: ${reason}`),
      maxPrefixExceeded: (peer, count, limit, warningOnly) => this.maxPrefix(peer, count, limit, warningOnly),
      changed: (changes) => this.status.routesChanged(changes),
    });
    this.startupHold = new StartupHold({
      clock, log, routing: this.routing, peers: () => this.speaker.peers(), ...(deps.fib?.sweep ? { sweep: () => deps.fib?.sweep?.() } : {}),
    });
    if (deps.controlSocket) {
      this.control = new ControlServer<RouterCommands>(deps.controlSocket);
      registerViews(this.control, this);
    }
  }

  /** The running configuration (after reloads; restart-only sections as started). */
  get cfg(): RouterConfig { return this.config; }

  get uptimeSeconds(): number { return (this.deps.clock.now() - this.started) / 1000; }
  get versions(): RouterStatus['versions'] { return this.status.versions; }
  now(): number { return this.deps.clock.now(); }
  neighbor(peer: Peer): NeighborConfig | undefined { return this.neighborOf.get(peer); }
  get bfd(): NexthopLiveness['bfd'] { return this.liveness.bfd; }
  get probe(): NexthopLiveness['probe'] { return this.liveness.probe; }

  private *peersAt(address: string): Iterable<Peer> {
    for (const peer of this.neighborOf.keys()) if (peer.options.address === address) yield peer;
  }

  /** The configured neighbor for an address: itself, or the first range that holds it. */
  private neighborFor(address: string): NeighborConfig | undefined {
    const exact = this.cfg.neighbors.find((n) => n.address === address);
    if (exact) return exact;
    const bytes = parseAddress(address);
    return this.cfg.neighbors.find((n) => n.range !== undefined && addressInPrefix(bytes, parsePrefix(n.range)));
  }

  private connected(): ReturnType<typeof connectedSubnets> {
    const now = this.deps.clock.now();
    if (!this.connectedCache || now - this.connectedCache.at > 5000) this.connectedCache = { at: now, value: connectedSubnets() };
    return this.connectedCache.value;
  }

  /** RFC 4486 Cease/Maximum Number of Prefixes Reached, then a restart after `restartAfter` if set. */
  private maxPrefix(peer: Peer, count: number, limit: number, warningOnly: boolean): void {
    const { log, clock } = this.deps;
    log.error({ peer: peer.name, count, limit }, `peer ${peer.name} sent ${count} prefixes, more than its limit ${limit}`);
    if (warningOnly) return;
    peer.stop(`maximum prefix limit ${limit} exceeded`, CeaseSubcode.MAXIMUM_PREFIXES);
    const restart = this.neighborOf.get(peer)?.maxPrefix?.restartAfter ?? 0;
    if (restart > 0) clock.at(clock.now() + restart * 1000, () => peer.start());
  }

  peerOptions(n: NeighborConfig, address: string): PeerOptions {
    const families = n.families.map((f) => FAMILY[f]);
    const base = {
      name: address, address, port: n.port, families, nextHopSelf: n.nextHopSelf,
      ...(n.updateSource ? { localAddress: n.updateSource } : {}),
      ...(n.description ? { description: n.description } : {}),
      hostname: hostname(),
      ...(n.gracefulRestart.enabled ? { gracefulRestart: { restartTime: n.gracefulRestart.restartTime, restarting: false } } : {}),
      prepareSocket: (s: Socket, d: ConnectionDirection) => applySocketSecurity(s, d, n, address, this.deps.log),
      ...(n.password ? { openSocket: () => md5Socket(address, n.password!) } : {}),
      ipv6NextHop: ipv6OnSameInterface,
    };
    return {
      ...base,
      fsm: {
        localAs: n.localAs, routerId: this.cfg.routerId, remoteAs: n.remoteAs, holdTime: n.holdTime, keepaliveTime: n.keepalive,
        connectRetryTime: n.connectRetry, passive: n.passive || n.range !== undefined, autoRestart: true,
        idleHoldTime: 1, idleHoldMax: 120,
        capabilities: Peer.capabilities({ ...base, localAs: n.localAs }),
      },
    };
  }

  /** A configured neighbor (or range) joins the speaker; `start` opens its session unless it is shut down. */
  private addNeighbor(n: NeighborConfig, start: boolean): void {
    if (n.range !== undefined) {
      this.speaker.addRange({ range: parsePrefix(n.range), limit: DYNAMIC_LIMIT, template: (address) => this.peerOptions(n, address) });
    } else {
      const peer = this.speaker.addPeer(this.peerOptions(n, n.address!));
      if (start && !n.shutdown) peer.start();
    }
    this.listenerKey(n, n.password ?? '');
  }

  /** A neighbor (or range) leaves: its routes go, its session closes with Cease `subcode` and `text`. */
  private removeNeighbor(n: NeighborConfig, text: string, subcode: number): void {
    for (const peer of this.peersOf(n)) {
      this.routing.peerDown(peer);
      this.speaker.removePeer(peer, text, subcode);
    }
    if (n.range !== undefined) this.speaker.removeRange(parsePrefix(n.range), text, subcode);
    if (n.password) this.listenerKey(n, '');
  }

  private peersOf(n: NeighborConfig): Peer[] {
    return [...this.neighborOf].filter(([, c]) => c.id === n.id).map(([p]) => p);
  }

  /** RFC 2385: the listener must know each peer's key before its SYN arrives (an empty key removes it). */
  private listenerKey(n: NeighborConfig, key: string): void {
    if (!key && !n.password) return;
    const peer = n.address ?? n.range!;
    for (const l of this.speaker.listeners()) if (l.family === 6 || !peer.includes(':')) setMd5(l.fd, l.family, peer, key);
  }

  async start(): Promise<void> {
    const { log } = this.deps;
    if (this.cfg.neighbors.some((n) => n.bfd.enabled)) await this.liveness.startBfd();
    this.liveness.startProbing();
    await this.serviceHealth?.start();
    for (const n of this.cfg.neighbors) this.addNeighbor(n, false);
    for (const w of configWarnings(this.cfg)) log.warn({ path: w.path }, w.message);
    for (const net of this.cfg.networks) this.routing.originate(parsePrefix(net.prefix), networkAttributes(net, this.cfg.asn));
    if (this.cfg.listen.enabled) {
      await this.speaker.listen([{ address: this.cfg.listen.address, port: this.cfg.listen.port }]);
      log.info({ address: this.cfg.listen.address, port: this.speaker.boundPorts()[0] }, 'listening for BGP');
      for (const n of this.cfg.neighbors) this.listenerKey(n, n.password ?? '');
    }
    await this.control?.listen();
    for (const [peer, n] of this.neighborOf) if (!n.shutdown) peer.start();
    if (this.deps.fib && this.cfg.fib.startupHold > 0 && this.cfg.neighbors.length > 0) this.startupHold.start(this.cfg.fib.startupHold);
  }

  /**
   * Configuration reload (SIGHUP, `vipgate reload`): apply what changed (reload-plan.ts) without touching
   * anything else: unchanged sessions stay up and unchanged routes stay in the kernel.
   */
  async reload(next: RouterConfig): Promise<ReloadResult> {
    const { log } = this.deps;
    const plan = planReload(this.config, next);
    const old = new Map(this.config.neighbors.map((n) => [n.id, n]));
    this.config = plan.running;
    for (const w of configWarnings(this.config)) log.warn({ path: w.path }, w.message);
    if (plan.logLevel) log.level = plan.running.log.level;
    if (!this.bfd && [...plan.added, ...plan.reset.map((c) => c.next), ...plan.soft.map((c) => c.next)].some((n) => n.bfd.enabled)) await this.liveness.startBfd();
    const pendingRestart: string[] = [...plan.pendingRestart];
    if (!this.liveness.gate && plan.running.neighbors.some((n) => n.probe.enabled)) pendingRestart.push('probe');
    this.routing.reconfigure(plan.running, plan);
    for (const n of plan.removed) this.removeNeighbor(n, 'neighbor removed from the configuration', CeaseSubcode.PEER_DECONFIGURED);
    for (const c of plan.reset) {
      this.removeNeighbor(old.get(c.id)!, `configuration changed: ${c.fields.join(', ')}`, CeaseSubcode.OTHER_CONFIGURATION_CHANGE);
      this.addNeighbor(c.next, true);
    }
    for (const n of plan.added) this.addNeighbor(n, true);
    for (const c of plan.soft) this.softChange(old.get(c.id)!, c.next);
    for (const net of plan.networks.set) this.routing.originate(parsePrefix(net.prefix), networkAttributes(net, this.config.asn));
    for (const prefix of plan.networks.removed) this.routing.originate(parsePrefix(prefix), undefined);
    const result: ReloadResult = {
      added: plan.added.map((n) => n.id), removed: plan.removed.map((n) => n.id),
      reset: plan.reset.map((c) => ({ neighbor: c.id, fields: c.fields })), soft: plan.soft.map((c) => ({ neighbor: c.id, fields: c.fields })),
      networks: { set: plan.networks.set.map((n) => n.prefix), removed: plan.networks.removed },
      aggregates: plan.aggregates, decision: plan.decision, gracefulShutdown: plan.gracefulShutdown, pendingRestart,
    };
    log.info(result, 'configuration reloaded');
    return result;
  }

  /**
   * Read the configuration file again and reload it, one reload at a time. A file that does not validate
   * changes nothing: the ConfigError (every field and reason) goes back to the caller.
   */
  reloadFile(): Promise<ReloadResult> {
    const path = this.deps.configPath;
    if (!path) return Promise.reject(new Error('the router was started without a configuration file'));
    const run = this.reloading.then(async () => {
      const { config, text } = await readRouterConfig(path);
      const result = await this.reload(config);
      // the new revision goes into the history (src/router/observers.ts records the first one at start)
      this.status.emit(configRevision(text, Date.now()));
      return result;
    });
    this.reloading = run.catch(() => undefined);
    return run;
  }

  /** Policies, max-prefix, BFD, probing or shutdown changed: the session stays (unless shut down). */
  private softChange(before: NeighborConfig, n: NeighborConfig): void {
    for (const peer of this.peersOf(before)) {
      this.neighborOf.set(peer, n);
      const address = peer.options.address;
      if (!isDeepStrictEqual(before.bfd, n.bfd) || !isDeepStrictEqual(before.probe, n.probe)) {
        this.liveness.unwatch(address);
        this.liveness.watch(address, n);
      }
      if (n.shutdown && !before.shutdown) { this.routing.peerDown(peer); peer.stop('administratively shut down'); continue; }
      if (!n.shutdown && before.shutdown) { peer.start(); continue; }
      if (peer.isEstablished) this.routing.reimport(peer, n);
    }
  }

  /** Seconds SIGTERM waits before closing the sessions (gracefulShutdown.drainSeconds; 0 without sessions). */
  drainSeconds(): number {
    return this.speaker.peers().some((p) => p.isEstablished) ? this.cfg.gracefulShutdown.drainSeconds : 0;
  }

  /** Kernel requests sent and refused, when the FIB counts them. */
  fibCounters(): FibCountersView | undefined { return this.deps.fib?.counters?.view(); }

  /** The kernel's view of our routes when the FIB can dump it, else what we asked it to install. */
  async kernelRoutes(): Promise<KernelRouteView[]> {
    const kernel = this.deps.fib?.kernelRoutes ? await this.deps.fib.kernelRoutes() : installedRoutes(this);
    return withHealth(this, kernel);
  }

  /**
   * SIGTERM: with gracefulShutdown.drainSeconds, first every route is re-advertised with GRACEFUL_SHUTDOWN
   * (RFC 8326) and the router keeps forwarding for that long (`skipDrain` resolves early: a second signal);
   * then every session is closed with Cease/Administrative Shutdown and a message; kernel routes stay.
   */
  async stop(text = 'vipgate router shutting down', skipDrain?: Promise<unknown>): Promise<void> {
    // a stopping router writes nothing more to the kernel on its own: the startup hold's checks end here
    this.startupHold.cancel();
    const drain = this.drainSeconds();
    if (drain > 0) {
      this.deps.log.info({ seconds: drain }, 'graceful shutdown: routes re-advertised with GRACEFUL_SHUTDOWN, draining');
      this.routing.drain();
      let timer: ReturnType<Clock['at']> | undefined;
      await Promise.race([new Promise<void>((r) => { timer = this.deps.clock.at(this.deps.clock.now() + drain * 1000, r); }), skipDrain]);
      timer?.cancel();
    }
    await this.liveness.close();
    await this.serviceHealth?.close();
    await this.speaker.close(text);
    await this.routing.settled();
    await this.control?.close();
    await this.deps.fib?.close?.();
  }
}
