/**
 * Adj-RIB-In (RFC 4271 3.2): the routes one peer advertised to us, unprocessed by policy, keyed by
 * prefix and ADD-PATH path identifier (RFC 7911). It turns each UPDATE into a list of route changes,
 * and supports graceful restart (RFC 4724 4.2): mark everything stale, refresh what is re-advertised,
 * sweep what stayed stale.
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

export class AdjRibIn {
  private readonly routes = new Map<string, RibInEntry>();

  get size(): number { return this.routes.size; }

  entries(): IterableIterator<RibInEntry> { return this.routes.values(); }

  get(key: string, pathId = 0): RibInEntry | undefined { return this.routes.get(entryKey(key, pathId)); }

  private withdraw(n: Nlri, out: RibInChange[]): void {
    const key = formatPrefix(n.prefix);
    const pathId = n.pathId ?? 0;
    if (this.routes.delete(entryKey(key, pathId))) out.push({ key, prefix: n.prefix, pathId, entry: undefined });
  }

  private announce(n: Nlri, attributes: PathAttributes, nextHop: string, linkLocal: string | undefined, now: number, out: RibInChange[]): void {
    const key = formatPrefix(n.prefix);
    const pathId = n.pathId ?? 0;
    const entry: RibInEntry = {
      prefix: n.prefix, key, pathId, attributes, nextHop, receivedAt: now, stale: false,
      ...(linkLocal === undefined ? {} : { linkLocalNextHop: linkLocal }),
    };
    this.routes.set(entryKey(key, pathId), entry);
    out.push({ key, prefix: n.prefix, pathId, entry });
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
