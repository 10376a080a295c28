/**
 * rtnetlink link messages (RTM_NEWLINK / RTM_DELLINK / RTM_GETLINK, linux/rtnetlink.h and linux/if_link.h):
 * struct ifinfomsg (family, device type, interface index, IFF_* flags, change mask), the interface name
 * (IFLA_IFNAME), the link kind (IFLA_LINKINFO / IFLA_INFO_KIND, e.g. "dummy") and the dump filter
 * IFLA_EXT_MASK. Enough to tell which interface changed and whether it is up, and to create, find and
 * delete a dummy interface the way iproute2 does (`ip link add NAME up type dummy`, `ip link show dev
 * NAME`, `ip link del dev NAME`).
 */
import { Reader, ShortBufferError, type Writer } from '../../lib/bytes.js';
import { attrString, attrU32, attributeMap, putAttr, putNested, putString, putU32 } from './attributes.js';
import { NetlinkDecodeError } from './error.js';

export const IFLA_IFNAME = 3;
export const IFLA_LINKINFO = 18;
export const IFLA_EXT_MASK = 29;
export const IFLA_INFO_KIND = 1;
export const IFF_UP = 0x1;
export const IFF_RUNNING = 0x40;
export const IFF_LOWER_UP = 0x10000;
/** linux/rtnetlink.h RTEXT_FILTER_VF: what `ip link show` asks for. */
export const RTEXT_FILTER_VF = 1;
export const IFINFOMSG_LEN = 16;

export interface LinkMessage {
  readonly family: number;
  /** ARPHRD_* */
  readonly type: number;
  readonly index: number;
  /** IFF_* */
  readonly flags: number;
  readonly change: number;
  readonly name?: string;
  /** IFLA_LINKINFO's IFLA_INFO_KIND: "dummy", "veth", ... */
  readonly kind?: string;
  /** IFLA_EXT_MASK (RTEXT_FILTER_*), in requests. */
  readonly extMask?: number;
}

/** ifinfomsg and attributes in the order iproute2 sends them (IFLA_IFNAME, IFLA_EXT_MASK, IFLA_LINKINFO). */
export function encodeLink(w: Writer, m: LinkMessage): void {
  w.u8(m.family).u8(0).u16le(m.type).u32le(m.index >>> 0).u32le(m.flags).u32le(m.change);
  if (m.name !== undefined) putString(w, IFLA_IFNAME, m.name);
  if (m.extMask !== undefined) putU32(w, IFLA_EXT_MASK, m.extMask);
  // as iproute2: IFLA_LINKINFO without NLA_F_NESTED and the kind without its NUL (the kernel accepts both)
  if (m.kind !== undefined) putNested(w, IFLA_LINKINFO, (x) => putAttr(x, IFLA_INFO_KIND, new TextEncoder().encode(m.kind)), false);
}

export function decodeLink(r: Reader): LinkMessage {
  try {
    const family = r.u8();
    r.skip(1);
    const type = r.u16le(), index = r.i32le(), flags = r.u32le(), change = r.u32le();
    const a = attributeMap(r);
    const name = a.get(IFLA_IFNAME), info = a.get(IFLA_LINKINFO), mask = a.get(IFLA_EXT_MASK);
    const kind = info ? attributeMap(new Reader(info)).get(IFLA_INFO_KIND) : undefined;
    return {
      family, type, index, flags, change, ...(name ? { name: attrString(name) } : {}),
      ...(kind ? { kind: attrString(kind) } : {}), ...(mask ? { extMask: attrU32(mask) } : {}),
    };
  } catch (e) {
    if (e instanceof ShortBufferError) throw new NetlinkDecodeError(`ifinfomsg too short: ${e.message}`);
    throw e;
  }
}
