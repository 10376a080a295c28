/**
 * Netlink message framing (struct nlmsghdr, linux/netlink.h): 32-bit length (header included), 16-bit type,
 * 16-bit flags, 32-bit sequence number, 32-bit port id, all in host order; messages are 4-byte aligned and a
 * datagram may carry many. Also NLMSG_ERROR (struct nlmsgerr: negative errno, then the request's header, or
 * the whole request without NETLINK_CAP_ACK) with its extended-ack attributes (NLMSGERR_ATTR_*).
 */
import { Reader, ShortBufferError, Writer } from '../../lib/bytes.js';
import { align4, attrString, attrU32, attributeMap } from './attributes.js';
import {
  NLM_F_ACK_TLVS, NLM_F_CAPPED, NLMSG_DONE, NLMSG_ERROR, NLMSGERR_ATTR_MISS_TYPE, NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS,
} from './constants.js';
import { NetlinkDecodeError } from './error.js';

export const NLMSG_HDRLEN = 16;

export interface NetlinkHeader {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid: number;
}

export interface NetlinkMessage extends NetlinkHeader {
  /** The bytes after the header (a view into the datagram). */
  readonly payload: Uint8Array;
}

/** Split a datagram into its messages. */
export function decodeMessages(datagram: Uint8Array): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  const r = new Reader(datagram);
  while (r.remaining >= NLMSG_HDRLEN) {
    const len = r.u32le();
    if (len < NLMSG_HDRLEN || len - 4 > r.remaining) throw new NetlinkDecodeError(`netlink message length ${len} does not fit in ${r.remaining + 4} bytes`);
    const type = r.u16le();
    const flags = r.u16le();
    const seq = r.u32le();
    const pid = r.u32le();
    out.push({ type, flags, seq, pid, payload: r.bytes(len - NLMSG_HDRLEN) });
    r.skip(Math.min(align4(len) - len, r.remaining));
  }
  return out;
}

/** Write one message: header, then `body` writes the payload; the length is patched in. */
export function encodeMessage(w: Writer, header: NetlinkHeader, body: (w: Writer) => void): void {
  const start = w.reserve(4);
  w.u16le(header.type).u16le(header.flags).u32le(header.seq).u32le(header.pid);
  body(w);
  w.patchU32le(start, w.length - start);
  w.zeros(align4(w.length) - w.length);
}

/** Build one message as its own buffer. */
export function buildMessage(header: NetlinkHeader, body: (w: Writer) => void): Uint8Array {
  const w = new Writer(128);
  encodeMessage(w, header, body);
  return w.finish();
}

/** Rewrite the sequence number of an encoded message (offset 8 of struct nlmsghdr). */
export function patchSeq(message: Uint8Array, seq: number): void {
  new DataView(message.buffer, message.byteOffset, message.length).setUint32(8, seq, true);
}

export interface NetlinkAck {
  /** 0 for success, else a negative errno. */
  readonly error: number;
  /** Header of the request being answered. */
  readonly request: NetlinkHeader;
  /** NLMSGERR_ATTR_MSG: the kernel's explanation, e.g. "Nexthop id does not exist". */
  readonly message?: string;
  /** NLMSGERR_ATTR_OFFS: byte offset of the offending attribute within the request. */
  readonly offset?: number;
  /** NLMSGERR_ATTR_MISS_TYPE: type of a missing required attribute. */
  readonly missingType?: number;
}

/** Decode an NLMSG_ERROR message (an ack when error is 0). */
export function decodeAck(msg: NetlinkMessage): NetlinkAck {
  if (msg.type !== NLMSG_ERROR) throw new NetlinkDecodeError(`message type ${msg.type} is not NLMSG_ERROR`);
  try {
    const r = new Reader(msg.payload);
    const error = r.i32le();
    const reqLen = r.u32le();
    const request: NetlinkHeader = { type: r.u16le(), flags: r.u16le(), seq: r.u32le(), pid: r.u32le() };
    // without NETLINK_CAP_ACK (and on errors) the whole request follows its header
    if (!(msg.flags & NLM_F_CAPPED) && error !== 0) r.skip(Math.min(align4(reqLen) - NLMSG_HDRLEN, r.remaining));
    if (!(msg.flags & NLM_F_ACK_TLVS)) return { error, request };
    const attrs = attributeMap(r);
    const text = attrs.get(NLMSGERR_ATTR_MSG);
    const offs = attrs.get(NLMSGERR_ATTR_OFFS);
    const miss = attrs.get(NLMSGERR_ATTR_MISS_TYPE);
    return {
      error, request,
      ...(text ? { message: attrString(text) } : {}),
      ...(offs ? { offset: attrU32(offs) } : {}),
      ...(miss ? { missingType: attrU32(miss) } : {}),
    };
  } catch (e) {
    if (e instanceof ShortBufferError) throw new NetlinkDecodeError(`NLMSG_ERROR too short: ${e.message}`);
    throw e;
  }
}

/** The error code an NLMSG_DONE carries (0, or a negative errno when a dump failed part-way). */
export function doneError(msg: NetlinkMessage): number {
  if (msg.type !== NLMSG_DONE) throw new NetlinkDecodeError(`message type ${msg.type} is not NLMSG_DONE`);
  return msg.payload.length >= 4 ? new Reader(msg.payload).i32le() : 0;
}
