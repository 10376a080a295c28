/**
 * rtnetlink route messages (RTM_NEWROUTE / RTM_DELROUTE / RTM_GETROUTE, linux/rtnetlink.h): struct rtmsg then
 * RTA_* attributes. Covers what a routing daemon needs: destination, gateway, output interface, metric
 * (RTA_PRIORITY), table (RTA_TABLE for ids >= 256), a kernel nexthop object (RTA_NH_ID) and the expanded
 * multipath form (RTA_MULTIPATH: struct rtnexthop entries whose rtnh_hops is the weight minus one).
 * With nexthop_compat_mode=1 the kernel reports RTA_NH_ID routes with RTA_MULTIPATH/RTA_GATEWAY too.
 */
import { Reader, ShortBufferError, type Writer } from '../../lib/bytes.js';
import { align4, attrU32, attributeMap, putAttr, putNested, putU32 } from './attributes.js';
import {
  RT_TABLE_UNSPEC, RTA_DST, RTA_GATEWAY, RTA_MULTIPATH, RTA_NH_ID, RTA_OIF, RTA_PREFSRC, RTA_PRIORITY, RTA_TABLE,
} from './constants.js';
import { NetlinkDecodeError } from './error.js';

export const RTMSG_LEN = 12;

/** One path of an RTA_MULTIPATH route. */
export interface RouteNexthop {
  readonly gateway?: Uint8Array;
  readonly oif: number;
  /** 1..256 (on the wire rtnh_hops = weight - 1). */
  readonly weight: number;
  /** RTNH_F_* (DEAD, ONLINK, LINKDOWN, ...). */
  readonly flags: number;
}

export interface RouteMessage {
  /** AF_INET or AF_INET6. */
  readonly family: number;
  readonly dstLen: number;
  readonly srcLen: number;
  readonly tos: number;
  /** Full table id: rtm_table, or RTA_TABLE when present. */
  readonly table: number;
  readonly protocol: number;
  readonly scope: number;
  readonly type: number;
  /** RTM_F_* */
  readonly flags: number;
  readonly dst?: Uint8Array;
  readonly gateway?: Uint8Array;
  readonly oif?: number;
  /** The metric. */
  readonly priority?: number;
  readonly prefsrc?: Uint8Array;
  readonly nhId?: number;
  readonly multipath?: readonly RouteNexthop[];
}

/** rtmsg and attributes in the order iproute2 sends them (RTA_DST, RTA_NH_ID, RTA_PRIORITY, ...). */
export function encodeRoute(w: Writer, m: RouteMessage): void {
  w.u8(m.family).u8(m.dstLen).u8(m.srcLen).u8(m.tos).u8(m.table < 256 ? m.table : RT_TABLE_UNSPEC)
    .u8(m.protocol).u8(m.scope).u8(m.type).u32le(m.flags);
  if (m.table >= 256) putU32(w, RTA_TABLE, m.table);
  if (m.dst) putAttr(w, RTA_DST, m.dst);
  if (m.nhId !== undefined) putU32(w, RTA_NH_ID, m.nhId);
  if (m.priority !== undefined) putU32(w, RTA_PRIORITY, m.priority);
  if (m.prefsrc) putAttr(w, RTA_PREFSRC, m.prefsrc);
  if (m.gateway) putAttr(w, RTA_GATEWAY, m.gateway);
  if (m.oif !== undefined) putU32(w, RTA_OIF, m.oif);
  if (m.multipath) {
    putNested(w, RTA_MULTIPATH, (w) => {
      for (const nh of m.multipath!) {
        const at = w.reserve(2);
        w.u8(nh.flags).u8(nh.weight - 1).u32le(nh.oif);
        if (nh.gateway) putAttr(w, RTA_GATEWAY, nh.gateway);
        w.patchU16le(at, w.length - at);
      }
    }, false);
  }
}

export function decodeRoute(r: Reader): RouteMessage {
  try {
    const family = r.u8(), dstLen = r.u8(), srcLen = r.u8(), tos = r.u8(), table8 = r.u8();
    const protocol = r.u8(), scope = r.u8(), type = r.u8(), flags = r.u32le();
    const a = attributeMap(r);
    const table = a.get(RTA_TABLE);
    const u32 = (t: number): number | undefined => { const v = a.get(t); return v ? attrU32(v) : undefined; };
    const dst = a.get(RTA_DST), gateway = a.get(RTA_GATEWAY), prefsrc = a.get(RTA_PREFSRC), mp = a.get(RTA_MULTIPATH);
    const oif = u32(RTA_OIF), priority = u32(RTA_PRIORITY), nhId = u32(RTA_NH_ID);
    return {
      family, dstLen, srcLen, tos, table: table ? attrU32(table) : table8, protocol, scope, type, flags,
      ...(dst ? { dst } : {}), ...(gateway ? { gateway } : {}), ...(oif !== undefined ? { oif } : {}),
      ...(priority !== undefined ? { priority } : {}), ...(prefsrc ? { prefsrc } : {}),
      ...(nhId !== undefined ? { nhId } : {}), ...(mp ? { multipath: decodeMultipath(new Reader(mp)) } : {}),
    };
  } catch (e) {
    if (e instanceof ShortBufferError) throw new NetlinkDecodeError(`rtmsg too short: ${e.message}`);
    throw e;
  }
}

function decodeMultipath(r: Reader): RouteNexthop[] {
  const out: RouteNexthop[] = [];
  while (r.remaining >= 8) {
    const len = r.u16le();
    if (len < 8 || len - 2 > r.remaining) throw new NetlinkDecodeError(`rtnexthop length ${len} does not fit`);
    const flags = r.u8(), hops = r.u8(), oif = r.u32le();
    const gateway = attributeMap(r.sub(len - 8)).get(RTA_GATEWAY);
    out.push({ oif, weight: hops + 1, flags, ...(gateway ? { gateway } : {}) });
    r.skip(Math.min(align4(len) - len, r.remaining));
  }
  return out;
}
