/**
 * rtnetlink link messages (RTM_NEWLINK / RTM_DELLINK, linux/rtnetlink.h and linux/if_link.h): struct
 * ifinfomsg (family, device type, interface index, IFF_* flags, change mask) and the interface name
 * (IFLA_IFNAME). Enough to tell which interface changed and whether it is up.
 */
import { ShortBufferError, type Reader } from '../../lib/bytes.js';
import { attrString, attributeMap } from './attributes.js';
import { NetlinkDecodeError } from './error.js';

export const IFLA_IFNAME = 3;
export const IFF_UP = 0x1;
export const IFF_RUNNING = 0x40;
export const IFF_LOWER_UP = 0x10000;

export interface LinkMessage {
  readonly family: number;
  /** ARPHRD_* */
  readonly type: number;
  readonly index: number;
  /** IFF_* */
  readonly flags: number;
  readonly change: number;
  readonly name?: string;
}

export function decodeLink(r: Reader): LinkMessage {
  try {
    const family = r.u8();
    r.skip(1);
    const type = r.u16le(), index = r.i32le(), flags = r.u32le(), change = r.u32le();
    const name = attributeMap(r).get(IFLA_IFNAME);
    return { family, type, index, flags, change, ...(name ? { name: attrString(name) } : {}) };
  } catch (e) {
    if (e instanceof ShortBufferError) throw new NetlinkDecodeError(`ifinfomsg too short: ${e.message}`);
    throw e;
  }
}
