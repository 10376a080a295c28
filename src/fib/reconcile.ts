/**
 * Kernel state versus the FIB model (pure). adopt() takes what the kernel already has under our protocol at
 * startup into the model, so that a restart rewrites nothing that is still wanted: matching routes are
 * confirmed by the router's changes, others are swept, as are ours in another table or at another metric
 * (leftBehind). diff() compares a fresh dump with the model and
 * returns the requests that repair the kernel (after a lost notification, ENOBUFS, or someone deleting our
 * objects): missing or altered nexthops, groups and routes are rewritten, ours that the model lacks deleted.
 * Dumps may show RTA_NH_ID routes also in the expanded RTA_MULTIPATH form (nexthop_compat_mode=1).
 */
import { equalBytes, formatAddress, formatPrefix, type Prefix } from '../lib/address.js';
import { NEXTHOP_GRP_TYPE_MPATH, NEXTHOP_GRP_TYPE_RES, AF_INET, RTN_UNICAST } from '../wire/netlink/constants.js';
import type { NexthopMessage } from '../wire/netlink/nexthop.js';
import type { RouteMessage, RouteNexthop } from '../wire/netlink/route.js';
import type { KernelRequest, ResilientConfig, RouteSettings } from './kernel-request.js';
import { setKey, type FibModel, type GroupEntry, type GroupMember } from './model.js';

export interface KernelSnapshot {
  /** Every nexthop object in the namespace (ids used by others must not be taken). */
  readonly nexthops: readonly NexthopMessage[];
  /** Routes of our protocol (a dump filtered by protocol, and by table except at startup; re-checked here). */
  readonly routes: readonly RouteMessage[];
}

/** Is this kernel route one of ours (protocol, table, metric, unicast)? */
export function isOurRoute(r: RouteMessage, s: RouteSettings): boolean {
  return r.protocol === s.protocol && r.table === s.table && (r.priority ?? 0) === s.metric && r.type === RTN_UNICAST && r.dst !== undefined;
}

/**
 * Routes of our protocol outside the configured table and metric: left by a run whose `fib.table` or
 * `fib.metric` differed. Nothing confirms them; the sweep deletes them, where they are.
 */
export function leftBehind(snap: KernelSnapshot, s: RouteSettings): KernelRequest[] {
  const out: KernelRequest[] = [];
  for (const r of snap.routes) {
    if (r.protocol !== s.protocol || r.type !== RTN_UNICAST || isOurRoute(r, s)) continue;
    out.push({ kind: 'delete-route', prefix: routePrefix(r), table: r.table, metric: r.priority ?? 0 });
  }
  return out;
}

export function routePrefix(r: RouteMessage): Prefix {
  const size = r.family === AF_INET ? 4 : 16;
  return { family: size === 4 ? 4 : 6, addr: r.dst ?? new Uint8Array(size), len: r.dstLen };
}

/** Take the kernel's objects of our protocol into the model; returns ids of ours that the model cannot use
 * (to delete once no route needs them: after the sweep). */
export function adopt(model: FibModel, snap: KernelSnapshot, s: RouteSettings): number[] {
  const orphans: number[] = [];
  const ours = snap.nexthops.filter((n) => n.id !== undefined && n.protocol === s.protocol);
  for (const n of snap.nexthops) if (n.id !== undefined) model.ids.take(n.id);
  for (const n of ours) {
    if (n.gateway && n.oif && !n.group) model.adoptNexthop(n.id!, formatAddress(n.gateway), n.gateway, n.oif);
    else if (!n.group) orphans.push(n.id!);
  }
  for (const n of ours) {
    if (!n.group) continue;
    const members = n.group.map((m) => ({ nh: model.nexthops.get(m.id), weight: m.weight }));
    if (members.every((m): m is GroupMember => m.nh !== undefined) && groupTypeMatches(n, model.resilient)) model.adoptGroup(n.id!, members);
    else orphans.push(n.id!);
  }
  for (const r of snap.routes) {
    if (!isOurRoute(r, s)) continue;
    const prefix = routePrefix(r);
    const group = model.mode === 'objects' ? (r.nhId !== undefined ? model.groups.get(r.nhId) : undefined) : virtualGroup(model, r);
    model.adoptRoute(formatPrefix(prefix), prefix, group);
  }
  return orphans;
}

/** Multipath mode: the group a route's inline paths form (created in the model only). */
function virtualGroup(model: FibModel, r: RouteMessage): GroupEntry | undefined {
  const paths = routePaths(r);
  if (paths.length === 0) return undefined;
  const hops = paths.map((p) => ({ address: formatAddress(p.gateway!), weight: p.weight }));
  const existing = model.groupByKey.get(setKey(hops));
  if (existing) return existing;
  const members = paths.map((p, i) => ({
    nh: model.nexthopByAddress.get(hops[i]!.address) ?? model.adoptNexthop(model.ids.next(), hops[i]!.address, p.gateway!, p.oif),
    weight: p.weight,
  }));
  return model.adoptGroup(model.ids.next(), members);
}

function routePaths(r: RouteMessage): RouteNexthop[] {
  const paths = r.multipath ?? (r.gateway ? [{ gateway: r.gateway, oif: r.oif ?? 0, weight: 1, flags: 0 }] : []);
  return paths.filter((p) => p.gateway !== undefined);
}

function groupTypeMatches(n: NexthopMessage, want: ResilientConfig | undefined): boolean {
  const type = n.groupType ?? NEXTHOP_GRP_TYPE_MPATH;
  if (!want) return type === NEXTHOP_GRP_TYPE_MPATH;
  return type === NEXTHOP_GRP_TYPE_RES && n.resilient?.buckets === want.buckets
    && n.resilient.idleTimer === Math.round(want.idleTimerSeconds * 100)
    && n.resilient.unbalancedTimer === Math.round(want.unbalancedTimerSeconds * 100);
}

function sameMembers(n: NexthopMessage, g: GroupEntry): boolean {
  const a = (n.group ?? []).map((m) => `${m.id}*${m.weight}`).sort().join(',');
  const b = g.members.map((m) => `${m.nh.id}*${m.weight}`).sort().join(',');
  return a === b;
}

/** The requests that make the kernel match the model. */
export function diff(model: FibModel, snap: KernelSnapshot, s: RouteSettings): KernelRequest[] {
  const objects = model.mode === 'objects';
  const kernelNh = new Map(snap.nexthops.filter((n) => n.id !== undefined).map((n) => [n.id!, n]));
  const kernelRoutes = new Map<string, RouteMessage>();
  for (const r of snap.routes) if (isOurRoute(r, s)) kernelRoutes.set(formatPrefix(routePrefix(r)), r);
  const out: KernelRequest[] = [];
  const deletes: KernelRequest[] = [];
  if (objects) {
    for (const nh of model.nexthops.values()) {
      const k = kernelNh.get(nh.id);
      if (!k || k.protocol !== s.protocol || k.oif !== nh.oif || !k.gateway || !equalBytes(k.gateway, nh.gateway)) out.push(model.nexthopRequest(nh, k !== undefined));
    }
    for (const g of model.groups.values()) {
      const k = kernelNh.get(g.id);
      if (!k || k.protocol !== s.protocol || !sameMembers(k, g) || !groupTypeMatches(k, model.resilient)) out.push(model.groupRequest(g, k !== undefined));
    }
  }
  for (const r of model.routes.values()) {
    if (!r.group) continue;
    const k = kernelRoutes.get(r.key);
    const same = k && (objects ? k.nhId === r.group.id
      : setKey(routePaths(k).map((p) => ({ address: formatAddress(p.gateway!), weight: p.weight }))) === r.group.key);
    if (!same) out.push(model.routeRequest(r)!);
  }
  for (const [key, k] of kernelRoutes) if (!model.routes.has(key)) out.push({ kind: 'delete-route', prefix: routePrefix(k) });
  if (objects) {
    const stray = snap.nexthops.filter((n) => n.protocol === s.protocol && n.id !== undefined && !model.nexthops.has(n.id) && !model.groups.has(n.id));
    for (const n of stray) if (n.group) deletes.push({ kind: 'delete-nexthop', id: n.id! });
    for (const n of stray) if (!n.group) deletes.push({ kind: 'delete-nexthop', id: n.id! });
  }
  return [...out, ...deletes];
}
