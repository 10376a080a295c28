/**
 * Path attribute list of an UPDATE (RFC 4271 4.3 and 5), table-driven as BIRD keeps it: one row per
 * attribute with its expected flags, the RFC 7606 section 7 action a malformed value costs, its value
 * decoder and its value encoder. Errors follow RFC 7606: they are collected with their action
 * (treat-as-withdraw, attribute-discard, AFI/SAFI disable) and only errors that require a session reset
 * are thrown. AS4_PATH / AS4_AGGREGATOR from an OLD peer are merged into the 4-octet view (RFC 6793
 * 4.2.3) and generated for it on encode (RFC 6793 4.2.2). Unknown optional transitive attributes are
 * kept with the Partial bit set; unknown optional non-transitive ones are dropped (RFC 4271 5).
 */
import type { Reader } from '../../lib/bytes.js';
import { Writer } from '../../lib/bytes.js';
import { formatAddress, parseAddress } from '../../lib/address.js';
import {
  as4PathOf, decodeAsPath, encodeAsPath, hasConfedSegment, mergeAs4Aggregator, mergeAs4Path, needsAs4Path,
} from './as-path.js';
import type { Aggregator, AsSize } from './as-path.js';
import { BgpError } from './error.js';
import type { ErrorAction } from './error.js';
import { Malformed } from './malformed.js';
import { decodeMpReach, decodeMpUnreach, encodeMpReach, encodeMpUnreach } from './mp.js';
import { AS_TRANS, AttrCode, AttrFlag, ErrorCode, UpdateSubcode } from './types.js';
import type {
  AfiSafi, AsPathSegment, CodecContext, ExtendedCommunity, LargeCommunity, PathAttributes, RawAttribute,
} from './types.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
/** Attributes being decoded, plus the AS4_* values waiting for the RFC 6793 merge. */
type Acc = Mutable<PathAttributes> & { as4Path?: AsPathSegment[]; as4Aggregator?: Aggregator };

const WELL_KNOWN = AttrFlag.TRANSITIVE;
const OPTIONAL = AttrFlag.OPTIONAL;
const OPTIONAL_TRANSITIVE = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE;
const TAW: ErrorAction = 'treat-as-withdraw';
const DISCARD: ErrorAction = 'attribute-discard';

export interface AttrSpec {
  readonly name: string;
  /** Expected Optional and Transitive bits (RFC 4271 5), and the flags it is sent with. */
  readonly flags: number;
  /**
   * What a malformed value costs (RFC 7606 7, RFC 6793 6, RFC 8092 6); the MP attributes decide per error
   * (RFC 7606 7.11, 5.3: AFI/SAFI disable, or a session reset when the family cannot be read).
   */
  readonly malformed: ErrorAction | 'per-error';
  decode(value: Uint8Array, ctx: CodecContext, acc: Acc): void;
  /** The value to send, or undefined when `a` has none to send (AS4_* only to an OLD peer, RFC 6793 4.2.2). */
  encode(a: PathAttributes, ctx: CodecContext): Uint8Array | undefined;
}

function lengthError(action: ErrorAction, why: string): Malformed {
  return new Malformed(UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, action, why);
}
function exactly(value: Uint8Array, n: number, action: ErrorAction, name: string): void {
  if (value.length !== n) throw lengthError(action, `${name} length ${value.length}, expected ${n}`);
}
/** RFC 7606 7.8, 7.10, 7.14, RFC 8092 6: list attributes have a non-zero multiple of the item size. */
function listOf(value: Uint8Array, size: number, name: string): void {
  if (value.length === 0 || value.length % size !== 0) throw lengthError(TAW, `${name} length ${value.length} is not a non-zero multiple of ${size}`);
}
function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) >>> 0) + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
}
function u32s(value: Uint8Array): number[] {
  const out = new Array<number>(value.length >>> 2);
  for (let i = 0; i < out.length; i++) out[i] = u32(value, i * 4);
  return out;
}
function hasAsZero(segments: readonly AsPathSegment[]): boolean {
  return segments.some((s) => s.asns.includes(0));
}
function asSize(ctx: CodecContext): AsSize { return ctx.fourOctetAs ? 4 : 2; }

/** AGGREGATOR / AS4_AGGREGATOR: AS of `size` octets then an IPv4 address. RFC 7607: AS 0 is malformed. */
function decodeAggregator(value: Uint8Array, size: AsSize, name: string): Aggregator {
  exactly(value, size + 4, DISCARD, name);
  const asn = size === 4 ? u32(value, 0) : (value[0]! << 8) | value[1]!;
  if (asn === 0) throw new Malformed(UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, DISCARD, `${name} with AS 0`);
  return { asn, address: formatAddress(value.subarray(size, size + 4)) };
}

function u32Bytes(list: readonly number[]): Uint8Array {
  const w = new Writer(list.length * 4);
  for (const x of list) w.u32(x);
  return w.finish();
}

function aggregatorBytes(a: Aggregator, size: AsSize): Uint8Array {
  const w = new Writer(8);
  if (size === 4) w.u32(a.asn); else w.u16(a.asn > 0xffff ? AS_TRANS : a.asn);
  return w.bytes(parseAddress(a.address)).finish();
}

function addressBytes(list: readonly string[]): Uint8Array {
  const w = new Writer(list.length * 4);
  for (const id of list) w.bytes(parseAddress(id));
  return w.finish();
}

function extendedBytes(list: readonly ExtendedCommunity[]): Uint8Array {
  const w = new Writer(list.length * 8);
  for (const ec of list) w.u8(ec.type).u8(ec.subtype).bytes(ec.value);
  return w.finish();
}

/** The attribute table, in ascending type code order (the order encodeAttributes sends them in). */
export const SPECS: ReadonlyMap<number, AttrSpec> = new Map<number, AttrSpec>([
  [AttrCode.ORIGIN, {
    name: 'ORIGIN', flags: WELL_KNOWN, malformed: TAW,
    encode: (a) => (a.origin === undefined ? undefined : Uint8Array.of(a.origin)),
    decode(v, _c, acc) {
      exactly(v, 1, TAW, 'ORIGIN');
      // RFC 4271 6.3 / RFC 7606 7.1: an undefined ORIGIN value.
      if (v[0]! > 2) throw new Malformed(UpdateSubcode.INVALID_ORIGIN_ATTRIBUTE, TAW, `ORIGIN value ${v[0]}`);
      acc.origin = v[0] as 0 | 1 | 2;
    },
  }],
  [AttrCode.AS_PATH, {
    name: 'AS_PATH', flags: WELL_KNOWN, malformed: TAW,
    encode: (a, ctx) => (a.asPath === undefined ? undefined : encodeAsPath(a.asPath, asSize(ctx))),
    decode(v, ctx, acc) {
      const path = decodeAsPath(v, asSize(ctx));
      // RFC 7606 7.2 (and RFC 7607 for AS 0): a malformed AS_PATH is treat-as-withdraw.
      if (path === undefined || hasAsZero(path)) throw new Malformed(UpdateSubcode.MALFORMED_AS_PATH, TAW, 'malformed AS_PATH');
      acc.asPath = path;
    },
  }],
  [AttrCode.NEXT_HOP, {
    name: 'NEXT_HOP', flags: WELL_KNOWN, malformed: TAW,
    encode: (a) => (a.nextHop === undefined ? undefined : parseAddress(a.nextHop)),
    decode(v, _c, acc) {
      exactly(v, 4, TAW, 'NEXT_HOP');
      // RFC 4271 6.3 / RFC 7606 7.3: a next hop that is not a unicast host address (0/8, multicast, class E,
      // broadcast) is semantically incorrect and the route is ignored.
      if (v[0] === 0 || v[0]! >= 224) throw new Malformed(UpdateSubcode.INVALID_NEXT_HOP_ATTRIBUTE, TAW, `NEXT_HOP ${formatAddress(v)}`);
      acc.nextHop = formatAddress(v);
    },
  }],
  [AttrCode.MULTI_EXIT_DISC, {
    name: 'MULTI_EXIT_DISC', flags: OPTIONAL, malformed: TAW,
    encode: (a) => (a.med === undefined ? undefined : u32Bytes([a.med])),
    decode(v, _c, acc) { exactly(v, 4, TAW, 'MULTI_EXIT_DISC'); acc.med = u32(v, 0); },
  }],
  [AttrCode.LOCAL_PREF, {
    name: 'LOCAL_PREF', flags: WELL_KNOWN, malformed: TAW,
    encode: (a) => (a.localPref === undefined ? undefined : u32Bytes([a.localPref])),
    decode(v, _c, acc) { exactly(v, 4, TAW, 'LOCAL_PREF'); acc.localPref = u32(v, 0); },
  }],
  // RFC 7606 7.6 and 7.7: bad ATOMIC_AGGREGATE or AGGREGATOR lengths are attribute-discard.
  [AttrCode.ATOMIC_AGGREGATE, {
    name: 'ATOMIC_AGGREGATE', flags: WELL_KNOWN, malformed: DISCARD,
    encode: (a) => (a.atomicAggregate === true ? new Uint8Array(0) : undefined),
    decode(v, _c, acc) { exactly(v, 0, DISCARD, 'ATOMIC_AGGREGATE'); acc.atomicAggregate = true; },
  }],
  [AttrCode.AGGREGATOR, {
    name: 'AGGREGATOR', flags: OPTIONAL_TRANSITIVE, malformed: DISCARD,
    encode: (a, ctx) => (a.aggregator === undefined ? undefined : aggregatorBytes(a.aggregator, asSize(ctx))),
    decode(v, ctx, acc) { acc.aggregator = decodeAggregator(v, asSize(ctx), 'AGGREGATOR'); },
  }],
  [AttrCode.COMMUNITIES, {
    name: 'COMMUNITIES', flags: OPTIONAL_TRANSITIVE, malformed: TAW,
    encode: (a) => (a.communities?.length ? u32Bytes(a.communities) : undefined),
    decode(v, _c, acc) { listOf(v, 4, 'COMMUNITIES'); acc.communities = u32s(v); },
  }],
  // RFC 7606 7.9 and 7.10.
  [AttrCode.ORIGINATOR_ID, {
    name: 'ORIGINATOR_ID', flags: OPTIONAL, malformed: TAW,
    encode: (a) => (a.originatorId === undefined ? undefined : parseAddress(a.originatorId)),
    decode(v, _c, acc) { exactly(v, 4, TAW, 'ORIGINATOR_ID'); acc.originatorId = formatAddress(v); },
  }],
  [AttrCode.CLUSTER_LIST, {
    name: 'CLUSTER_LIST', flags: OPTIONAL, malformed: TAW,
    encode: (a) => (a.clusterList?.length ? addressBytes(a.clusterList) : undefined),
    decode(v, _c, acc) {
      listOf(v, 4, 'CLUSTER_LIST');
      acc.clusterList = Array.from({ length: v.length / 4 }, (_, i) => formatAddress(v.subarray(i * 4, i * 4 + 4)));
    },
  }],
  [AttrCode.MP_REACH_NLRI, {
    name: 'MP_REACH_NLRI', flags: OPTIONAL, malformed: 'per-error',
    encode: (a, ctx) => (a.mpReach === undefined ? undefined : encodeMpReach(a.mpReach, ctx)),
    decode(v, ctx, acc) { acc.mpReach = decodeMpReach(v, ctx); },
  }],
  [AttrCode.MP_UNREACH_NLRI, {
    name: 'MP_UNREACH_NLRI', flags: OPTIONAL, malformed: 'per-error',
    encode: (a, ctx) => (a.mpUnreach === undefined ? undefined : encodeMpUnreach(a.mpUnreach, ctx)),
    decode(v, ctx, acc) { acc.mpUnreach = decodeMpUnreach(v, ctx); },
  }],
  [AttrCode.EXTENDED_COMMUNITIES, {
    name: 'EXTENDED_COMMUNITIES', flags: OPTIONAL_TRANSITIVE, malformed: TAW,
    encode: (a) => (a.extendedCommunities?.length ? extendedBytes(a.extendedCommunities) : undefined),
    decode(v, _c, acc) {
      listOf(v, 8, 'EXTENDED_COMMUNITIES');
      const list: ExtendedCommunity[] = [];
      for (let p = 0; p < v.length; p += 8) list.push({ type: v[p]!, subtype: v[p + 1]!, value: v.slice(p + 2, p + 8) });
      acc.extendedCommunities = list;
    },
  }],
  // RFC 6793 4.1: a NEW speaker never receives AS4_* from a NEW peer; if it does, they are discarded.
  // RFC 6793 4.2.2: to an OLD peer, AS numbers that need 4 octets go in AS4_PATH / AS4_AGGREGATOR as well.
  // RFC 6793 6 / RFC 7607: malformed ones (confederation segments, AS 0) are attribute-discard.
  [AttrCode.AS4_PATH, {
    name: 'AS4_PATH', flags: OPTIONAL_TRANSITIVE, malformed: DISCARD,
    encode: (a, ctx) => (asSize(ctx) === 2 && a.asPath !== undefined && needsAs4Path(a.asPath) ? encodeAsPath(as4PathOf(a.asPath), 4) : undefined),
    decode(v, ctx, acc) {
      if (ctx.fourOctetAs) return;
      const path = decodeAsPath(v, 4);
      if (path === undefined || hasConfedSegment(path) || hasAsZero(path)) {
        throw new Malformed(UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, DISCARD, 'malformed AS4_PATH');
      }
      acc.as4Path = path;
    },
  }],
  [AttrCode.AS4_AGGREGATOR, {
    name: 'AS4_AGGREGATOR', flags: OPTIONAL_TRANSITIVE, malformed: DISCARD,
    encode: (a, ctx) => (asSize(ctx) === 2 && a.aggregator !== undefined && a.aggregator.asn > 0xffff ? aggregatorBytes(a.aggregator, 4) : undefined),
    decode(v, ctx, acc) {
      if (!ctx.fourOctetAs) acc.as4Aggregator = decodeAggregator(v, 4, 'AS4_AGGREGATOR');
    },
  }],
  [AttrCode.LARGE_COMMUNITY, {
    name: 'LARGE_COMMUNITY', flags: OPTIONAL_TRANSITIVE, malformed: TAW,
    encode: (a) => (a.largeCommunities?.length ? u32Bytes(a.largeCommunities.flat()) : undefined),
    decode(v, _c, acc) {
      listOf(v, 12, 'LARGE_COMMUNITY');
      const list: LargeCommunity[] = [];
      for (let p = 0; p < v.length; p += 12) list.push([u32(v, p), u32(v, p + 4), u32(v, p + 8)]);
      acc.largeCommunities = list;
    },
  }],
]);

export interface DecodedAttributes {
  readonly attributes: PathAttributes;
  readonly errors: BgpError[];
  /** Attribute type codes that appeared in the list (well-formed or not), for the mandatory check. */
  readonly present: ReadonlySet<number>;
  /** Families to disable (RFC 7606 'afisafi-disable'). */
  readonly disabledFamilies: AfiSafi[];
}

function updateError(subcode: number, message: string, data: Uint8Array, action: ErrorAction): BgpError {
  return new BgpError(ErrorCode.UPDATE_MESSAGE, subcode, message, data, action);
}

/**
 * Decodes `length` bytes of path attributes at the reader. Throws BgpError only for session-reset cases:
 * an unrecognized well-known attribute (RFC 4271 6.3), a repeated MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 7606
 * 3.g), an MP attribute too short to name its family (RFC 7606 7.11).
 */
export function decodeAttributes(reader: Reader, length: number, ctx: CodecContext): DecodedAttributes {
  const buf = reader.buf;
  const end = reader.offset + length;
  const acc: Acc = {};
  const errors: BgpError[] = [];
  const present = new Set<number>();
  const disabledFamilies: AfiSafi[] = [];
  const unknown: RawAttribute[] = [];
  let p = reader.offset;
  while (p < end) {
    const start = p;
    const flags = buf[p]!;
    const extended = (flags & AttrFlag.EXTENDED_LENGTH) !== 0;
    const head = extended ? 4 : 3;
    // RFC 7606 4: fewer octets than an attribute header, or an attribute overrunning the Total Path
    // Attribute Length, is treat-as-withdraw; the Total Path Attribute Length still locates the NLRI.
    if (end - p < head) {
      errors.push(updateError(UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, 'truncated attribute header', new Uint8Array(0), TAW));
      break;
    }
    const code = buf[p + 1]!;
    const len = extended ? (buf[p + 2]! << 8) | buf[p + 3]! : buf[p + 2]!;
    p += head;
    if (p + len > end) {
      const why = `attribute ${code} overruns the attribute list`;
      if (code === AttrCode.MP_REACH_NLRI || code === AttrCode.MP_UNREACH_NLRI) {
        // Its NLRI cannot be found, so treat-as-withdraw is impossible: disable the family if it can be read.
        if (end - p < 3) throw updateError(UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, why, new Uint8Array(0), 'session-reset');
        errors.push(updateError(UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, why, new Uint8Array(0), 'afisafi-disable'));
        disabledFamilies.push({ afi: (buf[p]! << 8) | buf[p + 1]!, safi: buf[p + 2]! });
      } else {
        errors.push(updateError(UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, why, new Uint8Array(0), TAW));
      }
      break;
    }
    const value = buf.subarray(p, p + len);
    p += len;
    // RFC 4271 6.3: the data of attribute errors is the whole erroneous attribute (type, length, value).
    const whole = (): Uint8Array => buf.slice(start, p);
    if (present.has(code)) {
      // RFC 7606 3.g: a repeated MP_REACH_NLRI or MP_UNREACH_NLRI is Malformed Attribute List (session reset);
      // any other repeated attribute is discarded after the first.
      if (code === AttrCode.MP_REACH_NLRI || code === AttrCode.MP_UNREACH_NLRI) {
        throw updateError(UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, `attribute ${code} appears twice`, new Uint8Array(0), 'session-reset');
      }
      errors.push(updateError(UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, `attribute ${code} repeated; the repeat is discarded`, whole(), DISCARD));
      continue;
    }
    present.add(code);
    const spec = SPECS.get(code);
    if (spec === undefined) {
      if ((flags & AttrFlag.OPTIONAL) === 0) {
        throw updateError(UpdateSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE, `unrecognized well-known attribute ${code}`, whole(), 'session-reset');
      }
      // RFC 4271 5: an unrecognized optional transitive attribute is passed on with the Partial bit set.
      if ((flags & AttrFlag.TRANSITIVE) !== 0) {
        unknown.push({ flags: (flags | AttrFlag.PARTIAL) & ~AttrFlag.EXTENDED_LENGTH, code, value: value.slice() });
      }
      continue;
    }
    // RFC 7606 3.c: Optional or Transitive bits in conflict with the attribute's definition make it malformed,
    // treat-as-withdraw. (Only those two bits: a Partial bit where RFC 4271 wants 0 is tolerated.) For the
    // MP attributes RFC 4760 7 applies instead: an incorrect one disables its AFI/SAFI.
    if ((flags & OPTIONAL_TRANSITIVE) !== spec.flags) {
      const why = `attribute ${code} flags 0x${flags.toString(16)}`;
      if (code !== AttrCode.MP_REACH_NLRI && code !== AttrCode.MP_UNREACH_NLRI) {
        errors.push(updateError(UpdateSubcode.ATTRIBUTE_FLAGS_ERROR, why, whole(), TAW));
      } else if (value.length < 3) {
        throw updateError(UpdateSubcode.ATTRIBUTE_FLAGS_ERROR, why, whole(), 'session-reset');
      } else {
        errors.push(updateError(UpdateSubcode.ATTRIBUTE_FLAGS_ERROR, why, whole(), 'afisafi-disable'));
        disabledFamilies.push({ afi: (value[0]! << 8) | value[1]!, safi: value[2]! });
      }
      continue;
    }
    try {
      spec.decode(value, ctx, acc);
    } catch (e) {
      if (!(e instanceof Malformed)) throw e;
      const err = updateError(e.subcode, e.why, whole(), e.action);
      if (e.action === 'session-reset') throw err;
      errors.push(err);
      if (e.family !== undefined) disabledFamilies.push(e.family);
    }
  }
  reader.skip(length);
  const { as4Path, as4Aggregator, ...attributes } = acc;
  if (!ctx.fourOctetAs) {
    const merged = mergeAs4Aggregator(attributes.aggregator, as4Aggregator);
    if (merged.aggregator !== undefined) attributes.aggregator = merged.aggregator;
    if (merged.useAs4Path && as4Path !== undefined && attributes.asPath !== undefined) {
      attributes.asPath = mergeAs4Path(attributes.asPath, as4Path);
    }
  }
  if (unknown.length > 0) attributes.unknown = unknown;
  return { attributes, errors, present, disabledFamilies };
}

/** One attribute as flags, type, length, value; the Extended Length bit is set when the value exceeds 255. */
function tlv(w: Writer, flags: number, code: number, value: Uint8Array): void {
  if (value.length > 255) w.u8(flags | AttrFlag.EXTENDED_LENGTH).u8(code).u16(value.length);
  else w.u8(flags & ~AttrFlag.EXTENDED_LENGTH).u8(code).u8(value.length);
  w.bytes(value);
}

/**
 * Encodes the attributes. RFC 7606 5.1: MP_REACH_NLRI / MP_UNREACH_NLRI come first; the others follow in
 * ascending type code order (RFC 4271 5: the order is a SHOULD of no semantic weight).
 */
export function encodeAttributes(a: PathAttributes, ctx: CodecContext): Uint8Array {
  const w = new Writer(256);
  const rest: RawAttribute[] = [...(a.unknown ?? [])];
  for (const [code, spec] of SPECS) {
    const value = spec.encode(a, ctx);
    if (value === undefined) continue;
    if (code === AttrCode.MP_REACH_NLRI || code === AttrCode.MP_UNREACH_NLRI) tlv(w, spec.flags, code, value);
    else rest.push({ flags: spec.flags, code, value });
  }
  for (const t of rest.sort((x, y) => x.code - y.code)) tlv(w, t.flags, t.code, t.value);
  return w.finish();
}
