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
export interface AnnounceGroup {
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

function u16At(buf: Uint8Array, at: number, v: number): void { buf[at] = v >>> 8; buf[at + 1] = v & 0xff; }

/** Where the prefixes of a run go, and the attribute bytes every message of the batch repeats. */
interface Layout {
  readonly place: 'withdrawn' | 'nlri' | 'mp';
  /** For 'mp': MP_REACH_NLRI or MP_UNREACH_NLRI, and its value bytes before the prefixes. */
  readonly mpCode?: number;
  readonly mpHead?: Uint8Array;
  /** Encoded attributes written after the MP attribute (if any). */
  readonly attrs: Uint8Array;
}

/** The UPDATEs carrying `prefixes` laid out as `layout` says, each within the maximum message size. */
function pack(prefixes: readonly Prefix[], family: Family, pathId: number, layout: Layout, ctx: CodecContext): Uint8Array[] {
  const addPath = addPathFor(family, ctx);
  const id = addPath ? pathId : undefined;
  const mpHead = layout.mpHead ?? new Uint8Array(0);
  const mp = layout.place === 'mp';
  // The MP attribute header is counted at its extended (4-byte) size when sizing the runs.
  const room = maxMessageLength(MessageType.UPDATE, ctx) - UPDATE_FIXED - layout.attrs.length - (mp ? 4 + mpHead.length : 0);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const { end, bytes } of runs(prefixes, room, addPath)) {
    const mpLength = mpHead.length + bytes;
    const mpTotal = mp ? (mpLength > 255 ? 4 : 3) + mpLength : 0;
    const withdrawnLength = layout.place === 'withdrawn' ? bytes : 0;
    const attrsLength = mpTotal + layout.attrs.length;
    const length = UPDATE_FIXED + withdrawnLength + attrsLength + (layout.place === 'nlri' ? bytes : 0);
    const w = new Writer(MESSAGE_HEADER_LENGTH);
    encodeHeader(w, length, MessageType.UPDATE);
    const msg = new Uint8Array(length);
    msg.set(w.finish(), 0);
    let p = MESSAGE_HEADER_LENGTH;
    u16At(msg, p, withdrawnLength);
    p += 2;
    if (layout.place === 'withdrawn') p = writePrefixes(msg, p, prefixes, from, end, id);
    u16At(msg, p, attrsLength);
    p += 2;
    if (mp) {
      const flags = AttrFlag.OPTIONAL | (mpLength > 255 ? AttrFlag.EXTENDED_LENGTH : 0);
      msg[p] = flags; msg[p + 1] = layout.mpCode!;
      if (mpLength > 255) { u16At(msg, p + 2, mpLength); p += 4; } else { msg[p + 2] = mpLength; p += 3; }
      msg.set(mpHead, p);
      p = writePrefixes(msg, p + mpHead.length, prefixes, from, end, id);
    }
    msg.set(layout.attrs, p);
    p += layout.attrs.length;
    if (layout.place === 'nlri') writePrefixes(msg, p, prefixes, from, end, id);
    out.push(msg);
    from = end;
  }
  return out;
}

function writePrefixes(buf: Uint8Array, at: number, prefixes: readonly Prefix[], from: number, to: number, pathId: number | undefined): number {
  let p = at;
  for (let i = from; i < to; i++) p = writePrefix(buf, p, prefixes[i]!, pathId);
  return p;
}

/** UPDATE messages announcing every prefix of `a`, each within the maximum message size. */
export function packAnnouncements(a: AnnounceGroup, ctx: CodecContext): Uint8Array[] {
  const { nextHop: _n, mpReach: _r, mpUnreach: _u, ...shared } = a.attributes;
  if (a.family === 4) {
    return pack(a.prefixes, 4, a.pathId ?? 0, { place: 'nlri', attrs: encodeAttributes({ ...shared, nextHop: a.nextHop }, ctx) }, ctx);
  }
  const head = new Writer(40);
  encodeMpReachHead(head, {
    afi: Afi.IPV6, safi: Safi.UNICAST, nextHop: a.nextHop,
    ...(a.linkLocalNextHop !== undefined ? { linkLocalNextHop: a.linkLocalNextHop } : {}),
  });
  const layout: Layout = { place: 'mp', mpCode: AttrCode.MP_REACH_NLRI, mpHead: head.finish(), attrs: encodeAttributes(shared, ctx) };
  return pack(a.prefixes, 6, a.pathId ?? 0, layout, ctx);
}

/** UPDATE messages withdrawing every prefix, each within the maximum message size. */
export function packWithdrawals(family: Family, prefixes: readonly Prefix[], ctx: CodecContext, pathId = 0): Uint8Array[] {
  const none = new Uint8Array(0);
  if (family === 4) return pack(prefixes, 4, pathId, { place: 'withdrawn', attrs: none }, ctx);
  const mpHead = Uint8Array.of(Afi.IPV6 >> 8, Afi.IPV6 & 0xff, Safi.UNICAST);
  return pack(prefixes, 6, pathId, { place: 'mp', mpCode: AttrCode.MP_UNREACH_NLRI, mpHead, attrs: none }, ctx);
}

/** The End-of-RIB marker of a family (RFC 4724 2), encoded. */
export function encodeEndOfRib(afi: number, safi: number, ctx: CodecContext): Uint8Array {
  return encodeMessage(endOfRib({ afi, safi }), ctx);
}
