/**
 * The agent's IPVS data plane: after each recomputation the agent hands it the snapshot and its IPAM
 * assignments; it works out this node's virtual services (./from-snapshot.ts), whether it may program them
 * beside kube-proxy (./coexistence.ts), and has the programmer make the node match.
 * - State: starting (IPVS not open or nothing reconciled yet), serving, refused (the cluster or the node
 *   cannot have it: every virtual service of ours removed, the reason logged and reported), failed (IPVS
 *   cannot be opened or a reconcile failed as a whole: retried after 1 s, doubling to 30 s). The agent is
 *   told when "serving" changes: the IPAM leader writes ipMode Proxy only while its node serves, and a node
 *   that does not serve announces no Proxy-mode Service IP.
 * - One reconcile at a time; applies that arrive meanwhile collapse into one (the latest wins). A desired
 *   set equal to the last one reconciled is not sent again, but every `resyncMs` the last set is reconciled
 *   anyway (kube-ipvs0 checked again, a virtual service or nft rule removed by someone else comes back).
 * - Errors are logged per Service (once per distinct error; again when it clears), never thrown into the
 *   agent. Annotation problems are logged when they change.
 * - close() leaves the node as it is, as kube-proxy does on exit (a restarted agent adopts it without
 *   dropping a connection); close({ teardown: true }) undoes everything the ownership record lists.
 */
import { systemClock, type Clock, type TimerHandle } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import type { ReconcileResult } from '../ipam/allocator.js';
import type { Snapshot } from '../model.js';
import type { ApiServerVersion } from '../source/api-version.js';
import { clusterRefusal, nodeRefusal } from './coexistence.js';
import type { DesiredVirtualService } from './desired.js';
import { desiredFromSnapshot } from './from-snapshot.js';
import { DEFAULT_INTERFACE, DEFAULT_STATE_FILE } from './defaults.js';
import { IpvsProgrammer, type ProgrammerOptions, type ReconcileReport, type TeardownReport, type VirtualServiceStats } from './programmer.js';

/** What the data plane needs of the programmer. */
export type Programmer = Pick<IpvsProgrammer, 'reconcile' | 'stats' | 'teardown' | 'close' | 'kubeProxyIpvs'>;

export type IpvsState = 'starting' | 'serving' | 'refused' | 'failed';

export interface IpvsDataplaneOptions {
  readonly log: Logger;
  readonly node: string;
  /** The dummy interface the Service IPs are bound to (default vipgate-ipvs0). */
  readonly interface?: string;
  /** arp_ignore=1 / arp_announce=2 (default true). */
  readonly strictArp?: boolean;
  /** Where /proc/sys is (default /proc/sys). */
  readonly procSys?: string;
  /** The ownership record (default DEFAULT_STATE_FILE). */
  readonly stateFile?: string;
  /** The agent's loadBalancerClass. */
  readonly loadBalancerClass?: string;
  /** Program spec.externalIPs too (file source with externalIPs.enabled). */
  readonly externalIPs?: boolean;
  /**
   * The Kubernetes source: the API server's version (undefined while unknown). Then only ingress IPs with
   * ipMode Proxy are programmed, and nothing where the cluster has no ipMode.
   */
  readonly apiServerVersion?: () => ApiServerVersion | undefined;
  /** Called when the state changes into or out of "serving". */
  readonly onServingChanged?: (serving: boolean) => void;
  /** Reconcile the last desired set again this often (default 30 s; 0: never). */
  readonly resyncMs?: number;
  readonly clock?: Clock;
  /** Opens the programmer (default: IpvsProgrammer.open); retried with backoff while it fails. */
  readonly open?: () => Promise<Programmer>;
}

export interface IpvsDataplaneStats {
  readonly interface: string;
  readonly state: IpvsState;
  /** Why the state is refused or failed. */
  readonly reason?: string;
  /** Virtual services wanted by the last apply. */
  readonly desired: number;
  /** Annotation problems and key conflicts of the last apply. */
  readonly problems: readonly string[];
  /** Per-Service errors of the last reconcile. */
  readonly errors: ReconcileReport['errors'];
  /** Why the last reconcile failed as a whole, if it did. */
  readonly failure?: string;
  /** Reconciles done (including resyncs). */
  readonly reconciles: number;
  /** The kernel's view of our virtual services, with counters and rates per real server. */
  readonly services: readonly VirtualServiceStats[];
}

export interface IpvsDataplane {
  /** Take the agent's latest state; returns at once (the kernel is updated in the background). */
  apply(snapshot: Snapshot, assignments?: ReconcileResult): void;
  /** Resolves when every apply so far has been reconciled (or has failed). */
  settled(): Promise<void>;
  readonly state: IpvsState;
  readonly reason: string | undefined;
  stats(): Promise<IpvsDataplaneStats>;
  close(opts?: { readonly teardown?: boolean }): Promise<TeardownReport | undefined>;
}

const MIN_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;
const DEFAULT_RESYNC_MS = 30_000;

interface Wanted { readonly services: readonly DesiredVirtualService[]; readonly refusal?: string }

class Dataplane implements IpvsDataplane {
  private readonly clock: Clock;
  private readonly log: Logger;
  private programmer?: Programmer;
  private opening?: Promise<void>;
  /** The set waiting to be reconciled (the latest apply), and whether it must be sent even if unchanged. */
  private next?: Wanted & { force: boolean };
  private last?: Wanted & { text: string };
  private running?: Promise<void>;
  private timer?: TimerHandle;
  private retryMs = MIN_RETRY_MS;
  private problems: readonly string[] = [];
  private errors = new Map<string, string>();
  private failure?: string;
  private reconciles = 0;
  private closed = false;
  state: IpvsState = 'starting';
  reason: string | undefined;

  constructor(private readonly o: IpvsDataplaneOptions) {
    this.clock = o.clock ?? systemClock;
    this.log = o.log;
  }

  private setState(state: IpvsState, reason?: string): void {
    const was = this.state;
    if (state !== was || reason !== this.reason) {
      if (state === 'refused') this.log.warn({ reason }, 'IPVS refused: not programming this node\'s virtual services');
      else if (state === 'failed') this.log.error({ reason }, 'IPVS failed');
      else if (state === 'serving' && was !== 'serving') this.log.info('IPVS serving this node\'s Service IPs');
    }
    this.state = state;
    this.reason = reason;
    if ((was === 'serving') !== (state === 'serving')) this.o.onServingChanged?.(state === 'serving');
  }

  /** Open the programmer, retrying with backoff; a pending apply runs once it is open. */
  openProgrammer(): Promise<void> {
    this.opening ??= (async () => {
      const open = this.o.open ?? (() => IpvsProgrammer.open(programmerOptions(this.o)));
      try {
        this.programmer = await open();
        this.retryMs = MIN_RETRY_MS;
        this.log.info({ interface: this.o.interface ?? DEFAULT_INTERFACE }, 'IPVS data plane started');
      } catch (e) {
        this.failure = (e as Error).message;
        this.setState('failed', this.failure);
        this.opening = undefined;
        this.schedule(this.retryMs, true);
        this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
        return;
      }
      this.kick();
    })();
    return this.opening;
  }

  apply(snapshot: Snapshot, assignments?: ReconcileResult): void {
    if (this.closed) return;
    const kube = this.o.apiServerVersion !== undefined;
    let desired: ReturnType<typeof desiredFromSnapshot>;
    try {
      desired = desiredFromSnapshot(snapshot, {
        node: this.o.node, externalIPs: this.o.externalIPs ?? false, proxyModeOnly: kube,
        ...(assignments ? { assignments } : {}), ...(this.o.loadBalancerClass ? { loadBalancerClass: this.o.loadBalancerClass } : {}),
      });
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'IPVS: cannot work out the virtual services; keeping the kernel as it is');
      return;
    }
    if (desired.problems.join('\n') !== this.problems.join('\n')) {
      for (const p of desired.problems) this.log.warn({ problem: p }, 'IPVS: Service annotation or address problem');
    }
    this.problems = desired.problems;
    const ours = snapshot.services.filter((s) => s.loadBalancerClass === this.o.loadBalancerClass);
    const refusal = kube ? clusterRefusal(this.o.apiServerVersion!(), ours) : undefined;
    this.next = { services: desired.services, ...(refusal ? { refusal } : {}), force: false };
    this.kick();
  }

  private kick(): void {
    if (this.running || this.closed || !this.programmer) return;
    // an apply landing between the loop's last check and this callback is picked up by the re-kick
    this.running = this.drain(this.programmer).finally(() => { this.running = undefined; if (this.next) this.kick(); });
  }

  private async drain(programmer: Programmer): Promise<void> {
    while (this.next && !this.closed) {
      const { services, refusal, force } = this.next;
      this.next = undefined;
      const text = JSON.stringify({ services, refusal });
      if (!force && this.last?.text === text && this.failure === undefined) continue;
      this.timer?.cancel();
      try {
        const why = refusal ?? nodeRefusal(await programmer.kubeProxyIpvs());
        const report = await programmer.reconcile(why ? [] : services);
        this.reconciles++;
        this.last = { services, ...(refusal ? { refusal } : {}), text };
        this.failure = undefined;
        this.retryMs = MIN_RETRY_MS;
        this.logReport(report);
        this.setState(why ? 'refused' : 'serving', why);
        this.schedule(this.o.resyncMs ?? DEFAULT_RESYNC_MS);
      } catch (e) {
        this.failure = (e as Error).message;
        this.setState('failed', this.failure);
        this.log.error({ err: this.failure, retryMs: this.retryMs }, 'IPVS reconcile failed; retrying');
        // retry with this set unless a newer one is already waiting
        this.last = undefined;
        this.retryLater({ services, ...(refusal ? { refusal } : {}) });
      }
    }
  }

  private retryLater(w: Wanted): void {
    this.timer?.cancel();
    this.timer = this.clock.at(this.clock.now() + this.retryMs, () => {
      this.timer = undefined;
      if (this.next || this.closed) return;
      this.next = { ...w, force: true };
      this.kick();
    });
    this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
  }

  /** Reconcile the last set again after `ms` (or open the programmer again), unless something newer comes first. */
  private schedule(ms: number, reopen = false): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (ms <= 0 || this.closed) return;
    this.timer = this.clock.at(this.clock.now() + ms, () => {
      this.timer = undefined;
      if (reopen) { void this.openProgrammer(); return; }
      const again = this.last;
      if (this.next || !again) return;
      this.next = { services: again.services, ...(again.refusal ? { refusal: again.refusal } : {}), force: true };
      this.kick();
    });
  }

  private logReport(r: ReconcileReport): void {
    if (r.created.length + r.updated.length + r.removed.length + r.destinationChanges > 0) {
      this.log.info({ created: r.created, updated: r.updated, removed: r.removed, destinationChanges: r.destinationChanges }, 'IPVS reconciled');
    }
    const now = new Map(r.errors.map((e) => [e.service, e.error]));
    for (const [service, error] of now) {
      if (this.errors.get(service) !== error) this.log.warn({ service, err: error }, 'IPVS: cannot program this Service');
    }
    for (const service of this.errors.keys()) {
      if (!now.has(service)) this.log.info({ service }, 'IPVS: Service programmed again');
    }
    this.errors = now;
  }

  async settled(): Promise<void> {
    await this.opening;
    while (this.running) await this.running;
  }

  async stats(): Promise<IpvsDataplaneStats> {
    return {
      interface: this.o.interface ?? DEFAULT_INTERFACE, state: this.state, ...(this.reason === undefined ? {} : { reason: this.reason }),
      desired: this.next?.services.length ?? this.last?.services.length ?? 0,
      problems: this.problems,
      errors: [...this.errors].map(([service, error]) => ({ service, error })),
      ...(this.failure === undefined ? {} : { failure: this.failure }),
      reconciles: this.reconciles,
      services: (await this.programmer?.stats().catch(() => [])) ?? [],
    };
  }

  async close(opts: { readonly teardown?: boolean } = {}): Promise<TeardownReport | undefined> {
    this.closed = true;
    this.timer?.cancel();
    await this.settled();
    // IPVS never opened (no ip_vs, no permission): what else is recorded is still undone
    const p = this.programmer ?? (opts.teardown ? await (this.o.open ?? (() => IpvsProgrammer.open(programmerOptions(this.o), true)))() : undefined);
    if (!p) return undefined;
    try {
      if (!opts.teardown) return undefined;
      const report = await p.teardown();
      this.logReport(report);
      this.log.info({ removed: report.removed, addresses: report.addresses, interfaceRemoved: report.interfaceRemoved,
        nftTableRemoved: report.nftTableRemoved, sysctlsRestored: report.sysctlsRestored }, 'IPVS torn down');
      return report;
    } finally {
      p.close();
    }
  }
}

/** The programmer's options from the data plane's. */
export function programmerOptions(o: Pick<IpvsDataplaneOptions, 'log' | 'interface' | 'strictArp' | 'procSys' | 'stateFile'>): ProgrammerOptions {
  return {
    stateFile: o.stateFile ?? DEFAULT_STATE_FILE, warn: (m) => o.log.warn(m),
    ...(o.interface ? { interfaceName: o.interface } : {}), ...(o.strictArp === undefined ? {} : { strictArp: o.strictArp }),
    ...(o.procSys ? { procSys: o.procSys } : {}),
  };
}

/**
 * Start the data plane: the programmer is opened in the background (a kernel without ip_vs, or no
 * permission, is the "failed" state, retried), and apply() feeds it.
 */
export function startIpvsDataplane(o: IpvsDataplaneOptions): IpvsDataplane {
  const d = new Dataplane(o);
  void d.openProgrammer();
  return d;
}
