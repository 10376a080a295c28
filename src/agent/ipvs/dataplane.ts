/**
 * The agent's IPVS data plane: after each recomputation the agent hands it the snapshot and its IPAM
 * assignments; it works out this node's virtual services (./from-snapshot.ts) and has the programmer make
 * the kernel match them.
 * - One reconcile at a time; applies that arrive meanwhile collapse into one (the latest wins).
 * - A desired set equal to the last one reconciled is not sent again, but every `resyncMs` the last set is
 *   reconciled anyway, so a virtual service removed or edited by someone else comes back.
 * - A reconcile that fails as a whole (netlink or `ip` failing) is retried after 1 s, doubling to 30 s.
 * - Errors are logged per Service (once per distinct error; again when it clears), never thrown into the
 *   agent. Annotation problems are logged when they change.
 * - close() leaves the kernel as it is, as kube-proxy does on exit (a restarted agent adopts it without
 *   dropping a connection); close({ teardown: true }) removes our virtual services, addresses and interface.
 */
import { systemClock, type Clock, type TimerHandle } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import type { ReconcileResult } from '../ipam/allocator.js';
import type { Snapshot } from '../model.js';
import type { DesiredVirtualService } from './desired.js';
import { desiredFromSnapshot } from './from-snapshot.js';
import { DEFAULT_INTERFACE } from './node-network.js';
import { IpvsProgrammer, type ReconcileReport, type VirtualServiceStats } from './programmer.js';

/** What the data plane needs of the programmer. */
export type Programmer = Pick<IpvsProgrammer, 'reconcile' | 'stats' | 'teardown' | 'close'>;

export interface IpvsDataplaneOptions {
  readonly log: Logger;
  readonly node: string;
  /** The dummy interface the Service IPs are bound to (default vipgate-ipvs0). */
  readonly interface?: string;
  /** arp_ignore=1 / arp_announce=2 (default true). */
  readonly strictArp?: boolean;
  /** The agent's loadBalancerClass. */
  readonly loadBalancerClass?: string;
  /** Program spec.externalIPs too (the agent's externalIPs.enabled; default false). */
  readonly externalIPs?: boolean;
  /** Reconcile the last desired set again this often (default 30 s; 0: never). */
  readonly resyncMs?: number;
  readonly clock?: Clock;
  /** The programmer to drive (default: IpvsProgrammer.open on the interface). */
  readonly programmer?: Programmer;
}

export interface IpvsDataplaneStats {
  readonly interface: string;
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
  stats(): Promise<IpvsDataplaneStats>;
  close(opts?: { readonly teardown?: boolean }): Promise<void>;
}

const MIN_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;
const DEFAULT_RESYNC_MS = 30_000;

class Dataplane implements IpvsDataplane {
  private readonly clock: Clock;
  private readonly log: Logger;
  /** The set waiting to be reconciled (the latest apply), and whether it must be sent even if unchanged. */
  private next?: { services: readonly DesiredVirtualService[]; force: boolean };
  private last?: { services: readonly DesiredVirtualService[]; text: string };
  private running?: Promise<void>;
  private timer?: TimerHandle;
  private retryMs = MIN_RETRY_MS;
  private problems: readonly string[] = [];
  private errors = new Map<string, string>();
  private failure?: string;
  private reconciles = 0;
  private closed = false;

  constructor(private readonly o: IpvsDataplaneOptions, private readonly programmer: Programmer) {
    this.clock = o.clock ?? systemClock;
    this.log = o.log;
  }

  apply(snapshot: Snapshot, assignments?: ReconcileResult): void {
    if (this.closed) return;
    let desired: ReturnType<typeof desiredFromSnapshot>;
    try {
      desired = desiredFromSnapshot(snapshot, {
        node: this.o.node, externalIPs: this.o.externalIPs ?? false,
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
    this.next = { services: desired.services, force: false };
    this.kick();
  }

  private kick(): void {
    if (this.running || this.closed) return;
    // an apply landing between the loop's last check and this callback is picked up by the re-kick
    this.running = this.drain().finally(() => { this.running = undefined; if (this.next) this.kick(); });
  }

  private async drain(): Promise<void> {
    while (this.next && !this.closed) {
      const { services, force } = this.next;
      this.next = undefined;
      const text = JSON.stringify(services);
      if (!force && this.last?.text === text && this.failure === undefined) continue;
      this.timer?.cancel();
      try {
        const report = await this.programmer.reconcile(services);
        this.reconciles++;
        this.last = { services, text };
        this.failure = undefined;
        this.retryMs = MIN_RETRY_MS;
        this.logReport(report);
        this.schedule(this.o.resyncMs ?? DEFAULT_RESYNC_MS);
      } catch (e) {
        this.failure = (e as Error).message;
        this.log.error({ err: this.failure, retryMs: this.retryMs }, 'IPVS reconcile failed; retrying');
        // retry with this set unless a newer one is already waiting
        this.schedule(this.retryMs, services);
        this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
      }
    }
  }

  /** Reconcile `services` (default: the last set) again after `ms`, unless something newer comes first. */
  private schedule(ms: number, services?: readonly DesiredVirtualService[]): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (ms <= 0 || this.closed) return;
    this.timer = this.clock.at(this.clock.now() + ms, () => {
      this.timer = undefined;
      const again = services ?? this.last?.services;
      if (this.next || !again) return;
      this.next = { services: again, force: true };
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
    while (this.running) await this.running;
  }

  async stats(): Promise<IpvsDataplaneStats> {
    return {
      interface: this.o.interface ?? DEFAULT_INTERFACE,
      desired: this.next?.services.length ?? this.last?.services.length ?? 0,
      problems: this.problems,
      errors: [...this.errors].map(([service, error]) => ({ service, error })),
      ...(this.failure === undefined ? {} : { failure: this.failure }),
      reconciles: this.reconciles,
      services: await this.programmer.stats(),
    };
  }

  async close(opts: { readonly teardown?: boolean } = {}): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    await this.settled();
    try {
      if (opts.teardown) this.logReport(await this.programmer.teardown());
    } finally {
      this.programmer.close();
    }
  }
}

/**
 * Open IPVS (the ip_vs module must be loaded: otherwise this rejects with an IpvsError saying so), create
 * the dummy interface and set strict ARP; the data plane then follows apply().
 */
export async function startIpvsDataplane(o: IpvsDataplaneOptions): Promise<IpvsDataplane> {
  const programmer = o.programmer ?? await IpvsProgrammer.open({
    ...(o.interface ? { interfaceName: o.interface } : {}), ...(o.strictArp === undefined ? {} : { strictArp: o.strictArp }),
  });
  o.log.info({ interface: o.interface ?? DEFAULT_INTERFACE }, 'IPVS data plane started');
  return new Dataplane(o, programmer);
}
