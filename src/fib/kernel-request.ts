/**
 * The FIB's one typed request union: everything vipgate asks of the kernel's routing tables, and its encoding
 * as rtnetlink messages. The boundary is kept this narrow so it can later move into a privileged helper
 * process. Routes are always written with NLM_F_CREATE|NLM_F_REPLACE (an idempotent "make it so"); new
 * nexthop objects with NLM_F_EXCL so that an id owned by someone else is never overwritten.
 */
import { Writer } from '../lib/bytes.js';
import type { Prefix } from '../lib/address.js';
import {
  AF_INET, AF_INET6, NEXTHOP_GRP_TYPE_MPATH, NEXTHOP_GRP_TYPE_RES, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE,
  NLM_F_REQUEST, RT_SCOPE_NOWHERE, RT_SCOPE_UNIVERSE, RTM_DELNEXTHOP, RTM_DELROUTE, RTM_NEWNEXTHOP, RTM_NEWROUTE, RTN_UNICAST,
} from '../wire/netlink/constants.js';
import { encodeMessage } from '../wire/netlink/message.js';
import { encodeNexthop, type NexthopGroupMember } from '../wire/netlink/nexthop.js';
import { encodeRoute, type RouteMessage, type RouteNexthop } from '../wire/netlink/route.js';

/** Resilient group parameters (RTM_NEWNEXTHOP type resilient). */
export interface ResilientConfig {
  readonly buckets: number;
  readonly idleTimerSeconds: number;
  readonly unbalancedTimerSeconds: number;
}

export type KernelRequest =
  /** A gateway nexthop object; `replace` rewrites one we own, else it must not exist yet. */
  | { readonly kind: 'nexthop'; readonly id: number; readonly gateway: Uint8Array; readonly oif: number; readonly replace: boolean }
  /** A group of nexthop objects; replacing it moves every route that uses it at once. */
  | { readonly kind: 'group'; readonly id: number; readonly members: readonly NexthopGroupMember[]; readonly resilient?: ResilientConfig; readonly replace: boolean }
  /** Delete a nexthop object or group. */
  | { readonly kind: 'delete-nexthop'; readonly id: number }
  /** A route through a nexthop group (RTA_NH_ID). */
  | { readonly kind: 'route'; readonly prefix: Prefix; readonly nhId: number }
  /** A route with its paths inline (RTA_MULTIPATH), for kernels without nexthop objects. */
  | { readonly kind: 'multipath-route'; readonly prefix: Prefix; readonly paths: readonly RouteNexthop[] }
  /** Delete a route of ours; `table`/`metric` name another place than the configured one (left by an old configuration). */
  | { readonly kind: 'delete-route'; readonly prefix: Prefix; readonly table?: number; readonly metric?: number };

/** Where our routes live and how they are marked. */
export interface RouteSettings {
  readonly table: number;
  readonly protocol: number;
  readonly metric: number;
}

/** USER_HZ: the kernel reports and takes nexthop timers in clock_t units of 1/100 s. */
const USER_HZ = 100;

/** The rtnetlink messages for requests (sequence numbers 0: the channel assigns them), encoded into one
 * buffer with a view per message: one allocation for a whole batch. */
export function encodeKernelRequests(reqs: readonly KernelRequest[], s: RouteSettings): Uint8Array[] {
  const w = new Writer(64 * reqs.length + 64);
  const ends: number[] = [];
  for (const req of reqs) { encodeInto(w, req, s); ends.push(w.length); }
  const all = w.finish();
  return ends.map((end, i) => all.subarray(i === 0 ? 0 : ends[i - 1], end));
}

function encodeInto(w: Writer, req: KernelRequest, s: RouteSettings): void {
  const create = NLM_F_REQUEST | NLM_F_CREATE;
  switch (req.kind) {
    case 'nexthop':
      return encodeMessage(w, { type: RTM_NEWNEXTHOP, flags: create | (req.replace ? NLM_F_REPLACE : NLM_F_EXCL), seq: 0, pid: 0 }, (w) =>
        encodeNexthop(w, { family: familyOf(req.gateway), scope: 0, protocol: s.protocol, flags: 0, id: req.id, gateway: req.gateway, oif: req.oif }));
    case 'group':
      return encodeMessage(w, { type: RTM_NEWNEXTHOP, flags: create | (req.replace ? NLM_F_REPLACE : NLM_F_EXCL), seq: 0, pid: 0 }, (w) =>
        encodeNexthop(w, {
          family: 0, scope: 0, protocol: s.protocol, flags: 0, id: req.id, group: req.members,
          groupType: req.resilient ? NEXTHOP_GRP_TYPE_RES : NEXTHOP_GRP_TYPE_MPATH,
          ...(req.resilient ? { resilient: {
            buckets: req.resilient.buckets,
            idleTimer: Math.round(req.resilient.idleTimerSeconds * USER_HZ),
            unbalancedTimer: Math.round(req.resilient.unbalancedTimerSeconds * USER_HZ),
          } } : {}),
        }));
    case 'delete-nexthop':
      return encodeMessage(w, { type: RTM_DELNEXTHOP, flags: NLM_F_REQUEST, seq: 0, pid: 0 }, (w) =>
        encodeNexthop(w, { family: 0, scope: 0, protocol: 0, flags: 0, id: req.id }));
    case 'route':
      return encodeMessage(w, { type: RTM_NEWROUTE, flags: create | NLM_F_REPLACE, seq: 0, pid: 0 }, (w) =>
        encodeRoute(w, routeMessage(req.prefix, s, RT_SCOPE_UNIVERSE, RTN_UNICAST, req.nhId)));
    case 'multipath-route':
      return encodeMessage(w, { type: RTM_NEWROUTE, flags: create | NLM_F_REPLACE, seq: 0, pid: 0 }, (w) =>
        encodeRoute(w, routeMessage(req.prefix, s, RT_SCOPE_UNIVERSE, RTN_UNICAST, undefined, req.paths)));
    case 'delete-route':
      return encodeMessage(w, { type: RTM_DELROUTE, flags: NLM_F_REQUEST, seq: 0, pid: 0 }, (w) =>
        // as iproute2 does: scope NOWHERE and type UNSPEC match whatever scope and type the route has
        encodeRoute(w, routeMessage(req.prefix, { ...s, table: req.table ?? s.table, metric: req.metric ?? s.metric }, RT_SCOPE_NOWHERE, 0)));
  }
}

function routeMessage(p: Prefix, s: RouteSettings, scope: number, type: number, nhId?: number, multipath?: readonly RouteNexthop[]): RouteMessage {
  return {
    family: p.family === 4 ? AF_INET : AF_INET6, dstLen: p.len, srcLen: 0, tos: 0, table: s.table, protocol: s.protocol,
    scope, type, flags: 0, dst: p.addr, priority: s.metric, nhId, multipath,
  };
}

function familyOf(addr: Uint8Array): number {
  return addr.length === 4 ? AF_INET : AF_INET6;
}
