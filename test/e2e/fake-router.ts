/**
 * A router state source the test controls (RouterStatusSource): nodes (BGP peers) that come up announcing
 * Service IPs and go down, with the events a real router would emit (peer state, route changes,
 * failover). Used by the web, metrics, telemetry and browser tests.
 */
import type {
  BfdView, BgpPathView, BgpSummary, BgpTable, KernelRouteView, NexthopView, PeerSummary, RouteChangeView, RouterCounters, RouterEvent, RouterStatusSource,
} from '../../src/control/views.js';

interface Node { address: string; hostname: string; state: string; since: number; weight: number; vips: string[]; established: number }

export class FakeRouter implements RouterStatusSource {
  readonly nodes = new Map<string, Node>();
  readonly cleared: string[] = [];
  fibErrors = 0;
  /** What counters() reports of the kernel requests; tests set it. */
  kernel: Pick<RouterCounters, 'fibOperations' | 'fibKernelErrors'> = { fibOperations: [], fibKernelErrors: [] };
  /** What bfd() answers; tests set it. */
  bfdView: BfdView = { sessions: [], probes: [], services: [] };
  private readonly listeners = new Set<(e: RouterEvent) => void>();
  /** Wall clock the events are stamped with; tests move it. */
  now = 1_700_000_000_000;

  /** Nodes 10.0.0.11, .12, ... (hostnames node1, node2, ...) with these weights, all up announcing `vip`. */
  static withNodes(vip: string, weights: readonly number[]): FakeRouter {
    const f = new FakeRouter();
    weights.forEach((w, i) => {
      const address = `10.0.0.${11 + i}`;
      f.addNode(address, `node${i + 1}`, w);
      f.up(address, [vip]);
    });
    return f;
  }

  addNode(address: string, hostname: string, weight = 1): void {
    this.nodes.set(address, { address, hostname, state: 'Idle', since: this.now, weight, vips: [], established: 0 });
  }

  private nexthops(vip: string): NexthopView[] {
    return [...this.nodes.values()].filter((n) => n.state === 'Established' && n.vips.includes(vip))
      .map((n) => ({ gateway: n.address, weight: n.weight })).sort((a, b) => a.gateway.localeCompare(b.gateway, 'en', { numeric: true }));
  }

  private allVips(): string[] {
    return [...new Set([...this.nodes.values()].flatMap((n) => n.vips))].sort();
  }

  /** The node's session comes up and it announces `vips`. */
  up(address: string, vips: readonly string[]): void {
    const n = this.nodes.get(address)!;
    const before = new Map(vips.map((v) => [v, this.nexthops(v)]));
    this.setState(n, 'Established');
    n.established++;
    n.vips = [...vips];
    this.emitRoutes(before);
  }

  /** The node's session goes down (e.g. the process was killed): its routes go, a failover is reported. */
  down(address: string, reason = 'connection closed by peer', durationMs = 3.2): void {
    const n = this.nodes.get(address)!;
    const before = new Map(n.vips.map((v) => [v, this.nexthops(v)]));
    this.setState(n, 'Idle', reason);
    this.emitRoutes(before);
    this.emit({ type: 'failover', at: this.now, peer: address, reason, prefixes: before.size, durationMs });
  }

  private setState(n: Node, to: string, reason?: string): void {
    const from = n.state;
    n.state = to;
    n.since = this.now;
    this.emit({ type: 'peer', at: this.now, peer: n.address, from, to, ...(reason ? { reason } : {}) });
  }

  private emitRoutes(before: Map<string, NexthopView[]>): void {
    const changes: RouteChangeView[] = [...before].map(([prefix, old]) => {
      const nh = this.nexthops(prefix);
      return { prefix, oldNexthops: old, newNexthops: nh, reason: nh.length ? 'multipath' : 'withdrawn' };
    });
    this.emit({ type: 'routes', at: this.now, changes });
  }

  emit(e: RouterEvent): void { for (const l of this.listeners) l(e); }

  subscribe(listener: (e: RouterEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  summary(): BgpSummary {
    const peers: PeerSummary[] = [...this.nodes.values()].map((n) => ({
      name: n.address, address: n.address, remoteAs: 64512, localAs: 64513, state: n.state, dynamic: true, hostname: n.hostname,
      messagesReceived: 10, messagesSent: 10, outQueue: 0, upDownSeconds: (this.now - n.since) / 1000, establishedCount: n.established,
      prefixesReceived: n.state === 'Established' ? n.vips.length : 0, prefixesAccepted: n.state === 'Established' ? n.vips.length : 0, prefixesSent: 0,
    }));
    return { routerId: '192.168.10.1', localAs: 64513, ribEntries: this.allVips().filter((v) => this.nexthops(v).length).length, peers };
  }

  table(prefix?: string): BgpTable {
    const paths: BgpPathView[] = [];
    for (const vip of this.allVips()) {
      if (prefix !== undefined && vip !== prefix) continue;
      const serving = [...this.nodes.values()].filter((n) => n.state === 'Established' && n.vips.includes(vip));
      serving.forEach((n, i) => paths.push({
        prefix: vip, peer: n.address, nextHop: n.address, best: i === 0, multipath: i > 0, stale: false, internal: false, local: false,
        origin: 'IGP', asPath: '64512', communities: [], largeCommunities: [], extendedCommunities: [], weight: n.weight,
        age: Math.round((this.now - n.since) / 1000),
      }));
    }
    return { routerId: '192.168.10.1', localAs: 64513, paths };
  }

  async routes(): Promise<KernelRouteView[]> {
    return this.allVips().map((prefix) => ({ prefix, table: 254, metric: 20, protocol: 'vipgate', nexthops: this.nexthops(prefix) }))
      .filter((r) => r.nexthops.length > 0);
  }

  counters(): RouterCounters { return { fibErrors: this.fibErrors, ...this.kernel }; }

  bfd(): Promise<BfdView> { return Promise.resolve(this.bfdView); }

  clear(peer: string): { reset: string[] } {
    const reset = [...this.nodes.keys()].filter((a) => peer === '*' || a === peer);
    if (reset.length === 0) throw new Error(`no neighbor ${peer}`);
    this.cleared.push(...reset);
    return { reset };
  }
}
