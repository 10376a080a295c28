/**
 * IP addresses and prefixes, IPv4 and IPv6, as bytes plus helpers to parse and print them.
 * Parsing and IPv6 formatting go through the ip-address package; IPv4 has a fast path
 * because the RIB formats hundreds of thousands of /32 keys.
 */
import { Address4, Address6 } from 'ip-address';


export type Family = 4 | 6;

export interface Prefix {
  readonly family: Family;
  /** Network bytes, 4 or 16 long; bits past `len` are zero. */
  readonly addr: Uint8Array;
  readonly len: number;
}

export class AddressError extends Error {
  constructor(readonly input: string, reason: string) {
    super(`${JSON.stringify(input)}: ${reason}`);
    this.name = 'AddressError';
  }
}

export function familyOf(text: string): Family {
  return text.includes(':') ? 6 : 4;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parse an address (no prefix length) into 4 or 16 bytes. */
export function parseAddress(text: string): Uint8Array {
  // fast path for the common case: dotted-quad IPv4 (next hops, prefixes by the hundred thousand)
  const m = IPV4.exec(text);
  if (m) {
    const b = Uint8Array.of(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]));
    if (b[0] === Number(m[1]) && b[1] === Number(m[2]) && b[2] === Number(m[3]) && b[3] === Number(m[4]) && !/(^|\.)0\d/.test(text)) return b;
  }
  try {
    if (familyOf(text) === 4) {
      const a = new Address4(text);
      if (a.subnetMask !== 32 || text.includes('/')) throw new Error('an address, not a prefix, was expected');
      return Uint8Array.from(a.toArray());
    }
    const a = new Address6(text);
    if (a.subnetMask !== 128 || text.includes('/')) throw new Error('an address, not a prefix, was expected');
    return Uint8Array.from(pad16(a.toByteArray()));
  } catch (e) {
    throw new AddressError(text, e instanceof Error ? e.message : String(e));
  }
}

/** ip-address gives the big-endian bytes of a number: leading zeros dropped, a sign byte sometimes added. */
function pad16(bytes: number[]): number[] {
  const tail = bytes.slice(-16).map((x) => x & 0xff);
  return new Array<number>(16 - tail.length).fill(0).concat(tail);
}

export function formatAddress(addr: Uint8Array): string {
  if (addr.length === 4) return `${addr[0]}.${addr[1]}.${addr[2]}.${addr[3]}`;
  if (addr.length === 16) return Address6.fromByteArray(Array.from(addr)).correctForm();
  throw new AddressError(`<${addr.length} bytes>`, 'an address is 4 or 16 bytes');
}

/** Zero every bit past `len`; returns a new array. */
export function maskBytes(addr: Uint8Array, len: number): Uint8Array {
  const out = Uint8Array.from(addr);
  for (let i = 0; i < out.length; i++) {
    const bits = len - i * 8;
    if (bits >= 8) continue;
    out[i] = bits <= 0 ? 0 : out[i]! & (0xff << (8 - bits));
  }
  return out;
}

/** Parse "10.1.1.0/24" or "2001:db8::/64" (a bare address means a host prefix). Host bits must be zero. */
export function parsePrefix(text: string): Prefix {
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const addr = parseAddress(addrText);
  const max = addr.length * 8;
  let len = max;
  if (slash >= 0) {
    const lenText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lenText)) throw new AddressError(text, 'prefix length is not a number');
    len = Number(lenText);
    if (len > max) throw new AddressError(text, `prefix length ${len} is longer than ${max}`);
  }
  const masked = maskBytes(addr, len);
  if (!equalBytes(masked, addr)) throw new AddressError(text, `host bits are set (did you mean ${formatAddress(masked)}/${len}?)`);
  return { family: addr.length === 4 ? 4 : 6, addr, len };
}

export function formatPrefix(p: Prefix): string {
  if (p.addr.length === 4) return formatPrefix4(p.addr, p.len);
  return `${formatAddress(p.addr)}/${p.len}`;
}

/** Character codes of the IPv4 prefix being formatted (at most "255.255.255.255/32", 18). */
const codes4: number[] = [];

/**
 * "a.b.c.d/len" built from character codes: a flat string in one allocation. A template literal builds a
 * concatenation (cons) string, which keeps a second object alive next to its flattened text once it is used as
 * a Map key: some 50 bytes more for each of the hundreds of thousands of prefix keys a RIB holds.
 */
function formatPrefix4(a: Uint8Array, len: number): string {
  let n = 0;
  for (let i = 0; i < 4; i++) {
    const b = a[i]!;
    if (b >= 100) { codes4[n++] = 48 + ((b / 100) | 0); codes4[n++] = 48 + (((b / 10) | 0) % 10); }
    else if (b >= 10) codes4[n++] = 48 + ((b / 10) | 0);
    codes4[n++] = 48 + (b % 10);
    codes4[n++] = i < 3 ? 46 : 47; // '.' or '/'
  }
  if (len >= 100) codes4[n++] = 48 + ((len / 100) | 0);
  if (len >= 10) codes4[n++] = 48 + (((len / 10) | 0) % 10);
  codes4[n++] = 48 + (len % 10);
  codes4.length = n;
  return String.fromCharCode.apply(null, codes4);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Does `outer` contain `inner` (same family, inner at least as long, same leading bits)? */
export function prefixContains(outer: Prefix, inner: Prefix): boolean {
  if (outer.family !== inner.family || inner.len < outer.len) return false;
  return equalBytes(maskBytes(inner.addr, outer.len), outer.addr);
}

export function addressInPrefix(addr: Uint8Array, p: Prefix): boolean {
  return prefixContains(p, { family: addr.length === 4 ? 4 : 6, addr, len: addr.length * 8 });
}
