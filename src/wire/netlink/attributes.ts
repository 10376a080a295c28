/**
 * Netlink attributes (struct nlattr, linux/netlink.h): a 16-bit length that counts the 4-byte header and
 * the value but not the padding to the next 4-byte boundary, then a 16-bit type whose top two bits are the
 * NLA_F_NESTED / NLA_F_NET_BYTEORDER flags. Values are in host order (little-endian on our targets).
 */
import { Reader, Writer } from '../../lib/bytes.js';
import { NLA_F_NESTED, NLA_TYPE_MASK } from './constants.js';
import { NetlinkDecodeError } from './error.js';

export interface Attribute {
  /** Type without the flag bits. */
  readonly type: number;
  readonly value: Uint8Array;
}

export const align4 = (n: number): number => (n + 3) & ~3;

/** Every attribute up to the reader's end. */
export function decodeAttributes(r: Reader): Attribute[] {
  const out: Attribute[] = [];
  while (r.remaining >= 4) {
    const len = r.u16le();
    const type = r.u16le() & NLA_TYPE_MASK;
    if (len < 4 || len - 4 > r.remaining) throw new NetlinkDecodeError(`attribute type ${type}: length ${len} does not fit`);
    out.push({ type, value: r.bytes(len - 4) });
    r.skip(Math.min(align4(len) - len, r.remaining));
  }
  return out;
}

/** Attributes by type (the last one wins, as in the kernel's nla_parse). */
export function attributeMap(r: Reader): Map<number, Uint8Array> {
  const m = new Map<number, Uint8Array>();
  for (const a of decodeAttributes(r)) m.set(a.type, a.value);
  return m;
}

function fixed(value: Uint8Array, size: number, what: string): Reader {
  if (value.length < size) throw new NetlinkDecodeError(`${what}: ${value.length} bytes, ${size} expected`);
  return new Reader(value);
}
export const attrU8 = (v: Uint8Array): number => fixed(v, 1, 'u8 attribute').u8();
export const attrU16 = (v: Uint8Array): number => fixed(v, 2, 'u16 attribute').u16le();
export const attrU32 = (v: Uint8Array): number => fixed(v, 4, 'u32 attribute').u32le();
export const attrU64 = (v: Uint8Array): bigint => fixed(v, 8, 'u64 attribute').u64le();
/** A NUL-terminated string attribute (the NUL is optional on input). */
export function attrString(v: Uint8Array): string {
  const end = v.indexOf(0);
  return Buffer.from(v.buffer, v.byteOffset, end < 0 ? v.length : end).toString('utf8');
}

export function putAttr(w: Writer, type: number, value: Uint8Array): void {
  w.u16le(4 + value.length).u16le(type).bytes(value).zeros(align4(value.length) - value.length);
}
export function putU8(w: Writer, type: number, v: number): void { w.u16le(5).u16le(type).u8(v).zeros(3); }
export function putU16(w: Writer, type: number, v: number): void { w.u16le(6).u16le(type).u16le(v).zeros(2); }
export function putU32(w: Writer, type: number, v: number): void { w.u16le(8).u16le(type).u32le(v); }
export function putU64(w: Writer, type: number, v: bigint): void { w.u16le(12).u16le(type).u64le(v); }
export function putFlag(w: Writer, type: number): void { w.u16le(4).u16le(type); }
export function putString(w: Writer, type: number, s: string): void {
  putAttr(w, type, new Uint8Array(Buffer.from(`${s}\0`, 'utf8')));
}
/** An attribute whose value is written by `body` (nested attributes get NLA_F_NESTED). */
export function putNested(w: Writer, type: number, body: (w: Writer) => void, nestedFlag = true): void {
  const at = w.reserve(4);
  body(w);
  w.patchU16le(at, w.length - at);
  w.patchU16le(at + 2, nestedFlag ? type | NLA_F_NESTED : type);
}
