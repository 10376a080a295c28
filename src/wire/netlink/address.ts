/**
 * rtnetlink address messages (RTM_NEWADDR / RTM_DELADDR / RTM_GETADDR, linux/if_addr.h): struct ifaddrmsg
 * (family, prefix length, IFA_F_* flags, scope, interface index) and the attributes a Service IP needs:
 * IFA_LOCAL (the address itself), IFA_ADDRESS (the peer address; equal to IFA_LOCAL on a non-point-to-point
 * interface), IFA_LABEL and IFA_FLAGS (the 32-bit flags, e.g. IFA_F_PERMANENT, IFA_F_NODAD). Requests are
 * written in iproute2's order (`ip addr add A/LEN dev D [nodad]`: IFA_LOCAL then IFA_ADDRESS).
 */
import { ShortBufferError, type Reader, type Writer } from '../../lib/bytes.js';
import { attrString, attrU32, attributeMap, putAttr, putString, putU32 } from './attributes.js';
import { NetlinkDecodeError } from './error.js';

export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_LABEL = 3;
export const IFA_FLAGS = 8;
/** IPv6: skip duplicate address detection (the address is usable at once). */
export const IFA_F_NODAD = 0x02;
export const IFA_F_PERMANENT = 0x80;
export const IFADDRMSG_LEN = 8;

export interface AddressMessage {
  /** AF_INET or AF_INET6. */
  readonly family: number;
  readonly prefixLen: number;
  /** ifa_flags (the low 8 bits of IFA_F_*). */
  readonly flags: number;
  /** RT_SCOPE_* */
  readonly scope: number;
  readonly index: number;
  readonly local?: Uint8Array;
  readonly address?: Uint8Array;
  readonly label?: string;
  /** IFA_FLAGS: all 32 bits of IFA_F_*. */
  readonly allFlags?: number;
}

export function encodeAddress(w: Writer, m: AddressMessage): void {
  w.u8(m.family).u8(m.prefixLen).u8(m.flags).u8(m.scope).u32le(m.index);
  if (m.local) putAttr(w, IFA_LOCAL, m.local);
  if (m.address) putAttr(w, IFA_ADDRESS, m.address);
  if (m.label !== undefined) putString(w, IFA_LABEL, m.label);
  if (m.allFlags !== undefined) putU32(w, IFA_FLAGS, m.allFlags);
}

export function decodeAddress(r: Reader): AddressMessage {
  try {
    const family = r.u8(), prefixLen = r.u8(), flags = r.u8(), scope = r.u8(), index = r.u32le();
    const a = attributeMap(r);
    const local = a.get(IFA_LOCAL), address = a.get(IFA_ADDRESS), label = a.get(IFA_LABEL), all = a.get(IFA_FLAGS);
    return {
      family, prefixLen, flags, scope, index, ...(local ? { local } : {}), ...(address ? { address } : {}),
      ...(label ? { label: attrString(label) } : {}), ...(all ? { allFlags: attrU32(all) } : {}),
    };
  } catch (e) {
    if (e instanceof ShortBufferError) throw new NetlinkDecodeError(`ifaddrmsg too short: ${e.message}`);
    throw e;
  }
}
