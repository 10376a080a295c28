/**
 * The running router as a RouterStatusSource for the web page, MQTT and the metrics: the control API's
 * views, plus the router's events (peer state changes, route changes, failovers) to subscribers. A
 * failover is timed from the session going down to the kernel having answered every route change it
 * caused (Routing.settled()). Subscribers run synchronously and cheaply; one that throws is cut off
 * rather than allowed to disturb routing.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../lib/clock.js';
import type { Peer } from '../bgp/peer.js';
import type { RouteChange } from '../bgp/rib/loc-rib.js';
import type { AgentManifestsView, BfdView, BgpSummary, BgpTable, KernelRouteView, NexthopView, RouterCounters, RouterEvent, RouterStatusSource } from '../control/views.js';
import type { RouterQuery } from './query.js';
import { agentManifests, bfdView, clearBgp } from './views.js';
import { bgpSummary } from './summary-view.js';
import { bgpTable } from './table-view.js';
import { TableVersions } from './table-versions.js';

function installed(best: RouteChange['best'], multipath: RouteChange['multipath']): NexthopView[] {
  return best === undefined || best.source.local ? [] : multipath.map((n) => ({ gateway: n.address, weight: n.weight }));
}

/** A configuration revision for the history: the text and its SHA-256 (the store keeps it when it changed). */
export function configRevision(text: string, at: number): RouterEvent {
  return { type: 'config', at, hash: createHash('sha256').update(text).digest('hex'), text };
}

export class RouterStatus implements RouterStatusSource {
  private readonly listeners = new Set<(e: RouterEvent) => void>();
  /** FRR's table versions, for the `show` views. */
  readonly versions = new TableVersions();
  /** Route changes reported so far (a failover counts the ones its withdrawal caused). */
  private changed = 0;

  constructor(private readonly d: RouterQuery, private readonly clock: Clock, private readonly wall: () => number = Date.now) {}

  summary(): BgpSummary { return bgpSummary(this.d); }
  table(prefix?: string): BgpTable { return bgpTable(this.d, prefix); }
  routes(): Promise<KernelRouteView[]> { return this.d.kernelRoutes(); }
  counters(): RouterCounters {
    const kernel = this.d.fibCounters();
    return { fibErrors: this.d.routing.fibFailures, fibOperations: kernel?.operations ?? [], fibKernelErrors: kernel?.errors ?? [] };
  }

  bfd(): Promise<BfdView> { return bfdView(this.d); }
  clear(peer: string): { reset: string[] } { return clearBgp(this.d, peer); }
  agentManifests(o: { readonly range?: string; readonly boxUrl?: string }): AgentManifestsView { return agentManifests(this.d, o); }

  subscribe(listener: (e: RouterEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: RouterEvent): void {
    for (const l of this.listeners) {
      try { l(e); } catch { this.listeners.delete(l); }
    }
  }

  peerState(peer: Peer, from: string, to: string): void {
    if (this.listeners.size === 0) return;
    const reason = to === 'Established' ? undefined : peer.stats.lastError;
    this.emit({ type: 'peer', at: this.wall(), peer: peer.name, from, to, ...(reason ? { reason } : {}) });
  }

  routesChanged(changes: readonly RouteChange[]): void {
    this.changed += changes.length;
    for (const c of changes) this.versions.changed(c.key, c.prefix.family, c.best === undefined);
    if (this.listeners.size === 0) return;
    this.emit({
      type: 'routes', at: this.wall(),
      changes: changes.map((c) => ({
        prefix: c.key, reason: c.reason,
        oldNexthops: c.old ? installed(c.old.best, c.old.multipath) : [], newNexthops: installed(c.best, c.multipath),
      })),
    });
  }

  /** Run `withdraw` (it decides at once), then report the failover when the kernel has the result. */
  failover(peer: string, reason: string, withdraw: () => void): void {
    const t0 = this.clock.now();
    const before = this.changed;
    withdraw();
    const prefixes = this.changed - before;
    if (prefixes === 0 || this.listeners.size === 0) return;
    void this.d.routing.settled().then(() => this.emit({ type: 'failover', at: this.wall(), peer, reason, prefixes, durationMs: this.clock.now() - t0 }));
  }
}
