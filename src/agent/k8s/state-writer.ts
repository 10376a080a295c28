/**
 * The one writer of the agent's state into Kubernetes (Events, the ip-allocated-from-pool annotation,
 * ServiceBGPStatus, ConfigurationState; what to write comes from state-plan.ts). It is fed the agent's
 * state from time to time (update(), synchronous, it only queues) and writes in the background, one request
 * at a time, at most `writesPerSecond` after a `burst` (a token bucket): announcing never waits for it, and a
 * failing API server only delays it. Per object only the newest write waits (a Service that changes ten
 * times while the API server is away is written once); Events wait in a bounded queue (the oldest are
 * dropped and counted). A failed write is retried after a backoff of 1 s doubling to 30 s. At the start the
 * ServiceBGPStatus objects of this node are listed, so that those of Services it no longer announces (an
 * earlier run's) are deleted and the others are not written again.
 */
import type { Clock, TimerHandle } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import { planState, type BgpStatus, type ConfigState, type ServiceEvent, type StateInput } from './state-plan.js';

/** The requests the writer makes (state-api.ts on @kubernetes/client-node; tests record them). */
export interface StateApi {
  createEvent(e: ServiceEvent, at: Date): Promise<void>;
  /** Merge patch of metadata.annotations (null removes one). */
  patchServiceAnnotations(namespace: string, name: string, set: Readonly<Record<string, string | null>>): Promise<void>;
  /** This node's ServiceBGPStatus objects: name → status. */
  listServiceBGPStatuses(node: string): Promise<Map<string, BgpStatus>>;
  /** Create the object if it is missing, then write its status. */
  putServiceBGPStatus(name: string, labels: Readonly<Record<string, string>>, status: BgpStatus): Promise<void>;
  /** Delete it; one that is already gone is fine. */
  deleteServiceBGPStatus(name: string): Promise<void>;
  putConfigurationState(name: string, labels: Readonly<Record<string, string>>, status: ConfigState, at: Date): Promise<void>;
}

export interface StateWriterOptions {
  readonly writesPerSecond: number;
  readonly burst: number;
  /** Events waiting at most (default 256). */
  readonly maxEvents?: number;
  /** Wall-clock time for timestamps (Events, conditions). */
  readonly wallClock?: () => Date;
}

type Op =
  | { readonly kind: 'event'; readonly e: ServiceEvent; readonly at: Date }
  | { readonly kind: 'annotate'; readonly namespace: string; readonly name: string; readonly set: Readonly<Record<string, string | null>> }
  | { readonly kind: 'bgp'; readonly name: string; readonly labels: Readonly<Record<string, string>>; readonly status: BgpStatus | null }
  | { readonly kind: 'config'; readonly name: string; readonly labels: Readonly<Record<string, string>>; readonly status: ConfigState; readonly at: Date };

export interface StateWriterStats { writes: number; failures: number; droppedEvents: number; queued: number }

const MIN_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;

export class StateWriter {
  private before?: StateInput;
  /** Object key → the newest write waiting; events under their own keys. */
  private readonly queue = new Map<string, Op>();
  /** Object key → what was last written successfully (JSON). */
  private readonly written = new Map<string, string>();
  private events = 0;
  private tokens: number;
  private refilledAt: number;
  private timer?: TimerHandle;
  private busy = false;
  private backoffMs = 0;
  /** This node's ServiceBGPStatus objects are known (listed at the start). */
  private listed = false;
  private stopped = false;
  /** The object write under way, and what it writes. */
  private inflight?: { readonly key: string; readonly content: string };
  readonly stats: StateWriterStats = { writes: 0, failures: 0, droppedEvents: 0, queued: 0 };

  constructor(private readonly api: StateApi, private readonly node: string, private readonly clock: Clock, private readonly log: Logger, private readonly o: StateWriterOptions) {
    this.tokens = o.burst;
    this.refilledAt = clock.now();
  }

  /** List this node's ServiceBGPStatus objects (in the background, retried); until then they are not written. */
  start(): void { void this.list(); }

  private async list(): Promise<void> {
    for (let delay = MIN_BACKOFF_MS; !this.stopped; delay = Math.min(MAX_BACKOFF_MS, delay * 2)) {
      try {
        for (const [name, status] of await this.api.listServiceBGPStatuses(this.node)) this.written.set(`bgp/${name}`, JSON.stringify(status));
        this.listed = true;
        if (this.before) this.update(this.before);
        return;
      } catch (e) {
        this.log.warn({ err: (e as Error).message, retryMs: delay }, 'cannot list this node\'s ServiceBGPStatus objects; retrying');
        await new Promise<void>((r) => { this.clock.at(this.clock.now() + delay, r); });
      }
    }
  }

  /** The agent's state now: the differences are queued, nothing waits. */
  update(input: StateInput): void {
    if (this.stopped) return;
    const plan = planState(input, this.before);
    this.before = input;
    const at = this.o.wallClock?.() ?? new Date();
    for (const e of plan.events) this.push(`event/${this.events++}`, { kind: 'event', e, at });
    for (const [key, a] of plan.annotations) this.want(`ann/${key}`, JSON.stringify(a.set), { kind: 'annotate', ...a });
    // annotations the Service now shows need no memory
    for (const key of [...this.written.keys()]) if (key.startsWith('ann/') && !plan.annotations.has(key.slice(4))) this.written.delete(key);
    if (this.listed) {
      for (const [name, b] of plan.bgpStatuses) this.want(`bgp/${name}`, JSON.stringify(b.status), { kind: 'bgp', name, ...b });
      for (const key of [...this.written.keys(), ...this.queue.keys()]) {
        if (!key.startsWith('bgp/') || plan.bgpStatuses.has(key.slice(4))) continue;
        const queued = this.queue.get(key);
        if (queued?.kind === 'bgp' && queued.status === null) continue;
        if (this.written.has(key)) this.queue.set(key, { kind: 'bgp', name: key.slice(4), labels: {}, status: null });
        else this.queue.delete(key);
      }
    }
    for (const [name, c] of plan.configStates) this.want(`cfg/${name}`, JSON.stringify(c.status), { kind: 'config', name, ...c, at });
    this.stats.queued = this.queue.size;
    this.kick();
  }

  /** Queue `op` unless what it writes is what was last written, or is being written. */
  private want(key: string, content: string, op: Op): void {
    if (this.written.get(key) === content || (this.inflight?.key === key && this.inflight.content === content)) { this.queue.delete(key); return; }
    this.queue.set(key, op);
  }

  /** What an object write writes, as it is remembered. */
  private static content(op: Op): string | undefined {
    return op.kind === 'event' ? undefined : JSON.stringify(op.kind === 'annotate' ? op.set : op.status);
  }

  private push(key: string, op: Op): void {
    this.queue.set(key, op);
    const events = [...this.queue.keys()].filter((k) => k.startsWith('event/'));
    for (const k of events.slice(0, Math.max(0, events.length - (this.o.maxEvents ?? 256)))) { this.queue.delete(k); this.stats.droppedEvents++; }
  }

  private kick(delayMs = 0): void {
    if (this.busy || this.timer || this.stopped || this.queue.size === 0) return;
    this.timer = this.clock.at(this.clock.now() + delayMs, () => { this.timer = undefined; void this.pump(); });
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.o.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.o.writesPerSecond);
    this.refilledAt = now;
  }

  private async pump(): Promise<void> {
    this.busy = true;
    try {
      while (!this.stopped && this.queue.size > 0) {
        this.refill();
        if (this.tokens < 1) { this.busy = false; this.kick(Math.max(1, Math.ceil(((1 - this.tokens) / this.o.writesPerSecond) * 1000))); return; }
        const [key, op] = this.queue.entries().next().value as [string, Op];
        this.queue.delete(key);
        this.tokens -= 1;
        const content = StateWriter.content(op);
        this.inflight = content === undefined ? undefined : { key, content };
        try {
          await this.write(op);
          this.stats.writes++;
          this.backoffMs = 0;
          if (op.kind === 'bgp' && op.status === null) this.written.delete(key);
          else if (content !== undefined) this.written.set(key, content);
        } catch (e) {
          this.stats.failures++;
          this.backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(MIN_BACKOFF_MS, this.backoffMs * 2));
          this.log.warn({ write: key, err: (e as Error).message, retryMs: this.backoffMs }, 'cannot write state into Kubernetes; retrying');
          // a newer write of the same object replaces this one
          if (!this.queue.has(key)) this.queue.set(key, op);
          this.busy = false;
          this.kick(this.backoffMs);
          return;
        }
      }
    } finally {
      this.inflight = undefined;
      this.stats.queued = this.queue.size;
    }
    this.busy = false;
  }

  private write(op: Op): Promise<void> {
    switch (op.kind) {
      case 'event': return this.api.createEvent(op.e, op.at);
      case 'annotate': return this.api.patchServiceAnnotations(op.namespace, op.name, op.set);
      case 'bgp': return op.status === null ? this.api.deleteServiceBGPStatus(op.name) : this.api.putServiceBGPStatus(op.name, op.labels, op.status);
      case 'config': return this.api.putConfigurationState(op.name, op.labels, op.status, op.at);
    }
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }
}
