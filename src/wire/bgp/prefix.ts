/**
 * NLRI prefix lists: the <length, prefix> encoding of RFC 4271 4.3, used by the withdrawn routes and
 * NLRI fields and by MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760 5), with the optional 4-octet path
 * identifier of RFC 7911 3. Decoding walks the buffer directly: it is the hot path when a peer sends
 * a full table, so it allocates only the objects it returns (and one buffer their addresses share).
 */
import type { Reader, Writer } from '../../lib/bytes.js';
import type { Family, Prefix } from '../../lib/address.js';
import { BgpError } from './error.js';
import { ErrorCode, UpdateSubcode } from './types.js';
import type { Nlri } from './types.js';

function invalidNetworkField(why: string): BgpError {
  // RFC 4271 6.3: a syntactically incorrect NLRI field is Invalid Network Field (3/10). RFC 7606 5.3: a
  // prefix list that cannot be parsed leaves no way to withdraw, so the session is reset.
  return new BgpError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.INVALID_NETWORK_FIELD, `invalid network field: ${why}`);
}

/**
 * Decodes the `length` bytes at the reader as a list of prefixes of one family. Throws BgpError 3/10
 * (session-reset) when a prefix is longer than the family allows or runs past the field.
 */
export function decodePrefixes(reader: Reader, length: number, family: Family, addPath: boolean): Nlri[] {
  if (length > reader.remaining) throw invalidNetworkField('field runs past its container');
  const buf = reader.buf;
  const start = reader.offset;
  const end = start + length;
  const size = family === 4 ? 4 : 16;
  const maxLen = size * 8;
  const head = addPath ? 5 : 1;
  // First pass: validate and count, so the second pass never has to undo anything.
  let count = 0;
  for (let p = start; p < end; count++) {
    if (p + head > end) throw invalidNetworkField('truncated prefix');
    const len = buf[p + head - 1]!;
    if (len > maxLen) throw invalidNetworkField(`prefix length ${len} for IPv${family}`);
    p += head + ((len + 7) >>> 3);
    if (p > end) throw invalidNetworkField('prefix runs past the field');
  }
  const out = new Array<Nlri>(count);
  // one buffer for all the addresses of the field, a view per prefix: a Uint8Array of its own costs twice
  // the memory, and a RIB keeps hundreds of thousands of them
  const bytes = new ArrayBuffer(count * size);
  let p = start;
  for (let i = 0; i < count; i++) {
    let pathId = 0;
    if (addPath) {
      pathId = ((buf[p]! << 24) >>> 0) + ((buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!);
      p += 4;
    }
    const len = buf[p++]!;
    const n = (len + 7) >>> 3;
    const addr = new Uint8Array(bytes, i * size, size);
    for (let k = 0; k < n; k++) addr[k] = buf[p + k]!;
    // Bits past the prefix length are irrelevant on the wire (RFC 4271 4.3); Prefix keeps them zero.
    if ((len & 7) !== 0) addr[n - 1] = addr[n - 1]! & (0xff << (8 - (len & 7)));
    p += n;
    const prefix: Prefix = { family, addr, len };
    out[i] = addPath ? { prefix, pathId } : { prefix };
  }
  reader.skip(length);
  return out;
}

/** Bytes one entry takes on the wire. */
function prefixLength(nlri: Nlri, addPath: boolean): number {
  return (addPath ? 5 : 1) + ((nlri.prefix.len + 7) >>> 3);
}

export function prefixesLength(list: readonly Nlri[], addPath: boolean): number {
  let total = 0;
  for (const n of list) total += prefixLength(n, addPath);
  return total;
}

/**
 * Writes one prefix into `buf` at `at`, preceded by `pathId` when it is defined (ADD-PATH); returns the
 * offset after it. Used by the fast UPDATE packer.
 */
export function writePrefix(buf: Uint8Array, at: number, prefix: Prefix, pathId: number | undefined): number {
  let p = at;
  if (pathId !== undefined) {
    buf[p] = pathId >>> 24; buf[p + 1] = (pathId >>> 16) & 0xff; buf[p + 2] = (pathId >>> 8) & 0xff; buf[p + 3] = pathId & 0xff;
    p += 4;
  }
  const { addr, len } = prefix;
  buf[p++] = len;
  const n = (len + 7) >>> 3;
  for (let k = 0; k < n; k++) buf[p + k] = addr[k]!;
  return p + n;
}

export function encodePrefixes(writer: Writer, list: readonly Nlri[], addPath: boolean): void {
  const total = prefixesLength(list, addPath);
  const scratch = new Uint8Array(total);
  let p = 0;
  for (const n of list) p = writePrefix(scratch, p, n.prefix, addPath ? n.pathId ?? 0 : undefined);
  writer.bytes(scratch);
}
