/**
 * The router's route processing, between the speaker and the kernel: import (policy, next hop check,
 * max-prefix: RFC 4271 9.1.1 / RFC 8212 / RFC 4486), the Loc-RIBs with best path and multipath (9.1.2),
 * the FIB changes they cause, and the routes to offer every peer (9.1.3, export policy). Changes from many
 * UPDATEs are gathered and decided in one batch per turn of the event loop, so 100,000 prefixes cost one
 * decision each and the FIB gets them in large batches.
 */
import { formatPrefix, type Family, type Prefix } from '../lib/address.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import { entryKey, isPath, type RibInChange } from '../bgp/adj-rib-in.js';
import type { ExportRoute } from '../bgp/export.js';
import type { Peer } from '../bgp/peer.js';
import { nextHopRefusal } from '../bgp/policy/next-hop.js';
import { peerPolicy } from '../bgp/policy/peer-policy.js';
import { applyPolicy, type Policy } from '../bgp/policy/route-map.js';
import { LocRib, type PathChange, type RouteChange } from '../bgp/rib/loc-rib.js';
import type { FibChange, Nexthop } from '../lib/nexthop.js';
import { makePath, peerSource, type Path } from '../bgp/rib/path.js';
import type { PathAttributes } from '../wire/bgp/types.js';
import { ribOptions, type NeighborConfig, type RouterConfig } from '../config/resolve.js';
import { Aggregates } from './aggregates.js';
import { markGracefulShutdown } from './graceful-shutdown.js';
import { allowYoungGenerationGrowth } from '../lib/young-generation.js';

/** What the router needs of src/fib (the Fib class), narrow so tests and a privileged helper can stand in. */
export interface FibPort {
  apply(changes: Iterable<FibChange>): Promise<{ failures: readonly { what: string; code: string; message: string }[] }>;
}

/** Per peer: what import refused, and the policies in force. */
interface PeerImport {
  readonly importPolicy: Policy;
  readonly exportPolicy: Policy;
  /**
   * The peer's routes (Adj-RIB-In slots, entryKey) that import refused, usually none: every other route of its
   * Adj-RIB-In was accepted and is in the Loc-RIB, so what it accepted is counted, not held a second time.
   */
  readonly refused: Set<string>;
  rejected: number;
  readonly maxPrefix: NeighborConfig['maxPrefix'];
  overLimit: boolean;
  /** Single-hop eBGP (the node case): the next hop must be the peer or on a connected subnet. */
  readonly checkNextHop: boolean;
  /** neighbor drain: its routes get GRACEFUL_SHUTDOWN on import (RFC 8326), so traffic leaves it. */
  readonly drain: boolean;
}

export interface RoutingEvents {
  /** Import refused a route (hijack attempts, bad next hops): logged, counted, never installed. */
  refused(peer: Peer, prefix: string, reason: string): void;
  maxPrefixExceeded(peer: Peer, count: number, limit: number, warningOnly: boolean): void;
  /** Routes changed best path or next hops (for telemetry and history). */
  changed(changes: readonly RouteChange[]): void;
}

/** Routes the peer sent that import accepted: its Adj-RIB-In, all of which import has seen, less the refused. */
function accepted(peer: Peer, st: PeerImport): number {
  return peer.ribIn.size - st.refused.size;
}

/** The source address of locally originated paths. */
const LOCAL = '';

/** The Loc-RIB's shared next-hop array goes to the FIB as it is. */
/** Path changes waiting for one decision, at least, that mean a table is arriving: V8's young generation may grow. */
const TABLE_ARRIVING = 1000;

function fibSet(r: { readonly key: string; readonly prefix: Prefix; readonly multipath: readonly Nexthop[] }): FibChange {
  return { op: 'set', prefix: r.prefix, key: r.key, nexthops: r.multipath };
}

export class Routing {
  readonly ribs: Record<Family, LocRib>;
  private readonly peers = new Map<Peer, PeerImport>();
  private aggregates: Aggregates;
  /** Stopping with a drain period: advertise as if gracefulShutdown.enabled. */
  private draining = false;
  private pending: PathChange[] = [];
  private scheduled = false;
  private readonly policyCache = new WeakMap<PathAttributes, Map<string, PathAttributes>>();
  /** At startup the kernel keeps what the last run installed until the peers are back (see holdFib). */
  private fibHeld = false;
  /**
   * FIB changes not yet handed to the kernel, by prefix key. While one apply is in flight, later changes to a
   * prefix replace its earlier ones, so a route whose paths arrive one peer at a time is written once per
   * apply, not once per decision batch.
   */
  private fibPending = new Map<string, FibChange>();
  /** The loop that hands fibPending to the kernel, while it runs; `settled()` waits for it. */
  private fibRunning: Promise<void> | undefined;
  fibFailures = 0;

  constructor(
    private cfg: RouterConfig,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly fib: FibPort | undefined,
    private readonly connected: () => { connected: Prefix[]; local: string[] },
    private readonly peersToOffer: () => Iterable<Peer>,
    private readonly events: RoutingEvents,
  ) {
    this.aggregates = new Aggregates(cfg.aggregates, cfg.asn, cfg.routerId);
    const options = ribOptions(cfg);
    this.ribs = { 4: new LocRib(4, options), 6: new LocRib(6, options) };
  }

  /** A peer came up: its policies (RFC 8212 when none is configured for eBGP). */
  attach(peer: Peer, n: NeighborConfig): void {
    // a session back after a graceful restart keeps its Adj-RIB-In (the stale routes), and so what import
    // refused of it; a normal down cleared both (peerDown)
    this.peers.set(peer, { ...this.policies(peer, n), refused: this.peers.get(peer)?.refused ?? new Set(), rejected: 0, overLimit: false });
  }

  private policies(peer: Peer, n: NeighborConfig): Pick<PeerImport, 'importPolicy' | 'exportPolicy' | 'maxPrefix' | 'checkNextHop' | 'drain'> {
    const ebgp = !peer.ibgp;
    const ctx = { peer: peer.name, ebgp, ebgpRequiresPolicy: this.cfg.ebgpRequiresPolicy, log: (m: string) => this.log.warn({ peer: peer.name }, m) };
    return {
      importPolicy: peerPolicy(n.import, { ...ctx, direction: 'import' }),
      exportPolicy: peerPolicy(n.export, { ...ctx, direction: 'export' }),
      maxPrefix: n.maxPrefix, checkNextHop: ebgp && n.ebgpMultihop === 1, drain: n.drain,
    };
  }

  /**
   * Configuration reload (src/router/reload-plan.ts): the new configuration for later attach() calls, and
   * when they changed, the decision options (every prefix decided again) and the aggregates (the old ones
   * withdrawn, the new ones originated from the routes present now, exports recomputed for summary-only).
   */
  reconfigure(next: RouterConfig, changed: { readonly decision: boolean; readonly aggregates: boolean }): void {
    const gshut = this.cfg.gracefulShutdown.enabled !== next.gracefulShutdown.enabled;
    this.cfg = next;
    if (gshut) this.reexportAll();
    if (changed.decision) {
      const options = ribOptions(next);
      for (const f of [4, 6] as const) this.afterDecision(this.ribs[f].reconfigure(options));
    }
    if (!changed.aggregates) return;
    this.queue(this.aggregates.active().map((prefix) => this.localPath(prefix, undefined)));
    this.aggregates = new Aggregates(next.aggregates, next.asn, next.routerId);
    const present: RouteChange[] = [];
    for (const f of [4, 6] as const) for (const r of this.ribs[f].routes()) present.push({ ...r, old: undefined });
    this.queue(this.aggregates.update(present).map((a) => this.localPath(a.prefix, a.attributes)));
    this.reexportAll();
  }

  /**
   * SIGTERM with gracefulShutdown.drainSeconds: every route re-advertised with GRACEFUL_SHUTDOWN (RFC 8326)
   * before the sessions close, so neighbors move traffic away while this router still forwards.
   */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    this.reexportAll();
  }

  private reexportAll(): void {
    for (const peer of this.peersToOffer()) if (peer.isEstablished) this.reexport(peer);
  }

  /**
   * Soft reconfiguration of one peer: its new policies, the routes it sent (kept in its Adj-RIB-In) imported
   * again (now refused ones leave, now accepted ones enter), and what it is offered recomputed.
   */
  reimport(peer: Peer, n: NeighborConfig): void {
    const st = this.peers.get(peer);
    if (!st) return;
    this.peers.set(peer, { ...st, ...this.policies(peer, n), overLimit: false });
    const all: RibInChange[] = [];
    for (const e of peer.ribIn.entries()) all.push({ key: e.key, prefix: e.prefix, pathId: e.pathId, entry: e });
    this.peerRoutes(peer, all);
    this.reexport(peer);
  }

  /** Make what `peer` was sent equal to what its export policy gives now. */
  private reexport(peer: Peer): void {
    const keep = new Set<string>();
    for (const r of this.exportTable(peer)) { keep.add(r.key); peer.offer(r); }
    for (const r of [...peer.ribOut.routes()]) if (!keep.has(r.key)) peer.retract(r.key, r.prefix);
  }

  acceptedCount(peer: Peer): number {
    const st = this.peers.get(peer);
    return st ? accepted(peer, st) : 0;
  }

  /** The peer's Adj-RIB-In slots (entryKey) import refused. */
  refusedKeys(peer: Peer): ReadonlySet<string> { return this.peers.get(peer)?.refused ?? new Set(); }

  /** Originate a local route (`networks`, aggregates): in the Loc-RIB and offered to peers, never installed; undefined withdraws it. */
  originate(prefix: Prefix, attributes: PathAttributes | undefined): void {
    this.queue([this.localPath(prefix, attributes)]);
  }

  private localPath(prefix: Prefix, attributes: PathAttributes | undefined): PathChange {
    if (!attributes) return { kind: 'remove', key: formatPrefix(prefix), peer: LOCAL, pathId: 0 };
    return {
      kind: 'add',
      path: makePath({
        prefix, attributes, nextHop: prefix.family === 4 ? '0.0.0.0' : '::',
        source: { address: LOCAL, asn: this.cfg.asn, routerId: this.cfg.routerId, ibgp: false, local: true },
      }, this.clock),
    };
  }

  /** Routes a peer sent (or lost): import them. */
  peerRoutes(peer: Peer, changes: readonly RibInChange[]): void {
    const st = this.peers.get(peer);
    if (!st) return;
    const out: PathChange[] = [];
    const { connected, local } = st.checkNextHop ? this.connected() : { connected: [], local: [] };
    // routes of one UPDATE share their next hop: judge each distinct next hop once
    const nextHopVerdicts = new Map<string, string | undefined>();
    const nextHopRefused = (nextHop: string): string | undefined => {
      if (!st.checkNextHop) return undefined;
      if (!nextHopVerdicts.has(nextHop)) nextHopVerdicts.set(nextHop, nextHopRefusal(nextHop, { peer: peer.options.address, connected, local }));
      return nextHopVerdicts.get(nextHop);
    };
    const source = peerSource(peer);
    const ruleTag = `${st.importPolicy.name}#${st.drain ? 'drain#' : ''}`;
    // a withdrawn or refused route leaves the Loc-RIB (which ignores one it does not have)
    const refused = st.refused;
    for (const c of changes) {
      if (!c.entry) {
        if (refused.size > 0) refused.delete(entryKey(c.key, c.pathId));
        out.push({ kind: 'remove', key: c.key, peer: peer.options.address, pathId: c.pathId });
        continue;
      }
      const e = c.entry;
      const verdict = applyPolicy(st.importPolicy, { prefix: e.prefix, attributes: e.attributes }, { localAs: peer.options.fsm.localAs });
      const refusal = verdict.accepted ? nextHopRefused(e.nextHop) : verdict.reason;
      if (!verdict.accepted || refusal !== undefined) {
        st.rejected++;
        this.events.refused(peer, c.key, refusal ?? 'rejected');
        refused.add(entryKey(c.key, c.pathId));
        out.push({ kind: 'remove', key: c.key, peer: peer.options.address, pathId: c.pathId });
        continue;
      }
      if (refused.size > 0) refused.delete(entryKey(c.key, c.pathId));
      const imported = st.drain ? markGracefulShutdown(verdict.route.attributes, false) : verdict.route.attributes;
      const attributes = imported === e.attributes ? e.attributes : this.canonical(imported, e.attributes, ruleTag + verdict.rule);
      // a route that policy left alone is its own path when the Adj-RIB-In made it one (one object per route)
      const path = attributes === e.attributes && isPath(e) && !e.stale ? e
        : makePath({ prefix: e.prefix, key: e.key, pathId: e.pathId, attributes, nextHop: e.nextHop, stale: false, source }, this.clock);
      out.push({ kind: 'add', path });
    }
    this.queue(out);
    this.checkMaxPrefix(peer, st);
  }

  /** RFC 4486: too many prefixes from a peer ends its session (or warns only). */
  private checkMaxPrefix(peer: Peer, st: PeerImport): void {
    const m = st.maxPrefix;
    if (!m || st.overLimit) return;
    const count = accepted(peer, st);
    if (count <= m.limit) return;
    st.overLimit = true;
    this.events.maxPrefixExceeded(peer, count, m.limit, m.warningOnly);
  }

  /** A peer's session ended for good: all its paths go. */
  peerDown(peer: Peer): void {
    const st = this.peers.get(peer);
    if (!st) return;
    st.refused.clear();
    st.overLimit = false;
    for (const f of [4, 6] as const) this.afterDecision(this.ribs[f].removePeer(peer.options.address));
  }

  /** Graceful restart helper (RFC 4724 4.2): the peer's paths stay, marked stale. */
  peerStale(peer: Peer): void {
    for (const f of [4, 6] as const) this.afterDecision(this.ribs[f].markStale(peer.options.address));
  }

  private canonical(result: PathAttributes, input: PathAttributes, rule: string): PathAttributes {
    if (result === input) return input;
    // the same input attributes through the same rule give the same output: share it, so routes that
    // arrived in one UPDATE leave in one UPDATE
    let m = this.policyCache.get(input);
    if (!m) { m = new Map(); this.policyCache.set(input, m); }
    const hit = m.get(rule);
    if (hit) return hit;
    m.set(rule, result);
    return result;
  }

  private queue(changes: PathChange[]): void {
    if (changes.length === 0) return;
    for (const c of changes) this.pending.push(c);
    if (this.pending.length >= TABLE_ARRIVING) allowYoungGenerationGrowth();
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.decide());
  }

  private decide(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    const byFamily: Record<Family, PathChange[]> = { 4: [], 6: [] };
    for (const c of batch) {
      const family: Family = c.kind === 'add' ? c.path.prefix.family : c.key.includes(':') ? 6 : 4;
      byFamily[family].push(c);
    }
    for (const f of [4, 6] as const) if (byFamily[f].length) this.afterDecision(this.ribs[f].applyBatch(byFamily[f]));
  }

  /** Route changes to the kernel and to every peer. */
  private afterDecision(changes: RouteChange[]): void {
    if (changes.length === 0) return;
    this.events.changed(changes);
    const aggregates = this.aggregates.update(changes);
    if (aggregates.length) this.queue(aggregates.map((a) => this.localPath(a.prefix, a.attributes)));
    if (this.fib && !this.fibHeld) {
      for (const c of changes) {
        const installed = c.best !== undefined && !c.best.source.local;
        const wasInstalled = c.old !== undefined && !c.old.best.source.local;
        if (installed) this.fibPending.set(c.key, fibSet(c));
        else if (wasInstalled) this.fibPending.set(c.key, { op: 'delete', prefix: c.prefix, key: c.key });
      }
      this.toFib();
    }
    for (const peer of this.peersToOffer()) {
      if (!peer.isEstablished) continue;
      for (const c of changes) {
        const r = c.best && this.exportFor(peer, c.best);
        if (r) peer.offer(r); else peer.retract(c.key, c.prefix);
      }
    }
  }

  /** Start handing fibPending to the kernel unless that is under way (it then takes the new changes next). */
  private toFib(): void {
    const fib = this.fib;
    if (!fib || this.fibRunning || this.fibPending.size === 0) return;
    this.fibRunning = this.pumpFib(fib);
  }

  private async pumpFib(fib: FibPort): Promise<void> {
    while (this.fibPending.size > 0) {
      const batch = this.fibPending;
      this.fibPending = new Map();
      try {
        const r = await fib.apply(batch.values());
        if (r.failures.length === 0) continue;
        this.fibFailures += r.failures.length;
        for (const f of r.failures.slice(0, 10)) this.log.error({ what: f.what, code: f.code }, `kernel refused: ${f.message}`);
      } catch (e) {
        this.fibFailures++;
        this.log.error({ err: e }, 'FIB update failed');
      }
    }
    this.fibRunning = undefined;
  }

  /**
   * Startup after a restart: leave the kernel as the last run left it (forwarding goes on) while the
   * sessions come back, so that routes are not rewritten as each peer returns (RFC 4724's forwarding state
   * idea, FRR's update-delay). releaseFib() then installs the whole table in one batch; unchanged routes
   * cost nothing because the FIB adopted them.
   */
  holdFib(): void { this.fibHeld = true; }

  get fibIsHeld(): boolean { return this.fibHeld; }

  releaseFib(): void {
    if (!this.fibHeld) return;
    this.fibHeld = false;
    for (const f of [4, 6] as const) for (const r of this.ribs[f].routes()) if (!r.best.source.local) this.fibPending.set(r.key, fibSet(r));
    this.log.info({ routes: this.fibPending.size }, 'startup hold over: installing the table');
    this.toFib();
  }

  /** Wait until every FIB change queued so far was answered by the kernel. */
  async settled(): Promise<void> {
    for (let i = 0; i < 1000 && (this.scheduled || this.pending.length); i++) await new Promise((r) => setImmediate(r));
    while (this.fibRunning) await this.fibRunning;
  }

  /** The route as offered to `peer` after its export policy, or undefined when policy says no. */
  exportFor(peer: Peer, best: Path): ExportRoute | undefined {
    const st = this.peers.get(peer);
    if (!st || this.aggregates.suppressed(best.prefix)) return undefined;
    const v = applyPolicy(st.exportPolicy, { prefix: best.prefix, attributes: best.attributes }, { localAs: peer.options.fsm.localAs });
    if (!v.accepted) return undefined;
    const tag = `${st.exportPolicy.name}#${v.rule}`;
    const gshut = this.cfg.gracefulShutdown.enabled || this.draining;
    return {
      key: best.key, prefix: best.prefix, nextHop: best.nextHop,
      attributes: gshut
        ? this.canonical(markGracefulShutdown(v.route.attributes, peer.ibgp), best.attributes, `${tag}#gshut${peer.ibgp ? '-ibgp' : ''}`)
        : this.canonical(v.route.attributes, best.attributes, tag),
      ...(best.source.local ? {} : { from: { address: best.source.address, ibgp: best.source.ibgp } }),
    };
  }

  /** Everything `peer` should have now (initial table, route refresh). */
  *exportTable(peer: Peer): Iterable<ExportRoute> {
    for (const f of [4, 6] as const) {
      for (const r of this.ribs[f].routes()) {
        const e = this.exportFor(peer, r.best);
        if (e) yield e;
      }
    }
  }

  detach(peer: Peer): void { this.peers.delete(peer); }

  rejectedCount(peer: Peer): number { return this.peers.get(peer)?.rejected ?? 0; }
}
