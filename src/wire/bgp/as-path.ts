/**
 * AS_PATH and AS4_PATH values (RFC 4271 4.3 and 5.1.2, RFC 5065 for the confederation segments,
 * RFC 6793 for 4-octet AS numbers) and the RFC 6793 4.2 translation between a NEW speaker's 4-octet
 * view and what an OLD (2-octet) peer sees: AS_TRANS in the 2-octet fields plus AS4_PATH / AS4_AGGREGATOR.
 */
import { Writer } from '../../lib/bytes.js';
import { AS_TRANS, AsPathSegmentType } from './types.js';
import type { AsPathSegment } from './types.js';

export type AsSize = 2 | 4;

export interface Aggregator { readonly asn: number; readonly address: string }

/**
 * Decodes a path with AS numbers of `asSize` octets. Returns undefined when malformed in the sense of
 * RFC 7606 7.2: an unknown segment type, a zero segment length, a segment overrunning the attribute,
 * or a single octet left over after the last segment.
 */
export function decodeAsPath(value: Uint8Array, asSize: AsSize): AsPathSegment[] | undefined {
  const segments: AsPathSegment[] = [];
  let p = 0;
  while (p < value.length) {
    if (p + 2 > value.length) return undefined;
    const type = value[p]!;
    const count = value[p + 1]!;
    p += 2;
    if (type < AsPathSegmentType.AS_SET || type > AsPathSegmentType.AS_CONFED_SET || count === 0) return undefined;
    if (p + count * asSize > value.length) return undefined;
    const asns = new Array<number>(count);
    for (let i = 0; i < count; i++, p += asSize) {
      asns[i] = asSize === 2
        ? (value[p]! << 8) | value[p + 1]!
        : ((value[p]! << 24) >>> 0) + ((value[p + 1]! << 16) | (value[p + 2]! << 8) | value[p + 3]!);
    }
    segments.push({ type, asns });
  }
  return segments;
}

/** Encodes a path; segments longer than 255 AS numbers are split (the count field is one octet). */
export function encodeAsPath(segments: readonly AsPathSegment[], asSize: AsSize): Uint8Array {
  const w = new Writer(64);
  for (const seg of segments) {
    for (let from = 0; from < seg.asns.length; from += 255) {
      const chunk = seg.asns.slice(from, from + 255);
      w.u8(seg.type).u8(chunk.length);
      for (const asn of chunk) {
        if (asSize === 4) w.u32(asn);
        else w.u16(asn > 0xffff ? AS_TRANS : asn);
      }
    }
  }
  return w.finish();
}

function isConfed(seg: AsPathSegment): boolean {
  return seg.type === AsPathSegmentType.AS_CONFED_SEQUENCE || seg.type === AsPathSegmentType.AS_CONFED_SET;
}

/** RFC 6793 6: confederation segments are not valid in AS4_PATH. */
export function hasConfedSegment(segments: readonly AsPathSegment[]): boolean {
  return segments.some(isConfed);
}

/** AS numbers counted as for path length (RFC 4271 9.1.2.2): a set counts 1, confederation segments 0. */
function pathCount(segments: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segments) n += isConfed(s) ? 0 : s.type === AsPathSegmentType.AS_SET ? 1 : s.asns.length;
  return n;
}

/** RFC 6793 4.2.2: an OLD peer needs AS4_PATH when the path has an AS that does not fit 2 octets. */
export function needsAs4Path(segments: readonly AsPathSegment[]): boolean {
  return segments.some((s) => !isConfed(s) && s.asns.some((a) => a > 0xffff));
}

/** The AS4_PATH to send with `segments` to an OLD peer: the path without confederation segments. */
export function as4PathOf(segments: readonly AsPathSegment[]): AsPathSegment[] {
  return segments.filter((s) => !isConfed(s));
}

/**
 * RFC 6793 4.2.3: rebuild the 4-octet path from an OLD peer's AS_PATH and AS4_PATH. When AS_PATH counts
 * fewer AS numbers than AS4_PATH, AS4_PATH is ignored; otherwise the leading AS numbers of AS_PATH that
 * AS4_PATH lacks (with the confederation segments leading or next to them) are put in front of it.
 */
export function mergeAs4Path(asPath: readonly AsPathSegment[], as4Path: readonly AsPathSegment[]): AsPathSegment[] {
  let missing = pathCount(asPath) - pathCount(as4Path);
  if (missing < 0) return [...asPath];
  const head: AsPathSegment[] = [];
  for (const seg of asPath) {
    if (isConfed(seg)) { head.push(seg); continue; }
    if (missing === 0) break;
    if (seg.type === AsPathSegmentType.AS_SET) { head.push(seg); missing -= 1; continue; }
    const take = Math.min(missing, seg.asns.length);
    head.push({ type: seg.type, asns: seg.asns.slice(0, take) });
    missing -= take;
  }
  const out = [...head];
  for (const seg of as4Path) {
    const last = out[out.length - 1];
    // Join a cut AS_SEQUENCE with the AS4_PATH sequence it continues, so the path reads as it was sent.
    if (last !== undefined && out.length === head.length && last.type === AsPathSegmentType.AS_SEQUENCE
      && seg.type === AsPathSegmentType.AS_SEQUENCE && last.asns.length + seg.asns.length <= 255) {
      out[out.length - 1] = { type: seg.type, asns: [...last.asns, ...seg.asns] };
    } else {
      out.push(seg);
    }
  }
  return out;
}

/**
 * RFC 6793 4.2.3: AGGREGATOR and AS4_AGGREGATOR from an OLD peer. If AGGREGATOR holds a real AS (not
 * AS_TRANS), AS4_AGGREGATOR and AS4_PATH are both ignored; `useAs4Path` says whether AS4_PATH may be used.
 */
export function mergeAs4Aggregator(aggregator: Aggregator | undefined, as4Aggregator: Aggregator | undefined):
  { aggregator: Aggregator | undefined; useAs4Path: boolean } {
  if (aggregator === undefined || as4Aggregator === undefined) return { aggregator, useAs4Path: true };
  if (aggregator.asn !== AS_TRANS) return { aggregator, useAs4Path: false };
  return { aggregator: as4Aggregator, useAs4Path: true };
}
