/**
 * Generic netlink framing (linux/genetlink.h): a netlink message whose type is the family id, then struct
 * genlmsghdr (8-bit command, 8-bit version, 16 reserved bits), then attributes. Family ids are dynamic: the
 * "nlctrl" family (fixed id GENL_ID_CTRL) answers CTRL_CMD_GETFAMILY with the id for a family name.
 */
import { Reader, type Writer } from '../../../lib/bytes.js';
import { attrString, attrU16, attrU32, attributeMap, putString } from '../attributes.js';
import { NLM_F_ACK, NLM_F_REQUEST } from '../constants.js';
import { NetlinkDecodeError } from '../error.js';
import { buildMessage, type NetlinkMessage } from '../message.js';
import {
  CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_MAXATTR, CTRL_ATTR_VERSION, CTRL_CMD_GETFAMILY, GENL_HDRLEN, GENL_ID_CTRL,
} from './constants.js';

export interface GenlHeader {
  readonly cmd: number;
  readonly version: number;
}

/** One generic netlink message: the family id is the netlink type; `body` writes the attributes. */
export function buildGenlMessage(familyId: number, flags: number, genl: GenlHeader, body: (w: Writer) => void, seq = 0, pid = 0): Uint8Array {
  return buildMessage({ type: familyId, flags, seq, pid }, (w) => {
    w.u8(genl.cmd).u8(genl.version).u16le(0);
    body(w);
  });
}

/** The generic header of a message and a reader over its attributes. */
export function decodeGenl(msg: NetlinkMessage): GenlHeader & { readonly attrs: Reader } {
  if (msg.payload.length < GENL_HDRLEN) throw new NetlinkDecodeError(`generic netlink message of ${msg.payload.length} bytes has no genlmsghdr`);
  const r = new Reader(msg.payload);
  const cmd = r.u8();
  const version = r.u8();
  r.skip(2);
  return { cmd, version, attrs: r };
}

/** CTRL_CMD_GETFAMILY for `name` (answered by one CTRL_CMD_NEWFAMILY message). */
export function encodeGetFamily(name: string, seq = 0): Uint8Array {
  return buildGenlMessage(GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, { cmd: CTRL_CMD_GETFAMILY, version: 1 }, (w) => putString(w, CTRL_ATTR_FAMILY_NAME, name), seq);
}

export interface GenlFamily {
  readonly id: number;
  readonly name: string;
  readonly version: number;
  readonly maxAttr: number;
}

/** Decode the nlctrl answer (CTRL_CMD_NEWFAMILY). */
export function decodeFamily(msg: NetlinkMessage): GenlFamily {
  if (msg.type !== GENL_ID_CTRL) throw new NetlinkDecodeError(`message type ${msg.type} is not from nlctrl`);
  const a = attributeMap(decodeGenl(msg).attrs);
  const id = a.get(CTRL_ATTR_FAMILY_ID);
  const name = a.get(CTRL_ATTR_FAMILY_NAME);
  if (!id || !name) throw new NetlinkDecodeError('nlctrl reply without family id or name');
  const version = a.get(CTRL_ATTR_VERSION);
  const maxAttr = a.get(CTRL_ATTR_MAXATTR);
  return { id: attrU16(id), name: attrString(name), version: version ? attrU32(version) : 0, maxAttr: maxAttr ? attrU32(maxAttr) : 0 };
}
