/**
 * Composition root of `vipgate router`: configuration → BGP speaker (peers, dynamic ranges) → Routing
 * (import, Loc-RIB, multipath, export) → kernel FIB; plus the control socket the CLI and the web page
 * read. The only place that opens sockets and reads the wall clock for the router.
 */
import { hostname, networkInterfaces } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import type { Socket } from 'node:net';
import { addressInPrefix, maskBytes, parseAddress, parsePrefix, type Family, type Prefix } from '../lib/address.js';
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import { Peer, type PeerOptions } from '../bgp/peer.js';
import { Speaker } from '../bgp/speaker.js';
import type { Direction } from '../bgp/connection.js';
import type { NeighborConfig, NetworkConfig, RouterConfig } from '../config/resolve.js';
import { configWarnings } from '../config/warnings.js';
import { readRouterConfig } from '../config/router-config.js';
import { linkBandwidth } from '../wire/bgp/communities.js';
import type { PathAttributes } from '../wire/bgp/types.js';
import { AS_TRANS, CeaseSubcode } from '../wire/bgp/types.js';
import { planReload } from './reload-plan.js';
import { ControlServer } from '../control/server.js';
import { Routing, type FibPort } from './routing.js';
import { installedRoutes, registerViews } from './views.js';
import { DYNAMIC_LIMIT } from './summary-view.js';
import { configRevision, RouterStatus } from './status.js';
import type { KernelRouteView, ReloadResult, RouterCounters } from '../control/views.js';
import { applySocketSecurity } from './socket-security.js';
import { md5Socket, setMd5 } from '../native/tcp-md5.js';
import { sha1Key, startBfdService, type BfdService, type TransportFactory } from '../bfd/service.js';
import { NexthopProber, type Pinger } from '../probe/prober.js';
import { NexthopGate } from '../probe/gate.js';
import { RawPinger } from '../probe/raw-pinger.js';

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
    readonly counters?: { view(): { readonly operations: RouterCounters['fibOperations']; readonly errors: RouterCounters['fibKernelErrors'] } };
  };
  readonly controlSocket?: string;
  /** BFD packets' way out and in; default UDP 3784 with TTL 255 (RFC 5881). Opened only if a neighbor runs BFD. */
  readonly bfdTransport?: TransportFactory;
  /** ICMP echo for next-hop probing; default raw sockets. Opened only if a neighbor has probe.enabled. */
  readonly pinger?: () => Pinger & { close(): void };
}

/** How long a BFD-down session waits for the kernel to take its next hop out of the groups before it goes down. */
const NEXTHOP_WITHDRAW_WAIT_MS = 200;

const FAMILY: Record<'ipv4' | 'ipv6', Family> = { ipv4: 4, ipv6: 6 };

/** A global IPv6 address on the interface that holds `ipv4`: the next hop for IPv6 routes on an IPv4 session. */
export function ipv6OnSameInterface(ipv4: string): string | undefined {
  for (const addrs of Object.values(networkInterfaces())) {
    if (!addrs?.some((a) => a.address === ipv4)) continue;
    return addrs.find((a) => a.family === 'IPv6' && !a.internal && !a.address.toLowerCase().startsWith('fe80'))?.address;
  }
  return undefined;
}

/** Connected subnets and local addresses of this network namespace, from the interfaces. */
export function connectedSubnets(): { connected: Prefix[]; local: string[] } {
  const connected: Prefix[] = [];
  const local: string[] = [];
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.internal || !a.cidr) continue;
      const addr = parseAddress(a.address.split('%')[0]!);
      const len = Number(a.cidr.split('/')[1]);
      connected.push({ family: addr.length === 4 ? 4 : 6, addr: maskBytes(addr, len), len });
      local.push(a.address.split('%')[0]!);
    }
  }
  return { connected, local };
}

/** The attributes an originated route carries (ORIGIN IGP, empty AS_PATH, the configured communities). */
export function networkAttributes(n: NetworkConfig, asn: number): PathAttributes {
  const lb = n.linkBandwidth && linkBandwidth(asn > 0xffff ? AS_TRANS : asn, (n.linkBandwidth.mbps * 1e6) / 8);
  return {
    origin: 0, asPath: [],
    ...(n.communities.length ? { communities: n.communities } : {}),
    ...(n.largeCommunities.length ? { largeCommunities: n.largeCommunities } : {}),
    ...(n.med !== undefined ? { med: n.med } : {}),
    ...(lb ? { extendedCommunities: [n.linkBandwidth!.transitive ? { ...lb, type: lb.type & ~0x40 } : lb] } : {}),
  };
}

export class RouterDaemon {
  readonly speaker: Speaker;
  readonly routing: Routing;
  readonly control?: ControlServer;
  /** State and events for the web page, MQTT, metrics and history (src/router/observers.ts). */
  readonly status: RouterStatus;
  /** BFD sessions, one per neighbor with bfd.enabled; undefined when no neighbor runs BFD. */
  bfd?: BfdService;
  /** Next-hop probing (neighbors with probe.enabled): the prober, and the gate that keeps dead next hops out of the FIB. */
  probe?: NexthopProber;
  private pinger?: Pinger & { close(): void };
  private readonly probed = new Set<string>();
  private readonly gate?: NexthopGate;
  private readonly neighborOf = new Map<Peer, NeighborConfig>();
  private readonly started: number;
  private connectedCache?: { at: number; value: ReturnType<typeof connectedSubnets> };
  /** End-of-RIB seen per established peer, and when the last session came up: for the startup hold. */
  private readonly endOfRib = new Map<Peer, Set<Family>>();
  private lastEstablished = 0;
  private startupCheck?: TimerHandle;

  private config: RouterConfig;
  private reloading: Promise<unknown> = Promise.resolve();

  constructor(cfg: RouterConfig, private readonly deps: RouterDeps) {
    const { clock, log } = deps;
    this.config = cfg;
    this.started = clock.now();
    this.status = new RouterStatus(this, clock);
    this.speaker = new Speaker(clock, {
      state: (peer, from, to) => {
        log.info({ peer: peer.name, from, to }, `peer ${peer.name} ${from} -> ${to}`);
        this.status.peerState(peer, from, to);
      },
      established: (peer) => {
        log.info({ peer: peer.name, as: peer.peerAs, families: peer.negotiated?.families }, `peer ${peer.name} established`);
        this.endOfRib.set(peer, new Set());
        this.lastEstablished = clock.now();
        this.routing.attach(peer, this.neighborOf.get(peer)!);
      },
      down: (peer, reason, keepStale) => {
        log.warn({ peer: peer.name, reason, keepStale }, `peer ${peer.name} down: ${reason}`);
        if (keepStale) this.routing.peerStale(peer); else this.status.failover(peer.name, reason, () => this.routing.peerDown(peer));
      },
      routes: (peer, changes) => this.routing.peerRoutes(peer, changes),
      endOfRib: (peer, family) => {
        log.debug({ peer: peer.name, family }, 'End-of-RIB received');
        this.endOfRib.get(peer)?.add(family);
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
        this.watch(peer.options.address, n);
      },
      peerRemoved: (peer) => {
        this.routing.detach(peer); this.neighborOf.delete(peer); this.endOfRib.delete(peer);
        this.unwatch(peer.options.address);
      },
    });
    if (cfg.neighbors.some((n) => n.probe.enabled)) this.gate = new NexthopGate((a) => this.probed.has(a));
    const gate = this.gate;
    const fib: FibPort | undefined = deps.fib && gate ? { apply: (changes) => deps.fib!.apply(gate.filter(changes)) } : deps.fib;
    this.routing = new Routing(cfg, clock, log, fib, () => this.connected(), () => this.speaker.peers(), {
      refused: (peer, prefix, reason) => log.warn({ peer: peer.name, prefix }, `route refused: ${reason}`),
      maxPrefixExceeded: (peer, count, limit, warningOnly) => this.maxPrefix(peer, count, limit, warningOnly),
      changed: (changes) => this.status.routesChanged(changes),
    });
    if (deps.controlSocket) {
      this.control = new ControlServer(deps.controlSocket);
      registerViews(this.control, this);
    }
  }

  /** The running configuration (after reloads; restart-only sections as started). */
  get cfg(): RouterConfig { return this.config; }

  get uptimeSeconds(): number { return (this.deps.clock.now() - this.started) / 1000; }
  neighbor(peer: Peer): NeighborConfig | undefined { return this.neighborOf.get(peer); }

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
      prepareSocket: (s: Socket, d: Direction) => applySocketSecurity(s, d, n, address, this.deps.log),
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

  /**
   * A next hop is dead (BFD down, failed probes): first it leaves every nexthop group in one kernel request per
   * group (Fib.withdrawNexthop); then its BGP session, if any, goes down (RFC 5882 4.3), which withdraws its
   * routes from the Loc-RIB; those route changes then cost the kernel nothing more. The session waits for the
   * kernel's answer (at most NEXTHOP_WITHDRAW_WAIT_MS), because its Loc-RIB work for many routes would
   * otherwise run first and hold the withdraw request back.
   */
  nexthopDown(address: string, reason: string, subcode?: number): void {
    const { log, clock } = this.deps;
    const t0 = clock.now();
    const withdrawn = this.deps.fib?.withdrawNexthop?.(address).then(
      () => log.info({ address, ms: Math.round(clock.now() - t0) }, `next hop ${address} withdrawn from the kernel's groups (${reason})`),
      (e: unknown) => log.error({ err: e, address }, 'withdrawing a next hop failed')) ?? Promise.resolve();
    if (subcode === undefined) return;
    let done = false;
    const stopSession = () => {
      if (done) return;
      done = true;
      timer.cancel();
      for (const peer of this.neighborOf.keys()) {
        if (peer.options.address !== address) continue;
        peer.stop(reason, subcode);
        // a peer restarting gracefully says BFD AdminDown first; BFD Down is a failure: its stale routes go too
        peer.dropStale();
        peer.start();
      }
    };
    const timer = clock.at(t0 + NEXTHOP_WITHDRAW_WAIT_MS, stopSession);
    void withdrawn.then(stopSession);
  }

  private async startBfd(): Promise<void> {
    if (!this.cfg.neighbors.some((n) => n.bfd.enabled)) return;
    this.bfd = await startBfdService({
      clock: this.deps.clock, log: this.deps.log, ...(this.deps.bfdTransport ? { transport: this.deps.bfdTransport } : {}),
      failed: (peer, reason) => this.nexthopDown(peer, reason, CeaseSubcode.BFD_DOWN),
    });
  }

  /** Probing: a next hop that stops answering leaves the groups (its session stays); answers bring it back. */
  private startProbing(): void {
    const { log, clock } = this.deps;
    const gate = this.gate;
    if (!gate) return;
    this.pinger = this.deps.pinger?.() ?? new RawPinger((e) => log.warn({ err: e }, 'probe socket error'));
    this.probe = new NexthopProber(clock, this.pinger, {
      down: (address) => {
        log.warn({ address }, `next hop ${address} stopped answering probes`);
        gate.markDown(address);
        this.nexthopDown(address, 'probe');
      },
      up: (address) => {
        log.info({ address }, `next hop ${address} answers probes again`);
        const changes = gate.markUp(address);
        if (changes.length) void this.deps.fib?.apply(changes).catch((e: unknown) => log.error({ err: e, address }, 'restoring a next hop failed'));
      },
    });
  }

  /** BFD and probing of a neighbor's address, as its configuration says. */
  private watch(address: string, n: NeighborConfig): void {
    if (n.bfd.enabled) {
      this.bfd?.add({ address, minTxMs: n.bfd.minTx, minRxMs: n.bfd.minRx, multiplier: n.bfd.multiplier, ...(n.bfd.auth ? { key: sha1Key(n.bfd.auth) } : {}) });
    }
    if (n.probe.enabled) { this.probed.add(address); this.probe?.add(address, n.probe); }
  }

  private unwatch(address: string): void {
    this.bfd?.remove(address); this.probe?.remove(address); this.probed.delete(address);
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
    await this.startBfd();
    this.startProbing();
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
    if (this.deps.fib && this.cfg.fib.startupHold > 0 && this.cfg.neighbors.length > 0) this.holdFibAtStartup();
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
    if (!this.bfd && [...plan.added, ...plan.reset.map((c) => c.next), ...plan.soft.map((c) => c.next)].some((n) => n.bfd.enabled)) await this.startBfd();
    const pendingRestart: string[] = [...plan.pendingRestart];
    if (!this.gate && plan.running.neighbors.some((n) => n.probe.enabled)) pendingRestart.push('probe');
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
        this.unwatch(address);
        this.watch(address, n);
      }
      if (n.shutdown && !before.shutdown) { this.routing.peerDown(peer); peer.stop('administratively shut down'); continue; }
      if (!n.shutdown && before.shutdown) { peer.start(); continue; }
      if (peer.isEstablished) this.routing.reimport(peer, n);
    }
  }

  /**
   * Keep the kernel untouched until the sessions are back: released when every established session has
   * sent End-of-RIB for its families and none came up in the last second, or after fib.startupHold.
   * Released on End-of-RIB, the table is complete (RFC 4724 4.2: End-of-RIB from every peer ends the wait
   * for stale routes), so what the last run left in the kernel and this run did not install again is
   * swept at once: a VIP withdrawn by every node while the router was down stops forwarding now, not when
   * the main loop's late sweep comes. Released by the deadline, the late sweep stays the only one.
   */
  private holdFibAtStartup(): void {
    const { clock } = this.deps;
    const deadline = clock.now() + this.cfg.fib.startupHold * 1000;
    this.routing.holdFib();
    const next = (): void => { this.startupCheck = clock.at(clock.now() + 250, check); };
    const check = (): void => {
      const up = this.speaker.peers().filter((p) => p.isEstablished);
      const complete = up.length > 0 && up.every((p) => (p.negotiated?.families ?? []).every((f) => this.endOfRib.get(p)?.has(f)));
      if (complete && clock.now() - this.lastEstablished >= 1000) {
        this.routing.releaseFib();
        void this.routing.settled().then(() => this.deps.fib?.sweep?.()).then(
          (r) => { if (r) this.deps.log.info({ requests: r.requests }, 'every session sent End-of-RIB: stale kernel routes swept'); },
          (e: unknown) => this.deps.log.error({ err: e }, 'sweeping stale kernel routes failed'));
      } else if (clock.now() >= deadline) {
        this.routing.releaseFib();
      } else {
        next();
      }
    };
    next();
  }

  /** Seconds SIGTERM waits before closing the sessions (gracefulShutdown.drainSeconds; 0 without sessions). */
  drainSeconds(): number {
    return this.speaker.peers().some((p) => p.isEstablished) ? this.cfg.gracefulShutdown.drainSeconds : 0;
  }

  /** Kernel requests sent and refused, when the FIB counts them. */
  fibCounters(): ReturnType<NonNullable<NonNullable<RouterDeps['fib']>['counters']>['view']> | undefined { return this.deps.fib?.counters?.view(); }

  /** The kernel's view of our routes when the FIB can dump it, else what we asked it to install. */
  async kernelRoutes(): Promise<KernelRouteView[]> {
    return this.deps.fib?.kernelRoutes ? this.deps.fib.kernelRoutes() : installedRoutes(this);
  }

  /**
   * SIGTERM: with gracefulShutdown.drainSeconds, first every route is re-advertised with GRACEFUL_SHUTDOWN
   * (RFC 8326) and the router keeps forwarding for that long (`skipDrain` resolves early: a second signal);
   * then every session is closed with Cease/Administrative Shutdown and a message; kernel routes stay.
   */
  async stop(text = 'vipgate router shutting down', skipDrain?: Promise<unknown>): Promise<void> {
    // a stopping router writes nothing more to the kernel on its own: the startup hold's checks end here
    this.startupCheck?.cancel();
    const drain = this.drainSeconds();
    if (drain > 0) {
      this.deps.log.info({ seconds: drain }, 'graceful shutdown: routes re-advertised with GRACEFUL_SHUTDOWN, draining');
      this.routing.drain();
      let timer: ReturnType<Clock['at']> | undefined;
      await Promise.race([new Promise<void>((r) => { timer = this.deps.clock.at(this.deps.clock.now() + drain * 1000, r); }), skipDrain]);
      timer?.cancel();
    }
    await this.bfd?.close();
    this.probe?.close();
    this.pinger?.close();
    await this.speaker.close(text);
    await this.routing.settled();
    await this.control?.close();
    await this.deps.fib?.close?.();
  }
}
