/**
 * Loc-RIB (RFC 4271 3.2, 9.1): for one address family, every candidate path per prefix (one per
 * (peer, ADD-PATH id), RFC 7911), the best path (decision.ts) and the multipath next hops
 * (multipath.ts). Updates come in batches; only the prefixes a batch touched are decided again, and
 * only prefixes whose best path or next hop set changed are reported, each with the old state, for the
 * FIB and for export. A per-peer index makes peer-wide operations cost what that peer has, not the
 * table size: removing a peer, and graceful restart (RFC 4724 4.2: mark its paths stale when it
 * restarts, sweep what was not refreshed when End-of-RIB or the stale timer arrives).
 */
import type { Family, Prefix } from '../../lib/address.js';
import { allTieToIgpCost, selectBest, type DecisionStep } from './decision.js';
import { DEFAULT_MULTIPATH_OPTIONS, MAX_MULTIPATH, multipathNexthops, NexthopSets, type MultipathOptions } from './multipath.js';
import type { Nexthop } from '../../lib/nexthop.js';
import { withStale, type Path } from './path.js';

export type PathChange =
  /** Add the path, replacing the one with the same (peer, path id) if any. */
  | { readonly kind: 'add'; readonly path: Path }
  | { readonly kind: 'remove'; readonly key: string; readonly peer: string; readonly pathId: number };

export interface RouteState {
  readonly best: Path;
  /** Next hops to install, sorted by address; one entry when multipath is off. One shared array per distinct
   * set (NexthopSets): compare by content, or by identity to group routes. */
  readonly multipath: readonly Nexthop[];
  readonly reason: DecisionStep;
}

export interface RouteChange {
  readonly key: string;
  readonly prefix: Prefix;
  /** Undefined: no path is left, withdraw the route. */
  readonly best: Path | undefined;
  readonly multipath: readonly Nexthop[];
  /** Decision step that chose `best`, or 'withdrawn'. */
  readonly reason: DecisionStep | 'withdrawn';
  /** The state before this batch; undefined when the prefix is new. */
  readonly old: RouteState | undefined;
}

interface Entry {
  readonly prefix: Prefix;
  readonly key: string;
  /** Exactly as long as needed (most prefixes have 1..3 paths: no spare capacity per prefix). */
  candidates: Path[];
  state: RouteState | undefined;
}

/**
 * The entries a peer has paths in, appended when it gets its first path in one: an array, cheaper than a set
 * of keys when a table arrives (100,000s of appends). Entries it has left stay until the list is compacted
 * (when peer-wide work reads it, or when it is twice as long as `count`), so the cost stays what the peer has.
 */
interface PeerIndex {
  entries: Entry[];
  /** Entries it has at least one path in. */
  count: number;
}

export class LocRibError extends Error {
  override readonly name = 'LocRibError';
}

function sameNexthops(a: readonly Nexthop[], b: readonly Nexthop[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.address !== b[i]!.address || a[i]!.weight !== b[i]!.weight) return false;
  return true;
}

export class LocRib {
  private readonly table = new Map<string, Entry>();
  /** peer address → the entries it has at least one path in (see PeerIndex). */
  private readonly byPeer = new Map<string, PeerIndex>();
  private options: MultipathOptions;
  private paths = 0;
  private decided = 0;
  private readonly nexthopSets = new NexthopSets();

  constructor(readonly family: Family, options: Partial<MultipathOptions> = {}) {
    this.options = LocRib.check({ ...DEFAULT_MULTIPATH_OPTIONS, ...options });
  }

  private static check(o: MultipathOptions): MultipathOptions {
    if (!Number.isInteger(o.maximumPaths) || o.maximumPaths < 1 || o.maximumPaths > MAX_MULTIPATH) {
      throw new LocRibError(`maximumPaths must be an integer 1..${MAX_MULTIPATH}, got ${o.maximumPaths}`);
    }
    return o;
  }

  /** Prefixes with at least one path. */
  get size(): number { return this.table.size; }
  /** Candidate paths over all prefixes. */
  get pathCount(): number { return this.paths; }
  /** How many prefix decisions have run so far (each touched prefix once per batch). */
  get decisions(): number { return this.decided; }

  get(key: string): RouteState | undefined { return this.table.get(key)?.state; }
  candidates(key: string): readonly Path[] { return this.table.get(key)?.candidates ?? []; }

  *routes(): IterableIterator<{ readonly key: string; readonly prefix: Prefix } & RouteState> {
    for (const e of this.table.values()) if (e.state) yield { key: e.key, prefix: e.prefix, ...e.state };
  }

  /** Apply many path changes, then decide each touched prefix once. */
  applyBatch(changes: readonly PathChange[]): RouteChange[] {
    const touched = new Map<Entry, RouteState | undefined>();
    for (const c of changes) {
      if (c.kind === 'add') this.put(c.path, touched);
      else this.drop(c.key, c.peer, c.pathId, touched, () => true);
    }
    return this.decide(touched);
  }

  add(path: Path): RouteChange[] { return this.applyBatch([{ kind: 'add', path }]); }

  remove(key: string, peer: string, pathId = 0): RouteChange[] {
    return this.applyBatch([{ kind: 'remove', key, peer, pathId }]);
  }

  /** The session with `peer` is gone for good: drop all its paths. */
  removePeer(peer: string): RouteChange[] { return this.dropPeer(peer, () => true); }

  /** RFC 4724 4.2: the peer restarted; keep its paths, marked stale (they rank as before: see decision.ts). */
  markStale(peer: string): RouteChange[] {
    const touched = new Map<Entry, RouteState | undefined>();
    for (const e of this.peerEntries(peer)) {
      let changed = false;
      for (let i = 0; i < e.candidates.length; i++) {
        const p = e.candidates[i]!;
        if (p.source.address !== peer || p.stale) continue;
        e.candidates[i] = withStale(p, true);
        changed = true;
      }
      if (changed) touched.set(e, e.state);
    }
    return this.decide(touched);
  }

  /** RFC 4724 4.2: End-of-RIB or the stale timer: drop the peer's paths that were not refreshed. */
  sweepStale(peer: string): RouteChange[] { return this.dropPeer(peer, (p) => p.stale); }

  /** New decision options (configuration reload): decide every prefix again. */
  reconfigure(options: Partial<MultipathOptions>): RouteChange[] {
    this.options = LocRib.check({ ...this.options, ...options });
    const touched = new Map<Entry, RouteState | undefined>();
    for (const e of this.table.values()) touched.set(e, e.state);
    return this.decide(touched);
  }

  private dropPeer(peer: string, which: (p: Path) => boolean): RouteChange[] {
    const touched = new Map<Entry, RouteState | undefined>();
    for (const e of [...this.peerEntries(peer)]) this.drop(e.key, peer, undefined, touched, which);
    return this.decide(touched);
  }

  /** The entries `peer` has paths in, each once (the index compacted on the way). */
  private peerEntries(peer: string): readonly Entry[] {
    const idx = this.byPeer.get(peer);
    if (!idx) return [];
    const seen = new Set<Entry>();
    idx.entries = idx.entries.filter((e) => {
      if (seen.has(e) || this.table.get(e.key) !== e || !e.candidates.some((p) => p.source.address === peer)) return false;
      seen.add(e);
      return true;
    });
    return idx.entries;
  }

  private put(path: Path, touched: Map<Entry, RouteState | undefined>): void {
    if (path.prefix.family !== this.family) {
      throw new LocRibError(`${path.key} is IPv${path.prefix.family}, this Loc-RIB holds IPv${this.family}`);
    }
    const peer = path.source.address;
    let e = this.table.get(path.key);
    let peerHad = false;
    if (!e) {
      e = { prefix: path.prefix, key: path.key, candidates: [path], state: undefined };
      this.table.set(path.key, e);
      touched.set(e, undefined);
      this.paths++;
    } else {
      if (!touched.has(e)) touched.set(e, e.state);
      const c = e.candidates;
      let i = -1;
      for (let k = 0; k < c.length; k++) {
        if (c[k]!.source.address !== peer) continue;
        peerHad = true;
        if (c[k]!.pathId === path.pathId) { i = k; break; }
      }
      if (i >= 0) c[i] = path;
      else {
        // exactly one longer: a spread or push leaves spare slots in every prefix's array
        const longer = new Array<Path>(c.length + 1);
        for (let k = 0; k < c.length; k++) longer[k] = c[k]!;
        longer[c.length] = path;
        e.candidates = longer;
        this.paths++;
      }
    }
    if (peerHad) return;
    let idx = this.byPeer.get(peer);
    if (!idx) this.byPeer.set(peer, (idx = { entries: [], count: 0 }));
    idx.entries.push(e);
    idx.count++;
    if (idx.entries.length > 2 * idx.count + 64) this.peerEntries(peer);
  }

  /** Remove the peer's paths for `key` (one path id, or every one that `which` selects). */
  private drop(key: string, peer: string, pathId: number | undefined, touched: Map<Entry, RouteState | undefined>, which: (p: Path) => boolean): void {
    const e = this.table.get(key);
    if (!e) return;
    const before = e.candidates.length;
    let peerLeft = false;
    for (let i = e.candidates.length - 1; i >= 0; i--) {
      const p = e.candidates[i]!;
      if (p.source.address !== peer) continue;
      if ((pathId === undefined || p.pathId === pathId) && which(p)) e.candidates.splice(i, 1);
      else peerLeft = true;
    }
    if (e.candidates.length === before) return;
    this.paths -= before - e.candidates.length;
    if (!touched.has(e)) touched.set(e, e.state);
    if (!peerLeft) {
      const idx = this.byPeer.get(peer)!;
      if (--idx.count === 0) this.byPeer.delete(peer);
    }
  }

  private decide(touched: Map<Entry, RouteState | undefined>): RouteChange[] {
    const out: RouteChange[] = [];
    this.decided += touched.size;
    for (const [e, old] of touched) {
      const tied = allTieToIgpCost(e.candidates, this.options);
      const d = selectBest(e.candidates, this.options, tied);
      if (!d) {
        this.table.delete(e.key);
        e.state = undefined;
        if (old) out.push({ key: e.key, prefix: e.prefix, best: undefined, multipath: [], reason: 'withdrawn', old });
        continue;
      }
      const nexthops = multipathNexthops(d.best, e.candidates, this.options, tied, this.nexthopSets);
      e.state = { best: d.best, multipath: nexthops, reason: d.step };
      if (old && old.best === d.best && sameNexthops(old.multipath, nexthops)) continue;
      out.push({ key: e.key, prefix: e.prefix, best: d.best, multipath: nexthops, reason: d.step, old });
    }
    return out;
  }
}
