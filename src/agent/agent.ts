/**
 * Composition root of `vipgate agent`: source → snapshot → (IPAM) → desired announcements → BGP.
 * - Nothing is announced, and no session is opened, before the source's first full sync.
 * - File source: every agent assigns addresses itself from the same file, deterministically (adopting
 *   status.loadBalancer.ingress and requested IPs written in the file first).
 * - Kubernetes source: one agent, elected through a Lease, assigns and writes status.loadBalancer.ingress;
 *   every agent (the leader too) announces what the status says, so all nodes agree on the IPs.
 * - API server unreachable: the informers retry with backoff and the last snapshot stays announced (the
 *   data path keeps working as kube-proxy's rules do); the leader, unable to renew, stops assigning.
 * - A Service deleted while announced: its routes are withdrawn in the next UPDATE and its IPs return
 *   to the pool at once.
 * - BFD (RFC 5880/5881) with every peer that has `bfd`, on its own thread; BFD Down resets that session.
 * - A new configuration (reconfigure(): SIGHUP, the file edited, MetalLB's objects changed) applies without
 *   a restart: sessions opened, closed (Cease 6/3) or reset (Cease 6/6) as reconfigure.ts works out,
 *   assignments and announcements recomputed, only the differences sent.
 * - A stop (shutdown()) is a graceful shutdown (RFC 8326: GRACEFUL_SHUTDOWN, drain, withdraw, Cease) or a
 *   graceful restart (RFC 4724: BFD AdminDown, sessions closed without NOTIFICATION, a marker for the
 *   Restart State bit of the next run); sessions whose router does not do graceful restart always get
 *   the graceful shutdown.
 */
import { networkInterfaces } from 'node:os';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import { startBfdService, type BfdService, type TransportFactory } from '../bfd/service.js';
import type { BfdSessionView } from '../bfd/manager.js';
import { Announcer } from './announce/announcer.js';
import { peersForNode, plan, type DesiredState, type ServicePlan } from './announce/desired.js';
import type { AgentConfig, ShutdownMode } from './config/model.js';
import { Allocator, type ReconcileResult } from './ipam/allocator.js';
import { serviceKey, type ServiceInfo, type Snapshot } from './model.js';
import type { Source } from './source/source.js';
import { restartOnlyChanges, type PeerChanges, type SessionIdentity } from './reconfigure.js';
import { ingressIpMode } from './ipvs/coexistence.js';

export interface AgentOptions {
  readonly node: string;
  readonly config: AgentConfig;
  readonly source: Source;
  readonly clock: Clock;
  readonly log: Logger;
  /** Called after each recomputation (views, benchmarks). */
  readonly onApplied?: (desired: DesiredState) => void;
  /** This run follows a graceful restart (restart-marker.ts): the Restart State bit is set in our OPENs. */
  readonly restarting?: boolean;
  /** BFD packets' way out and in (tests); default UDP 3784 with TTL 255 on a BFD thread. */
  readonly bfdTransport?: TransportFactory;
  /**
   * IPVS beside kube-proxy (src/agent/ipvs/coexistence.ts): whether this node's IPVS serves Service IPs now.
   * The IPAM leader writes ipMode Proxy only while it is true, and ingress IPs whose status says Proxy are
   * announced only while it is true (kube-proxy leaves those IPs alone, so nothing else would serve them here).
   * Undefined: no IPVS (ipMode VIP, every IP announced).
   */
  readonly ipvsServing?: () => boolean;
}

export type StopMode = Exclude<ShutdownMode, 'auto'>;

/** `auto`: a node being drained (cordoned or deleted) or a file source drains; anything else is a restart (a rollout). */
export function resolveStopMode(mode: ShutdownMode, source: Source['kind'], node: { unschedulable?: boolean; deleting?: boolean } | undefined): StopMode {
  if (mode !== 'auto') return mode;
  if (source === 'file' || node?.unschedulable || node?.deleting) return 'graceful-shutdown';
  return 'graceful-restart';
}

/** Resolves after `ms` on `clock`, or at once when `signal` aborts. */
function pause(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) { resolve(); return; }
    const done = (): void => { timer.cancel(); signal?.removeEventListener('abort', done); resolve(); };
    const timer = clock.at(clock.now() + ms, done);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The BGP identifier when the config gives none: the first IPv4 address of a non-loopback interface. */
export function defaultRouterId(): string {
  for (const list of Object.values(networkInterfaces())) {
    const a = list?.find((x) => x.family === 'IPv4' && !x.internal);
    if (a) return a.address;
  }
  throw new Error('no IPv4 address to use as BGP identifier: set routerId in the agent config');
}

/** What the OPENs carry besides each peer's settings: the BGP identifier and our graceful restart capability. */
function identityOf(c: AgentConfig, restarting: boolean): SessionIdentity & { routerId: string } {
  const routerId = c.routerId ?? c.peers.find((p) => p.routerId)?.routerId ?? defaultRouterId();
  const gr = c.gracefulRestart;
  return { routerId, ...(gr.enabled ? { gracefulRestart: { restartTime: gr.restartTime, restarting } } : {}) };
}

const sameIps = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));

export class Agent {
  readonly announcer: Announcer;
  private allocator: Allocator;
  private snapshot?: Snapshot;
  private leader = false;
  private ipam?: ReconcileResult;
  private planned: ReadonlyMap<string, ServicePlan> = new Map();
  private readonly writing = new Map<string, string>();
  private bfd?: BfdService;
  private bfdStarting?: Promise<void>;
  private cfg: AgentConfig;

  constructor(private readonly o: AgentOptions) {
    this.cfg = o.config;
    const id = identityOf(o.config, o.restarting ?? false);
    this.announcer = new Announcer(o.clock, o.log, id.routerId, { hostname: o.node, ...(id.gracefulRestart ? { gracefulRestart: id.gracefulRestart } : {}) });
    this.allocator = new Allocator(o.config.pools, o.config.loadBalancerClass);
  }

  /** The configuration in force (the last one given to reconfigure, else the first). */
  get config(): AgentConfig { return this.cfg; }

  get synced(): boolean { return this.snapshot !== undefined; }
  get isLeader(): boolean { return this.leader; }
  get assignments(): ReconcileResult | undefined { return this.ipam; }
  get current(): Snapshot | undefined { return this.snapshot; }
  /** Per Service, what this node does with it now: the peers it announces it to, or why not. */
  get services(): ReadonlyMap<string, ServicePlan> { return this.planned; }

  /** BFD sessions now, one per peer with `bfd` (an empty list when no peer has it). */
  async bfdViews(): Promise<BfdSessionView[]> { return (await this.bfd?.views()) ?? []; }

  /** The BFD thread, started the first time a configuration has a peer with `bfd`. */
  private ensureBfd(): Promise<void> {
    if (!this.cfg.peers.some((p) => p.bfd)) return Promise.resolve();
    this.bfdStarting ??= startBfdService({
      clock: this.o.clock, log: this.o.log, ...(this.o.bfdTransport ? { transport: this.o.bfdTransport } : {}),
      failed: (peer, reason) => this.announcer.bfdFailed(peer, reason),
    }).then((bfd) => { this.bfd = bfd; this.announcer.attachBfd(bfd); });
    return this.bfdStarting;
  }

  async start(): Promise<void> {
    await this.ensureBfd();
    this.o.source.elector?.start((leader) => { this.leader = leader; this.recompute(); });
    await this.o.source.start((s) => this.onSnapshot(s));
  }

  onSnapshot(s: Snapshot): void {
    if (!this.snapshot) this.o.log.info({ services: s.services.length, slices: s.slices.length, nodes: s.nodes.length }, 'first full sync');
    this.snapshot = s;
    this.recompute();
  }

  private ipsOf(): (s: ServiceInfo) => readonly string[] {
    if (this.o.source.kind === 'kubernetes') {
      const serving = this.o.ipvsServing?.() ?? true;
      return serving ? (s) => s.ingressIPs : (s) => s.ingressIPs.filter((ip) => s.ingressIpModes?.[ip] !== 'Proxy');
    }
    const a = this.ipam?.assignments;
    return (s) => a?.get(serviceKey(s))?.ips ?? [];
  }

  /**
   * Apply a new, validated configuration without a restart (the loaders validate: a config with problems
   * never gets here). Sessions are opened, closed or reset as reconfigure.ts says; assignments and
   * announcements are recomputed and only what differs goes out. Settings only a restart applies are
   * logged. Returns what happened to the sessions (empty before the first full sync: none are open yet).
   */
  reconfigure(next: AgentConfig): PeerChanges & { restartOnly: string[] } {
    const prev = this.cfg;
    const restartOnly = restartOnlyChanges(prev, next);
    this.cfg = next;
    if (prev.loadBalancerClass !== next.loadBalancerClass) this.allocator = new Allocator(next.pools, next.loadBalancerClass);
    else this.allocator.setPools(next.pools);
    for (const w of next.warnings) if (!prev.warnings.includes(w)) this.o.log.warn(w);
    if (restartOnly.length > 0) this.o.log.warn({ settings: restartOnly }, 'these settings changed but apply only after a restart of the agent');
    void this.ensureBfd().catch((e: unknown) => this.o.log.error({ err: (e as Error).message }, 'cannot start BFD'));
    const changes = this.recompute(identityOf(next, false)) ?? { added: [], removed: [], reset: [], bfd: [], unchanged: [] };
    this.o.log.info({ format: next.format, pools: next.pools.length, peers: next.peers.length, ...changes }, 'configuration applied');
    return { ...changes, restartOnly };
  }

  /** Recompute assignments, status and announcements now (IPVS started or stopped serving). */
  refresh(): void { this.recompute(); }

  private recompute(identity?: SessionIdentity): PeerChanges | undefined {
    const s = this.snapshot;
    if (!s) return undefined;
    const { node, log } = this.o;
    const config = this.cfg;
    if (this.o.source.kind === 'file' || this.leader) {
      this.ipam = this.allocator.reconcile(s.services, s.namespaces);
      for (const [svc, reason] of this.ipam.failures) log.warn({ service: svc }, `no address assigned: ${reason}`);
      if (this.leader) this.writeStatus(s);
    }
    const peers = peersForNode(config, s.nodes.find((n) => n.name === node));
    const changes = this.announcer.setPeers(peers, identity);
    const p = plan({ snapshot: s, config, node, ipsOf: this.ipsOf() });
    const desired = p.state;
    this.planned = p.services;
    this.announcer.apply(desired);
    this.o.onApplied?.(desired);
    return changes;
  }

  /**
   * The leader writes each assignment into status.loadBalancer.ingress where it differs, with the ipMode
   * of ingressIpMode() (an entry without ipMode counts as VIP, kube-proxy's reading: an API server that
   * drops the field is not written to again and again).
   */
  private writeStatus(s: Snapshot): void {
    const status = this.o.source.status;
    if (!status || !this.ipam) return;
    const serving = this.o.ipvsServing?.() ?? false;
    for (const svc of s.services) {
      if (!this.allocator.wants(svc)) continue;
      const key = serviceKey(svc);
      const ips = this.ipam.assignments.get(key)?.ips ?? [];
      const mode = ingressIpMode(svc, serving);
      if (sameIps(ips, svc.ingressIPs) && ips.every((ip) => (svc.ingressIpModes?.[ip] ?? 'VIP') === mode)) { this.writing.delete(key); continue; }
      const tag = `${ips.join(',')} ${mode}`;
      if (this.writing.get(key) === tag) continue;
      this.writing.set(key, tag);
      status.writeIngress(svc.namespace, svc.name, ips, mode).then(
        () => this.o.log.info({ service: key, ips, ipMode: mode }, 'status.loadBalancer.ingress written'),
        (e: unknown) => { this.writing.delete(key); this.o.log.warn({ service: key, err: (e as Error).message }, 'cannot write the Service status'); },
      );
    }
  }

  /** What a stop does now: the configured mode, `auto` resolved against the source and this node's state. */
  stopMode(): StopMode {
    const self = this.snapshot?.nodes.find((n) => n.name === this.o.node);
    const mode = resolveStopMode(this.cfg.shutdown, this.o.source.kind, self);
    return mode === 'graceful-restart' && !this.cfg.gracefulRestart.enabled ? 'graceful-shutdown' : mode;
  }

  /**
   * A graceful stop. graceful-restart: BFD says AdminDown first (not a failure, RFC 5882 3.2), then each
   * session whose router does graceful restart closes without NOTIFICATION (RFC 4724 4.1) and
   * `onRestart` is called (the marker for the next run's Restart State bit). Every other session drains
   * (RFC 8326): its routes are re-announced with GRACEFUL_SHUTDOWN, `drainSeconds` pass (or `skipDrain`
   * aborts), they are withdrawn, and the session closes with Cease/Administrative Shutdown and a message
   * (RFC 9003). Returns the sessions restarted and drained.
   */
  async shutdown(mode: StopMode, o: { skipDrain?: AbortSignal; onRestart?: () => void } = {}): Promise<{ restarted: string[]; drained: string[] }> {
    const { log, clock } = this.o;
    const config = this.cfg;
    await this.o.source.stop();
    const restarted = mode === 'graceful-restart' ? this.announcer.restartCapable() : [];
    if (restarted.length > 0) {
      o.onRestart?.();
      await this.bfd?.close();
      this.announcer.dropForRestart(restarted);
      log.info({ peers: restarted }, 'graceful restart: sessions closed without NOTIFICATION, routes kept as stale by the routers');
    }
    const drained = this.announcer.established().filter((n) => !restarted.includes(n));
    if (drained.length > 0) {
      this.announcer.beginGracefulShutdown(drained);
      log.info({ peers: drained, seconds: config.gracefulShutdown.drainSeconds }, 'graceful shutdown: routes re-announced with GRACEFUL_SHUTDOWN, draining');
      await pause(clock, config.gracefulShutdown.drainSeconds * 1000, o.skipDrain);
      await this.announcer.withdrawAll(drained);
    }
    await this.announcer.close(mode === 'graceful-restart' ? 'vipgate agent restarting' : 'vipgate agent shutting down');
    await this.bfd?.close();
    return { restarted, drained };
  }

  /** Stop at once: every session closed with Cease/Administrative Shutdown. */
  async stop(): Promise<void> {
    await this.o.source.stop();
    await this.announcer.close();
    await this.bfd?.close();
  }
}
