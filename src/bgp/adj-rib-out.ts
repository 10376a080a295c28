/**
 * Adj-RIB-Out (RFC 4271 3.2): what we have told one peer, and what we still have to tell it.
 * Changes are queued per prefix (the last one wins, so a flapping route costs one message when the
 * socket is slow: back-pressure turns into coalescing, never into unbounded buffering of messages).
 * `drain()` groups pending announcements by shared attributes and next hop, so that the session packs
 * them into as few UPDATEs as the maximum message size allows.
 */
import type { Prefix } from '../lib/address.js';
import type { PathAttributes } from '../wire/bgp/types.js';
import type { ExportedRoute } from './export.js';

/** Prefixes of one family that share attributes and next hop: one or more UPDATEs on the wire. */
export interface AnnounceGroup {
  readonly family: 4 | 6;
  readonly attributes: PathAttributes;
  readonly nextHop: string;
  readonly prefixes: Prefix[];
}

export interface WithdrawGroup {
  readonly family: 4 | 6;
  readonly prefixes: Prefix[];
}

export interface Drained {
  readonly withdraw: WithdrawGroup[];
  readonly announce: AnnounceGroup[];
}

export class AdjRibOut {
  private readonly sent = new Map<string, ExportedRoute>();
  /** Pending: the route to announce, or null to withdraw. */
  private readonly pending = new Map<string, ExportedRoute | null>();
  private readonly pendingPrefix = new Map<string, Prefix>();

  get size(): number { return this.sent.size; }
  get pendingCount(): number { return this.pending.size; }

  routes(): IterableIterator<ExportedRoute> { return this.sent.values(); }

  /** The peer has (was sent) the route of `key`. */
  has(key: string): boolean { return this.sent.has(key); }

  /** Queue an announcement (or replacement) of one route. */
  announce(route: ExportedRoute): void {
    const prev = this.sent.get(route.key);
    if (prev && prev.attributes === route.attributes && prev.nextHop === route.nextHop) {
      this.pending.delete(route.key); // already what the peer has
      return;
    }
    this.pending.set(route.key, route);
  }

  /** Queue a withdrawal; nothing is queued when the peer never had the route. */
  withdraw(key: string, prefix: Prefix): void {
    if (!this.sent.has(key)) { this.pending.delete(key); return; }
    this.pending.set(key, null);
    this.pendingPrefix.set(key, prefix);
  }

  /** MetalLB style: make the peer's view equal to `routes` (announce what differs, withdraw the rest). */
  replaceAll(routes: Iterable<ExportedRoute>): void {
    const keep = new Set<string>();
    for (const r of routes) { keep.add(r.key); this.announce(r); }
    for (const [key, r] of this.sent) if (!keep.has(key)) this.withdraw(key, r.prefix);
    for (const key of [...this.pending.keys()]) {
      const p = this.pending.get(key);
      if (p && !keep.has(key)) this.pending.delete(key);
    }
  }

  /** The session went down: the peer has nothing from us any more. */
  reset(): void {
    this.sent.clear();
    this.pending.clear();
    this.pendingPrefix.clear();
  }

  /** Route refresh (RFC 2918): act as if nothing of `family` had been sent, so the next offers resend it. */
  forget(family: 4 | 6): void {
    for (const [key, r] of this.sent) if (r.prefix.family === family) this.sent.delete(key);
  }

  /** Take up to `limit` pending changes, grouped for packing, and record them as sent. */
  drain(limit = Number.POSITIVE_INFINITY): Drained {
    const withdraw = new Map<4 | 6, WithdrawGroup>();
    const announce = new Map<PathAttributes, Map<string, AnnounceGroup>>();
    const out: Drained = { withdraw: [], announce: [] };
    let n = 0;
    for (const [key, r] of this.pending) {
      if (n++ >= limit) break;
      this.pending.delete(key);
      if (r === null) {
        const prefix = this.pendingPrefix.get(key)!;
        this.pendingPrefix.delete(key);
        this.sent.delete(key);
        let g = withdraw.get(prefix.family);
        if (!g) { g = { family: prefix.family, prefixes: [] }; withdraw.set(prefix.family, g); out.withdraw.push(g); }
        g.prefixes.push(prefix);
        continue;
      }
      this.pendingPrefix.delete(key);
      this.sent.set(key, r);
      let byHop = announce.get(r.attributes);
      if (!byHop) { byHop = new Map(); announce.set(r.attributes, byHop); }
      const hopKey = `${r.prefix.family}|${r.nextHop}`;
      let g = byHop.get(hopKey);
      if (!g) {
        g = { family: r.prefix.family, attributes: r.attributes, nextHop: r.nextHop, prefixes: [] };
        byHop.set(hopKey, g);
        out.announce.push(g);
      }
      g.prefixes.push(r.prefix);
    }
    return out;
  }
}
