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
 */
import { networkInterfaces } from 'node:os';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import { Announcer } from './announce/announcer.js';
import { desiredAnnouncements, peersForNode, type DesiredState } from './announce/desired.js';
import type { AgentConfig } from './config/model.js';
import { Allocator, type ReconcileResult } from './ipam/allocator.js';
import { serviceKey, type ServiceInfo, type Snapshot } from './model.js';
import type { Source } from './source/source.js';

export interface AgentOptions {
  readonly node: string;
  readonly config: AgentConfig;
  readonly source: Source;
  readonly clock: Clock;
  readonly log: Logger;
  /** Called after each recomputation (views, benchmarks). */
  readonly onApplied?: (desired: DesiredState) => void;
}

/** The BGP identifier when the config gives none: the first IPv4 address of a non-loopback interface. */
export function defaultRouterId(): string {
  for (const list of Object.values(networkInterfaces())) {
    const a = list?.find((x) => x.family === 'IPv4' && !x.internal);
    if (a) return a.address;
  }
  throw new Error('no IPv4 address to use as BGP identifier: set routerId in the agent config');
}

const sameIps = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));

export class Agent {
  readonly announcer: Announcer;
  private readonly allocator: Allocator;
  private snapshot?: Snapshot;
  private leader = false;
  private ipam?: ReconcileResult;
  private readonly writing = new Map<string, string>();

  constructor(private readonly o: AgentOptions) {
    const peerWithId = o.config.peers.find((p) => p.routerId);
    const routerId = o.config.routerId ?? peerWithId?.routerId ?? defaultRouterId();
    this.announcer = new Announcer(o.clock, o.log, routerId);
    this.allocator = new Allocator(o.config.pools, o.config.loadBalancerClass);
  }

  get synced(): boolean { return this.snapshot !== undefined; }
  get isLeader(): boolean { return this.leader; }
  get assignments(): ReconcileResult | undefined { return this.ipam; }
  get current(): Snapshot | undefined { return this.snapshot; }

  async start(): Promise<void> {
    this.o.source.elector?.start((leader) => { this.leader = leader; this.recompute(); });
    await this.o.source.start((s) => this.onSnapshot(s));
  }

  onSnapshot(s: Snapshot): void {
    if (!this.snapshot) this.o.log.info({ services: s.services.length, slices: s.slices.length, nodes: s.nodes.length }, 'first full sync');
    this.snapshot = s;
    this.recompute();
  }

  private ipsOf(): (s: ServiceInfo) => readonly string[] {
    if (this.o.source.kind === 'kubernetes') return (s) => s.ingressIPs;
    const a = this.ipam?.assignments;
    return (s) => a?.get(serviceKey(s))?.ips ?? [];
  }

  private recompute(): void {
    const s = this.snapshot;
    if (!s) return;
    const { config, node, log } = this.o;
    if (this.o.source.kind === 'file' || this.leader) {
      this.ipam = this.allocator.reconcile(s.services);
      for (const [svc, reason] of this.ipam.failures) log.warn({ service: svc }, `no address assigned: ${reason}`);
      if (this.leader) this.writeStatus(s);
    }
    const peers = peersForNode(config, s.nodes.find((n) => n.name === node));
    this.announcer.setPeers(peers);
    const desired = desiredAnnouncements({ snapshot: s, config, node, ipsOf: this.ipsOf() });
    this.announcer.apply(desired);
    this.o.onApplied?.(desired);
  }

  /** The leader writes each assignment into status.loadBalancer.ingress where it differs. */
  private writeStatus(s: Snapshot): void {
    const status = this.o.source.status;
    if (!status || !this.ipam) return;
    for (const svc of s.services) {
      if (!this.allocator.wants(svc)) continue;
      const key = serviceKey(svc);
      const ips = this.ipam.assignments.get(key)?.ips ?? [];
      if (sameIps(ips, svc.ingressIPs)) { this.writing.delete(key); continue; }
      const tag = ips.join(',');
      if (this.writing.get(key) === tag) continue;
      this.writing.set(key, tag);
      status.writeIngress(svc.namespace, svc.name, ips).then(
        () => this.o.log.info({ service: key, ips }, 'status.loadBalancer.ingress written'),
        (e: unknown) => { this.writing.delete(key); this.o.log.warn({ service: key, err: (e as Error).message }, 'cannot write the Service status'); },
      );
    }
  }

  async stop(): Promise<void> {
    await this.o.source.stop();
    await this.announcer.close();
  }
}
