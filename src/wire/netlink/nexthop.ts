/**
 * rtnetlink nexthop objects (RTM_NEWNEXTHOP / RTM_DELNEXTHOP / RTM_GETNEXTHOP, linux/nexthop.h): struct nhmsg
 * then NHA_* attributes. A nexthop is either a gateway (NHA_GATEWAY + NHA_OIF), a blackhole, or a group
 * (NHA_GROUP: struct nexthop_grp entries, weight - 1 on the wire, the high byte in resvd1 on kernels >= 6.12)
 * of type multipath (hash-threshold) or resilient (NHA_RES_GROUP: buckets, idle and unbalanced timers in
 * clock_t units, USER_HZ = 100 per second).
 */
import { Reader, ShortBufferError, type Writer } from '../../lib/bytes.js';
import { attrU16, attrU32, attrU64, attributeMap, putAttr, putFlag, putNested, putU16, putU32, putU64 } from './attributes.js';
import {
  NEXTHOP_GRP_TYPE_MPATH, NHA_BLACKHOLE, NHA_FDB, NHA_GATEWAY, NHA_GROUP, NHA_GROUP_TYPE, NHA_GROUPS, NHA_ID, NHA_OIF,
  NHA_RES_GROUP, NHA_RES_GROUP_BUCKETS, NHA_RES_GROUP_IDLE_TIMER, NHA_RES_GROUP_UNBALANCED_TIME,
  NHA_RES_GROUP_UNBALANCED_TIMER,
} from './constants.js';
import { NetlinkDecodeError } from './error.js';

export const NHMSG_LEN = 8;

export interface NexthopGroupMember {
  readonly id: number;
  /** 1..65536 (1..256 before kernel 6.12). */
  readonly weight: number;
}

export interface ResilientParams {
  readonly buckets?: number;
  /** clock_t (1/100 s). */
  readonly idleTimer?: number;
  /** clock_t (1/100 s). */
  readonly unbalancedTimer?: number;
  /** Reported only: how long the group has been unbalanced (clock_t). */
  readonly unbalancedTime?: bigint;
}

export interface NexthopMessage {
  /** AF_INET / AF_INET6 for gateways, AF_UNSPEC (0) for groups and requests. */
  readonly family: number;
  readonly scope: number;
  readonly protocol: number;
  /** RTNH_F_* */
  readonly flags: number;
  readonly id?: number;
  readonly group?: readonly NexthopGroupMember[];
  /** NEXTHOP_GRP_TYPE_*; sent only when not the default (multipath). */
  readonly groupType?: number;
  readonly resilient?: ResilientParams;
  readonly blackhole?: boolean;
  readonly oif?: number;
  readonly gateway?: Uint8Array;
  readonly fdb?: boolean;
  /** Dump filter: groups only. */
  readonly groupsOnly?: boolean;
}

/** nhmsg and attributes in the order iproute2 sends them. */
export function encodeNexthop(w: Writer, m: NexthopMessage): void {
  w.u8(m.family).u8(m.scope).u8(m.protocol).u8(0).u32le(m.flags);
  if (m.id !== undefined) putU32(w, NHA_ID, m.id);
  if (m.group) {
    putNested(w, NHA_GROUP, (w) => {
      for (const g of m.group!) w.u32le(g.id).u8((g.weight - 1) & 0xff).u8((g.weight - 1) >>> 8).u16le(0);
    }, false);
  }
  if (m.resilient) {
    const res = m.resilient;
    putNested(w, NHA_RES_GROUP, (w) => {
      if (res.buckets !== undefined) putU16(w, NHA_RES_GROUP_BUCKETS, res.buckets);
      if (res.idleTimer !== undefined) putU32(w, NHA_RES_GROUP_IDLE_TIMER, res.idleTimer);
      if (res.unbalancedTimer !== undefined) putU32(w, NHA_RES_GROUP_UNBALANCED_TIMER, res.unbalancedTimer);
      if (res.unbalancedTime !== undefined) putU64(w, NHA_RES_GROUP_UNBALANCED_TIME, res.unbalancedTime);
    });
  }
  if (m.groupType !== undefined && m.groupType !== NEXTHOP_GRP_TYPE_MPATH) putU16(w, NHA_GROUP_TYPE, m.groupType);
  if (m.blackhole) putFlag(w, NHA_BLACKHOLE);
  if (m.gateway) putAttr(w, NHA_GATEWAY, m.gateway);
  if (m.oif !== undefined) putU32(w, NHA_OIF, m.oif);
  if (m.fdb) putFlag(w, NHA_FDB);
  if (m.groupsOnly) putFlag(w, NHA_GROUPS);
}

export function decodeNexthop(r: Reader): NexthopMessage {
  try {
    const family = r.u8(), scope = r.u8(), protocol = r.u8();
    r.skip(1);
    const flags = r.u32le();
    const a = attributeMap(r);
    const id = a.get(NHA_ID), group = a.get(NHA_GROUP), type = a.get(NHA_GROUP_TYPE), res = a.get(NHA_RES_GROUP);
    const oif = a.get(NHA_OIF), gateway = a.get(NHA_GATEWAY);
    return {
      family, scope, protocol, flags,
      ...(id ? { id: attrU32(id) } : {}),
      ...(group ? { group: decodeGroup(new Reader(group)) } : {}),
      ...(type ? { groupType: attrU16(type) } : {}),
      ...(res ? { resilient: decodeResilient(new Reader(res)) } : {}),
      ...(a.has(NHA_BLACKHOLE) ? { blackhole: true } : {}),
      ...(oif ? { oif: attrU32(oif) } : {}),
      ...(gateway ? { gateway } : {}),
      ...(a.has(NHA_FDB) ? { fdb: true } : {}),
    };
  } catch (e) {
    if (e instanceof ShortBufferError) throw new NetlinkDecodeError(`nhmsg too short: ${e.message}`);
    throw e;
  }
}

function decodeGroup(r: Reader): NexthopGroupMember[] {
  if (r.remaining % 8 !== 0) throw new NetlinkDecodeError(`NHA_GROUP of ${r.remaining} bytes is not a whole number of entries`);
  const out: NexthopGroupMember[] = [];
  while (!r.atEnd) {
    const id = r.u32le(), low = r.u8(), high = r.u8();
    r.skip(2);
    out.push({ id, weight: ((high << 8) | low) + 1 });
  }
  return out;
}

function decodeResilient(r: Reader): ResilientParams {
  const a = attributeMap(r);
  const b = a.get(NHA_RES_GROUP_BUCKETS), idle = a.get(NHA_RES_GROUP_IDLE_TIMER);
  const ut = a.get(NHA_RES_GROUP_UNBALANCED_TIMER), utime = a.get(NHA_RES_GROUP_UNBALANCED_TIME);
  return {
    ...(b ? { buckets: attrU16(b) } : {}),
    ...(idle ? { idleTimer: attrU32(idle) } : {}),
    ...(ut ? { unbalancedTimer: attrU32(ut) } : {}),
    ...(utime ? { unbalancedTime: attrU64(utime) } : {}),
  };
}
