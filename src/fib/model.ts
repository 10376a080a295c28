/**
 * The FIB's desired state and planner (pure, no I/O): one kernel nexthop object per next-hop address, one
 * group per distinct weighted set of next hops, shared by every route with that set and deleted when no
 * route uses it; routes point at their group. A batch of route changes becomes kernel requests in a safe
 * order (nexthops, groups, routes, group rewrites, route deletes, group deletes, nexthop deletes). When most
 * routes of a group move to one new set that no group has yet (a next hop died or came back), the group is
 * rewritten in place: one RTM_NEWNEXTHOP moves all of them. So is it when a group has the set already but
 * BULK_MOVE routes or more move (a table arriving over several batches: its first routes made that group);
 * two groups with one set then live side by side. In multipath mode (no nexthop objects in the
 * kernel) groups exist only here and every route is written with its paths inline.
 */
import type { Prefix } from '../lib/address.js';
import type { Nexthop } from '../lib/nexthop.js';
import type { KernelRequest, ResilientConfig } from './kernel-request.js';


/** A parsed change: `hops` undefined (or empty) deletes the route. */
export interface DesiredChange {
  readonly key: string;
  readonly prefix: Prefix;
  readonly hops?: readonly Nexthop[];
}

export interface NexthopEntry {
  readonly id: number;
  readonly address: string;
  readonly gateway: Uint8Array;
  readonly oif: number;
  /** Group memberships referring to it. */
  refs: number;
}

export interface GroupMember { readonly nh: NexthopEntry; readonly weight: number }

export interface GroupEntry {
  readonly id: number;
  key: string;
  members: GroupMember[];
  readonly routes: Set<RouteEntry>;
}

export interface RouteEntry {
  readonly key: string;
  readonly prefix: Prefix;
  /** Undefined for a route adopted from the kernel in a form we do not manage (it is rewritten or swept). */
  group: GroupEntry | undefined;
  /** Adopted at startup and not yet confirmed by a change: sweep() deletes it. */
  stale: boolean;
}

export type FibMode = 'objects' | 'multipath';

/** Nexthop ids: start at `base`, skip ids anyone uses (learned from a dump). */
export class IdAllocator {
  private readonly used = new Set<number>();
  private cursor: number;
  constructor(private readonly base: number) { this.cursor = base; }
  take(id: number): void { this.used.add(id); }
  release(id: number): void { this.used.delete(id); }
  next(): number {
    for (let i = 0; i < 0x7fffffff; i++) {
      if (this.cursor >= 0x7fffffff) this.cursor = this.base;
      const id = this.cursor++;
      if (!this.used.has(id)) { this.used.add(id); return id; }
    }
    throw new Error('no free nexthop id');
  }
}

/** Routes moving from one group to an existing group's set, at least, to rewrite their group in place instead. */
const BULK_MOVE = 64;

const setKeys = new WeakMap<readonly Nexthop[], string>();

/** The identity of a weighted next-hop set (order-insensitive); cached per array, which callers share. */
export function setKey(hops: readonly Nexthop[]): string {
  let key = setKeys.get(hops);
  if (key === undefined) setKeys.set(hops, key = hops.map((h) => `${h.address}*${h.weight}`).sort().join(','));
  return key;
}

/** What one plan changed, kept apart until the end so requests come out in a safe order. */
class Plan {
  readonly newNexthops: NexthopEntry[] = [];
  readonly newGroups: GroupEntry[] = [];
  readonly setRoutes = new Set<RouteEntry>();
  readonly rewrittenGroups: GroupEntry[] = [];
  readonly deletedRoutes: Prefix[] = [];
  readonly touchedGroups = new Set<GroupEntry>();
  readonly released = new Set<NexthopEntry>();
}

export class FibModel {
  readonly nexthops = new Map<number, NexthopEntry>();
  readonly nexthopByAddress = new Map<string, NexthopEntry>();
  readonly groups = new Map<number, GroupEntry>();
  readonly groupByKey = new Map<string, GroupEntry>();
  readonly routes = new Map<string, RouteEntry>();

  constructor(readonly ids: IdAllocator, readonly mode: FibMode, readonly resilient?: ResilientConfig) {}

  /** Addresses the changes need that have no nexthop yet (their output interface must be resolved). */
  unknownAddresses(changes: Iterable<DesiredChange>): Set<string> {
    const out = new Set<string>();
    for (const c of changes) for (const h of c.hops ?? []) if (!this.nexthopByAddress.has(h.address)) out.add(h.address);
    return out;
  }

  /** Apply changes to the model; returns the kernel requests that make the kernel match. `resolved` gives
   * gateway bytes and output interface of every address unknownAddresses() returned. */
  plan(changes: Iterable<DesiredChange>, resolved: ReadonlyMap<string, { gateway: Uint8Array; oif: number }>): KernelRequest[] {
    const p = new Plan();
    const moves = new Map<GroupEntry, Map<string, { hops: readonly Nexthop[]; routes: RouteEntry[] }>>();
    const transitions: { r: RouteEntry; key: string; hops: readonly Nexthop[] }[] = [];
    for (const c of changes) {
      const r = this.routes.get(c.key);
      if (!c.hops || c.hops.length === 0) {
        if (r) this.deleteRoute(r, p);
        continue;
      }
      const key = setKey(c.hops);
      if (!r) {
        const fresh: RouteEntry = { key: c.key, prefix: c.prefix, group: undefined, stale: false };
        this.routes.set(c.key, fresh);
        transitions.push({ r: fresh, key, hops: c.hops });
      } else if (r.group?.key === key) {
        r.stale = false;
      } else if (r.group) {
        r.stale = false;
        let byKey = moves.get(r.group);
        if (!byKey) moves.set(r.group, byKey = new Map());
        let m = byKey.get(key);
        if (!m) byKey.set(key, m = { hops: c.hops, routes: [] });
        m.routes.push(r);
      } else {
        r.stale = false;
        transitions.push({ r, key, hops: c.hops });
      }
    }
    const rewrites: { g: GroupEntry; hops: readonly Nexthop[] }[] = [];
    for (const [g, byKey] of moves) {
      let best: { key: string; hops: readonly Nexthop[]; routes: RouteEntry[] } | undefined;
      for (const [key, m] of byKey) if (!best || m.routes.length > best.routes.length) best = { key, ...m };
      // a group for the new set may exist already (the first routes of a bulk move came in an earlier batch):
      // a bulk move rewrites in place all the same, one request instead of one per route, and the two groups
      // with one set live on side by side
      const fresh = !this.groupByKey.has(best?.key ?? '');
      if (best && best.routes.length * 2 > g.routes.size && (fresh ? this.groupByKey.get(g.key) === g : best.routes.length >= BULK_MOVE)) {
        // rewrite g in place; its unchanged routes keep the old set by moving to the group that has it (a new one
        // when g was that group)
        const oldKey = g.key;
        const oldHops = g.members.map((m) => ({ address: m.nh.address, weight: m.weight }));
        const changed = new Set([...byKey.values()].flatMap((m) => m.routes));
        if (this.groupByKey.get(oldKey) === g) this.groupByKey.delete(oldKey);
        if (fresh) this.groupByKey.set(best.key, g);
        g.key = best.key;
        rewrites.push({ g, hops: best.hops });
        for (const r of g.routes) if (!changed.has(r)) transitions.push({ r, key: oldKey, hops: oldHops });
        for (const [key, m] of byKey) if (key !== best.key) for (const r of m.routes) transitions.push({ r, key, hops: m.hops });
      } else {
        for (const [key, m] of byKey) for (const r of m.routes) transitions.push({ r, key, hops: m.hops });
      }
    }
    for (const t of transitions) {
      const target = this.groupFor(t.key, t.hops, resolved, p);
      if (t.r.group === target) continue;
      this.detach(t.r, p);
      t.r.group = target;
      target.routes.add(t.r);
      p.setRoutes.add(t.r);
    }
    for (const { g, hops } of rewrites) {
      const old = g.members;
      g.members = hops.map((h) => this.member(h, resolved, p));
      for (const m of old) this.unref(m.nh, p);
      p.rewrittenGroups.push(g);
    }
    return this.emit(p);
  }

  /** Take a next hop out of every group holding it, in place (a fast failover before the route changes
   * arrive: those then find their routes already on the right set). Groups it is the only member of are left
   * for the route changes to delete. */
  withdraw(address: string): KernelRequest[] {
    const nh = this.nexthopByAddress.get(address);
    const p = new Plan();
    if (!nh) return [];
    for (const g of this.groups.values()) {
      const rest = g.members.filter((m) => m.nh !== nh);
      if (rest.length === g.members.length || rest.length === 0) continue;
      if (this.groupByKey.get(g.key) === g) this.groupByKey.delete(g.key);
      g.members = rest;
      g.key = setKey(rest.map((m) => ({ address: m.nh.address, weight: m.weight })));
      if (!this.groupByKey.has(g.key)) this.groupByKey.set(g.key, g);
      this.unref(nh, p);
      p.rewrittenGroups.push(g);
    }
    return this.emit(p);
  }

  /** Delete every adopted route that no change confirmed, and every group and nexthop nothing uses. */
  sweep(): KernelRequest[] {
    const p = new Plan();
    for (const r of [...this.routes.values()]) if (r.stale) this.deleteRoute(r, p);
    for (const g of this.groups.values()) p.touchedGroups.add(g);
    return this.emit(p, true);
  }

  /** The kernel request that writes route r as the model has it. */
  routeRequest(r: RouteEntry): KernelRequest | undefined {
    const g = r.group;
    if (!g) return undefined;
    if (this.mode === 'objects') return { kind: 'route', prefix: r.prefix, nhId: g.id };
    return { kind: 'multipath-route', prefix: r.prefix, paths: g.members.map((m) => ({ gateway: m.nh.gateway, oif: m.nh.oif, weight: m.weight, flags: 0 })) };
  }

  nexthopRequest(nh: NexthopEntry, replace: boolean): KernelRequest {
    return { kind: 'nexthop', id: nh.id, gateway: nh.gateway, oif: nh.oif, replace };
  }

  groupRequest(g: GroupEntry, replace: boolean): KernelRequest {
    return {
      kind: 'group', id: g.id, members: g.members.map((m) => ({ id: m.nh.id, weight: m.weight })), replace,
      ...(this.resilient ? { resilient: this.resilient } : {}),
    };
  }

  // ---- adoption of kernel state at startup (see reconcile.ts)

  adoptNexthop(id: number, address: string, gateway: Uint8Array, oif: number): NexthopEntry {
    const nh: NexthopEntry = { id, address, gateway, oif, refs: 0 };
    this.nexthops.set(id, nh);
    if (!this.nexthopByAddress.has(address)) this.nexthopByAddress.set(address, nh);
    return nh;
  }

  adoptGroup(id: number, members: GroupMember[]): GroupEntry {
    const key = setKey(members.map((m) => ({ address: m.nh.address, weight: m.weight })));
    const g: GroupEntry = { id, key, members, routes: new Set() };
    for (const m of members) m.nh.refs++;
    this.groups.set(id, g);
    if (!this.groupByKey.has(key)) this.groupByKey.set(key, g);
    return g;
  }

  adoptRoute(key: string, prefix: Prefix, group: GroupEntry | undefined): void {
    const r: RouteEntry = { key, prefix, group, stale: true };
    this.routes.set(key, r);
    group?.routes.add(r);
  }

  // ---- internals

  private groupFor(key: string, hops: readonly Nexthop[], resolved: ReadonlyMap<string, { gateway: Uint8Array; oif: number }>, p: Plan): GroupEntry {
    const existing = this.groupByKey.get(key);
    if (existing) return existing;
    const g: GroupEntry = { id: this.ids.next(), key, members: hops.map((h) => this.member(h, resolved, p)), routes: new Set() };
    this.groups.set(g.id, g);
    this.groupByKey.set(key, g);
    p.newGroups.push(g);
    return g;
  }

  private member(h: Nexthop, resolved: ReadonlyMap<string, { gateway: Uint8Array; oif: number }>, p: Plan): GroupMember {
    let nh = this.nexthopByAddress.get(h.address);
    if (!nh) {
      const r = resolved.get(h.address);
      if (!r) throw new Error(`next hop ${h.address} was not resolved`);
      nh = { id: this.ids.next(), address: h.address, gateway: r.gateway, oif: r.oif, refs: 0 };
      this.nexthops.set(nh.id, nh);
      this.nexthopByAddress.set(h.address, nh);
      p.newNexthops.push(nh);
    }
    nh.refs++;
    return { nh, weight: h.weight };
  }

  private deleteRoute(r: RouteEntry, p: Plan): void {
    this.routes.delete(r.key);
    this.detach(r, p);
    p.setRoutes.delete(r);
    p.deletedRoutes.push(r.prefix);
  }

  private detach(r: RouteEntry, p: Plan): void {
    if (!r.group) return;
    r.group.routes.delete(r);
    p.touchedGroups.add(r.group);
    r.group = undefined;
  }

  private unref(nh: NexthopEntry, p: Plan): void {
    nh.refs--;
    p.released.add(nh);
  }

  private emit(p: Plan, sweeping = false): KernelRequest[] {
    const out: KernelRequest[] = [];
    const objects = this.mode === 'objects';
    if (objects) {
      for (const nh of p.newNexthops) out.push(this.nexthopRequest(nh, false));
      for (const g of p.newGroups) out.push(this.groupRequest(g, false));
    }
    for (const r of p.setRoutes) out.push(this.routeRequest(r)!);
    for (const g of p.rewrittenGroups) {
      if (objects) out.push(this.groupRequest(g, true));
      else for (const r of g.routes) if (!p.setRoutes.has(r)) out.push(this.routeRequest(r)!);
    }
    for (const prefix of p.deletedRoutes) out.push({ kind: 'delete-route', prefix });
    const deadNexthops: NexthopEntry[] = [];
    for (const g of p.touchedGroups) {
      if (g.routes.size > 0) continue;
      this.groups.delete(g.id);
      if (this.groupByKey.get(g.key) === g) this.groupByKey.delete(g.key);
      this.ids.release(g.id);
      if (objects) out.push({ kind: 'delete-nexthop', id: g.id });
      for (const m of g.members) this.unref(m.nh, p);
    }
    for (const nh of sweeping ? this.nexthops.values() : p.released) if (nh.refs <= 0 && this.nexthops.get(nh.id) === nh) deadNexthops.push(nh);
    for (const nh of deadNexthops) {
      this.nexthops.delete(nh.id);
      if (this.nexthopByAddress.get(nh.address) === nh) this.nexthopByAddress.delete(nh.address);
      this.ids.release(nh.id);
      if (objects) out.push({ kind: 'delete-nexthop', id: nh.id });
    }
    return out;
  }
}
