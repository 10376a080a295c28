/**
 * Adj-RIB-In (RFC 4271 3.2): the routes one peer advertised to us, unprocessed by policy, keyed by
 * prefix and ADD-PATH path identifier (RFC 7911). It turns each UPDATE into a list of route changes,
 * and supports graceful restart (RFC 4724 4.2): mark everything stale, refresh what is re-advertised,
 * sweep what stayed stale. The prefixes and their keys are shared between the peers' Adj-RIBs-In
 * (PrefixPool): when every node announces the same service addresses, a prefix is held once, not once per node.
 * Given the peer as a path source, each entry is also a complete Loc-RIB candidate (rib/path.ts Path), which
 * import takes as it is when policy leaves the route alone: one object per route, not two. Entries are never
 * changed in place (marking stale makes copies), since the Loc-RIB may hold them.
 */
import { formatPrefix, type Prefix } from '../lib/address.js';
import type { Nlri, PathAttributes, UpdateMessage } from '../wire/bgp/types.js';
import { WellKnownCommunity } from '../wire/bgp/types.js';
import type { Path, PathSource } from './rib/path.js';

export interface RibInEntry {
  readonly prefix: Prefix;
  /** formatPrefix(prefix): the key everything else in the speaker uses. */
  readonly key: string;
  readonly pathId: number;
  /** Shared by every prefix of the UPDATE that carried it: compare by identity to group. */
  readonly attributes: PathAttributes;
  /** Next hop of this route: NEXT_HOP for IPv4, MP_REACH's global next hop otherwise. */
  readonly nextHop: string;
  readonly linkLocalNextHop?: string;
  readonly receivedAt: number;
  /** RFC 4724 4.2: kept across the peer's restart, not yet re-advertised. */
  readonly stale: boolean;
  /** Set when the Adj-RIB-In has a path source: then the entry is a Path as well (see isPath). */
  readonly source?: PathSource;
  readonly igpCost?: number;
  readonly gracefulShutdown?: boolean;
}

/** Is the entry a complete Path (its Adj-RIB-In was given the peer as path source)? */
export function isPath(e: RibInEntry): e is RibInEntry & Path {
  return e.source !== undefined;
}

/** What the routes of one UPDATE share. */
interface Template {
  readonly attributes: PathAttributes;
  readonly nextHop: string;
  readonly linkLocal: string | undefined;
  readonly now: number;
  readonly source: PathSource | undefined;
  readonly gracefulShutdown: boolean;
}

/** One change an UPDATE made: the new entry, or undefined for a withdrawal. */
export interface RibInChange {
  readonly key: string;
  readonly prefix: Prefix;
  readonly pathId: number;
  readonly entry: RibInEntry | undefined;
}

/** A route's slot: the prefix key, plus the ADD-PATH path identifier when there is one. */
export function entryKey(key: string, pathId: number): string {
  return pathId === 0 ? key : `${key}#${pathId}`;
}

/** A prefix and its key as every Adj-RIB-In holding it shares them, with how many routes use them. */
interface Pooled { readonly prefix: Prefix; readonly key: string; refs: number }

/** Shared prefixes and keys, by key, counted: the last route using one releases it. */
export class PrefixPool {
  private readonly byKey = new Map<string, Pooled>();

  get size(): number { return this.byKey.size; }

  acquire(key: string, prefix: Prefix): Pooled {
    let p = this.byKey.get(key);
    if (!p) this.byKey.set(key, (p = { prefix, key, refs: 0 }));
    p.refs++;
    return p;
  }

  release(key: string): void {
    const p = this.byKey.get(key);
    if (p && --p.refs === 0) this.byKey.delete(key);
  }
}

/** The pool of the process's Adj-RIBs-In (a router's peers share it). */
const PREFIXES = new PrefixPool();

/** An Adj-RIB-In dropped without clear() (its peer object discarded) gives its prefixes back when collected. */
const dropped = new FinalizationRegistry<{ readonly pool: PrefixPool; readonly routes: Map<string, RibInEntry> }>(({ pool, routes }) => {
  for (const e of routes.values()) pool.release(e.key);
});

export class AdjRibIn {
  private readonly routes = new Map<string, RibInEntry>();

  /** `source`: the peer as Loc-RIB paths name it, asked once per UPDATE (undefined: entries are not Paths). */
  constructor(private readonly pool: PrefixPool = PREFIXES, private readonly source?: () => PathSource) {
    dropped.register(this, { pool, routes: this.routes });
  }

  get size(): number { return this.routes.size; }

  entries(): IterableIterator<RibInEntry> { return this.routes.values(); }

  get(key: string, pathId = 0): RibInEntry | undefined { return this.routes.get(entryKey(key, pathId)); }

  private withdraw(n: Nlri, out: RibInChange[]): void {
    const slot = entryKey(formatPrefix(n.prefix), n.pathId ?? 0);
    const e = this.routes.get(slot);
    if (!e) return;
    this.routes.delete(slot);
    this.pool.release(e.key);
    out.push({ key: e.key, prefix: e.prefix, pathId: e.pathId, entry: undefined });
  }

  private announce(n: Nlri, t: Template, out: RibInChange[]): void {
    const pathId = n.pathId ?? 0;
    const decodedKey = formatPrefix(n.prefix);
    const slot = entryKey(decodedKey, pathId);
    // a replaced route keeps its shared prefix; a new one takes the pool's
    const shared = this.routes.get(slot) ?? this.pool.acquire(decodedKey, n.prefix);
    const { prefix, key } = shared;
    const { attributes, nextHop, now, source } = t;
    // the fields in makePath's order (one object shape for the decision process)
    let entry: RibInEntry = source === undefined
      ? { prefix, key, pathId, attributes, nextHop, receivedAt: now, stale: false }
      : { prefix, key, pathId, source, attributes, nextHop, igpCost: 0, stale: false, gracefulShutdown: t.gracefulShutdown, receivedAt: now };
    if (t.linkLocal !== undefined) entry = { ...entry, linkLocalNextHop: t.linkLocal };
    this.routes.set(pathId === 0 ? key : slot, entry); // the shared key string, not this UPDATE's copy
    out.push({ key, prefix, pathId, entry });
  }

  /**
   * Apply one UPDATE (already turned by the decoder into what it means after RFC 7606 handling).
   * Withdrawals first, then announcements (RFC 4271 9: a prefix in both is an announcement).
   * RFC 7606 treat-as-withdraw needs nothing here: the decoder already moved such an UPDATE's prefixes
   * into its withdrawn routes.
   */
  apply(update: UpdateMessage, now: number): RibInChange[] {
    const out: RibInChange[] = [];
    const a = update.attributes;
    for (const n of update.withdrawn) this.withdraw(n, out);
    if (a.mpUnreach) for (const n of a.mpUnreach.withdrawn) this.withdraw(n, out);
    if (update.nlri.length === 0 && !(a.mpReach && a.mpReach.nlri.length > 0)) return out;
    const attributes = stripMp(a);
    const common = {
      attributes, now, source: this.source?.(),
      gracefulShutdown: attributes.communities?.includes(WellKnownCommunity.GRACEFUL_SHUTDOWN) ?? false,
    };
    if (update.nlri.length > 0) {
      // the NEXT_HOP attribute is mandatory with IPv4 NLRI; the decoder has checked it is there
      const t: Template = { ...common, nextHop: a.nextHop ?? '0.0.0.0', linkLocal: undefined };
      for (const n of update.nlri) this.announce(n, t, out);
    }
    if (a.mpReach && a.mpReach.nlri.length > 0) {
      const t: Template = { ...common, nextHop: a.mpReach.nextHop, linkLocal: a.mpReach.linkLocalNextHop };
      for (const n of a.mpReach.nlri) this.announce(n, t, out);
    }
    return out;
  }

  /** RFC 4724 4.2: the peer restarted; keep its routes but mark them stale (as copies: the Loc-RIB may hold
   * the entries as its paths, and decides about their staleness itself). */
  markStale(): number {
    for (const [k, e] of this.routes) if (!e.stale) this.routes.set(k, { ...e, stale: true });
    return this.routes.size;
  }

  /** RFC 4724 4.2: End-of-RIB (or the stale timer) arrived; remove what was not refreshed. */
  sweepStale(): RibInChange[] { return this.removeWhere((e) => e.stale); }

  /** The session went down for good (or a family was disabled): its routes are withdrawn. */
  clear(): RibInChange[] { return this.removeWhere(() => true); }

  clearFamily(family: 4 | 6): RibInChange[] { return this.removeWhere((e) => e.prefix.family === family); }

  private removeWhere(test: (e: RibInEntry) => boolean): RibInChange[] {
    const out: RibInChange[] = [];
    for (const [k, e] of this.routes) {
      if (!test(e)) continue;
      this.routes.delete(k);
      this.pool.release(e.key);
      out.push({ key: e.key, prefix: e.prefix, pathId: e.pathId, entry: undefined });
    }
    return out;
  }
}

/** The attributes without MP_REACH/MP_UNREACH, which describe the message, not the route. */
const stripped = new WeakMap<PathAttributes, PathAttributes>();
function stripMp(a: PathAttributes): PathAttributes {
  if (!a.mpReach && !a.mpUnreach) return a;
  let s = stripped.get(a);
  if (!s) {
    const { mpReach: _r, mpUnreach: _u, ...rest } = a;
    s = rest;
    stripped.set(a, s);
  }
  return s;
}
