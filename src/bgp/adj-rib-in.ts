/**
 * Adj-RIB-In (RFC 4271 3.2): the routes one peer advertised to us, unprocessed by policy, keyed by
 * prefix and ADD-PATH path identifier (RFC 7911). It turns each UPDATE into a list of route changes,
 * and supports graceful restart (RFC 4724 4.2): mark everything stale, refresh what is re-advertised,
 * sweep what stayed stale. The prefixes and their keys are shared between the peers' Adj-RIBs-In
 * (PrefixPool): when every node announces the same service addresses, a prefix is held once, not once per node.
 */
import { formatPrefix, type Prefix } from '../lib/address.js';
import type { Nlri, PathAttributes, UpdateMessage } from '../wire/bgp/types.js';

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
  stale: boolean;
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

  constructor(private readonly pool: PrefixPool = PREFIXES) {
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

  private announce(n: Nlri, attributes: PathAttributes, nextHop: string, linkLocal: string | undefined, now: number, out: RibInChange[]): void {
    const pathId = n.pathId ?? 0;
    const decodedKey = formatPrefix(n.prefix);
    const slot = entryKey(decodedKey, pathId);
    // a replaced route keeps its shared prefix; a new one takes the pool's
    const shared = this.routes.get(slot) ?? this.pool.acquire(decodedKey, n.prefix);
    const { prefix, key } = shared;
    const entry: RibInEntry = linkLocal === undefined
      ? { prefix, key, pathId, attributes, nextHop, receivedAt: now, stale: false }
      : { prefix, key, pathId, attributes, nextHop, linkLocalNextHop: linkLocal, receivedAt: now, stale: false };
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
    if (update.nlri.length > 0) {
      // the NEXT_HOP attribute is mandatory with IPv4 NLRI; the decoder has checked it is there
      const shared = stripMp(a);
      for (const n of update.nlri) this.announce(n, shared, a.nextHop ?? '0.0.0.0', undefined, now, out);
    }
    if (a.mpReach && a.mpReach.nlri.length > 0) {
      const shared = stripMp(a);
      for (const n of a.mpReach.nlri) this.announce(n, shared, a.mpReach.nextHop, a.mpReach.linkLocalNextHop, now, out);
    }
    return out;
  }

  /** RFC 4724 4.2: the peer restarted; keep its routes but mark them stale. */
  markStale(): number {
    for (const e of this.routes.values()) e.stale = true;
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
