/**
 * Fast UPDATE building for the Adj-RIB-Out: many prefixes that share one set of attributes go out in as
 * few UPDATEs as the maximum message size allows (4096, or 65535 with RFC 8654). The attributes are
 * encoded once; each message is allocated at its exact size and the prefixes are written straight into it.
 * IPv4 unicast uses the classic NLRI and withdrawn routes fields (RFC 4271 4.3); IPv6 unicast uses
 * MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760), placed first among the attributes (RFC 7606 5.1).
 */
import { Writer } from '../../lib/bytes.js';
import type { Family, Prefix } from '../../lib/address.js';
import { encodeAttributes } from './attributes.js';
import { encodeHeader, maxMessageLength } from './header.js';
import { encodeMessage } from './message.js';
import { encodeMpReachHead } from './mp.js';
import { writePrefix } from './prefix.js';
import { endOfRib } from './update.js';
import { Afi, AttrCode, AttrFlag, MESSAGE_HEADER_LENGTH, MessageType, Safi, afiSafiKey } from './types.js';
import type { CodecContext, PathAttributes } from './types.js';

/** Prefixes of one family to announce with the same attributes and next hop. */
export interface Announcement {
  readonly family: Family;
  /** nextHop, mpReach and mpUnreach in here are ignored: the next hop comes from the fields below. */
  readonly attributes: PathAttributes;
  readonly nextHop: string;
  /** IPv6 only: the link-local next hop of RFC 2545 3. */
  readonly linkLocalNextHop?: string;
  readonly prefixes: readonly Prefix[];
  /** RFC 7911 path identifier written for every prefix when ADD-PATH is negotiated for sending (default 0). */
  readonly pathId?: number;
}

const UPDATE_FIXED = MESSAGE_HEADER_LENGTH + 4; // header, withdrawn routes length, total path attribute length

function addPathFor(family: Family, ctx: CodecContext): boolean {
  return ctx.addPath.has(afiSafiKey(family === 4 ? Afi.IPV4 : Afi.IPV6, Safi.UNICAST));
}

/**
 * Cuts `prefixes` into runs whose encoded size fits `room` bytes. Returns the end index of each run and
 * its byte size; throws RangeError when not even one prefix fits.
 */
function runs(prefixes: readonly Prefix[], room: number, addPath: boolean): { end: number; bytes: number }[] {
  const out: { end: number; bytes: number }[] = [];
  const head = addPath ? 5 : 1;
  let bytes = 0;
  for (let i = 0; i < prefixes.length; i++) {
    const size = head + ((prefixes[i]!.len + 7) >>> 3);
    if (size > room) throw new RangeError('the attributes leave no room for a prefix in an UPDATE');
    if (bytes + size > room) { out.push({ end: i, bytes }); bytes = 0; }
    bytes += size;
  }
  if (bytes > 0) out.push({ end: prefixes.length, bytes });
  return out;
}

function writePrefixes(buf: Uint8Array, at: number, prefixes: readonly Prefix[], from: number, to: number, addPath: boolean, pathId: number): number {
  let p = at;
  const id = addPath ? pathId : undefined;
  for (let i = from; i < to; i++) p = writePrefix(buf, p, prefixes[i]!, id);
  return p;
}

/** A new UPDATE of `length` bytes with its header written. */
function startUpdate(length: number): Uint8Array {
  const w = new Writer(MESSAGE_HEADER_LENGTH);
  encodeHeader(w, length, MessageType.UPDATE);
  const buf = new Uint8Array(length);
  buf.set(w.finish(), 0);
  return buf;
}

function u16At(buf: Uint8Array, at: number, v: number): void { buf[at] = v >>> 8; buf[at + 1] = v & 0xff; }

/** The 3- or 4-byte header of an attribute of `length` value bytes, written at `at`; returns the offset after it. */
function attrHeaderAt(buf: Uint8Array, at: number, flags: number, code: number, length: number): number {
  if (length > 255) { buf[at] = flags | AttrFlag.EXTENDED_LENGTH; buf[at + 1] = code; u16At(buf, at + 2, length); return at + 4; }
  buf[at] = flags; buf[at + 1] = code; buf[at + 2] = length;
  return at + 3;
}

/** UPDATE messages announcing every prefix of `a`, each within the maximum message size. */
export function packAnnouncements(a: Announcement, ctx: CodecContext): Uint8Array[] {
  const max = maxMessageLength(MessageType.UPDATE, ctx);
  const addPath = addPathFor(a.family, ctx);
  const pathId = a.pathId ?? 0;
  const { nextHop: _n, mpReach: _r, mpUnreach: _u, ...shared } = a.attributes;
  const out: Uint8Array[] = [];
  if (a.family === 4) {
    const attrs = encodeAttributes({ ...shared, nextHop: a.nextHop }, ctx);
    for (let from = 0, k = 0, list = runs(a.prefixes, max - UPDATE_FIXED - attrs.length, addPath); k < list.length; k++) {
      const { end, bytes } = list[k]!;
      const msg = startUpdate(UPDATE_FIXED + attrs.length + bytes);
      u16At(msg, MESSAGE_HEADER_LENGTH, 0);
      u16At(msg, MESSAGE_HEADER_LENGTH + 2, attrs.length);
      msg.set(attrs, UPDATE_FIXED);
      writePrefixes(msg, UPDATE_FIXED + attrs.length, a.prefixes, from, end, addPath, pathId);
      out.push(msg);
      from = end;
    }
    return out;
  }
  const attrs = encodeAttributes(shared, ctx);
  const mpHeadWriter = new Writer(40);
  encodeMpReachHead(mpHeadWriter, {
    afi: Afi.IPV6, safi: Safi.UNICAST, nextHop: a.nextHop,
    ...(a.linkLocalNextHop !== undefined ? { linkLocalNextHop: a.linkLocalNextHop } : {}),
  });
  const mpHead = mpHeadWriter.finish();
  // Room for NLRI: the MP_REACH_NLRI header is counted at its extended (4-byte) size to be safe.
  const room = max - UPDATE_FIXED - attrs.length - 4 - mpHead.length;
  for (let from = 0, k = 0, list = runs(a.prefixes, room, addPath); k < list.length; k++) {
    const { end, bytes } = list[k]!;
    const mpLength = mpHead.length + bytes;
    const mpTotal = (mpLength > 255 ? 4 : 3) + mpLength;
    const msg = startUpdate(UPDATE_FIXED + mpTotal + attrs.length);
    u16At(msg, MESSAGE_HEADER_LENGTH, 0);
    u16At(msg, MESSAGE_HEADER_LENGTH + 2, mpTotal + attrs.length);
    let p = attrHeaderAt(msg, UPDATE_FIXED, AttrFlag.OPTIONAL, AttrCode.MP_REACH_NLRI, mpLength);
    msg.set(mpHead, p);
    p = writePrefixes(msg, p + mpHead.length, a.prefixes, from, end, addPath, pathId);
    msg.set(attrs, p);
    out.push(msg);
    from = end;
  }
  return out;
}

/** UPDATE messages withdrawing every prefix, each within the maximum message size. */
export function packWithdrawals(family: Family, prefixes: readonly Prefix[], ctx: CodecContext, pathId = 0): Uint8Array[] {
  const max = maxMessageLength(MessageType.UPDATE, ctx);
  const addPath = addPathFor(family, ctx);
  const out: Uint8Array[] = [];
  if (family === 4) {
    for (let from = 0, k = 0, list = runs(prefixes, max - UPDATE_FIXED, addPath); k < list.length; k++) {
      const { end, bytes } = list[k]!;
      const msg = startUpdate(UPDATE_FIXED + bytes);
      u16At(msg, MESSAGE_HEADER_LENGTH, bytes);
      writePrefixes(msg, MESSAGE_HEADER_LENGTH + 2, prefixes, from, end, addPath, pathId);
      u16At(msg, MESSAGE_HEADER_LENGTH + 2 + bytes, 0);
      out.push(msg);
      from = end;
    }
    return out;
  }
  const unreachHead = 3; // AFI, SAFI
  for (let from = 0, k = 0, list = runs(prefixes, max - UPDATE_FIXED - 4 - unreachHead, addPath); k < list.length; k++) {
    const { end, bytes } = list[k]!;
    const mpLength = unreachHead + bytes;
    const mpTotal = (mpLength > 255 ? 4 : 3) + mpLength;
    const msg = startUpdate(UPDATE_FIXED + mpTotal);
    u16At(msg, MESSAGE_HEADER_LENGTH, 0);
    u16At(msg, MESSAGE_HEADER_LENGTH + 2, mpTotal);
    const p = attrHeaderAt(msg, UPDATE_FIXED, AttrFlag.OPTIONAL, AttrCode.MP_UNREACH_NLRI, mpLength);
    u16At(msg, p, Afi.IPV6);
    msg[p + 2] = Safi.UNICAST;
    writePrefixes(msg, p + 3, prefixes, from, end, addPath, pathId);
    out.push(msg);
    from = end;
  }
  return out;
}

/** The End-of-RIB marker of a family (RFC 4724 2), encoded. */
export function encodeEndOfRib(afi: number, safi: number, ctx: CodecContext): Uint8Array {
  return encodeMessage(endOfRib({ afi, safi }), ctx);
}
