/**
 * Attribute value helpers shared by the IPVS codecs: addresses as the kernel's union nf_inet_addr (16 bytes;
 * IPv4 uses the first 4), 16-bit ports in network order, address families, protocols, 64-bit counters.
 */
import { formatAddress, parseAddress, type Family } from '../../../lib/address.js';
import type { Writer } from '../../../lib/bytes.js';
import { putAttr } from '../attributes.js';
import { AF_INET, AF_INET6 } from '../constants.js';
import { NetlinkDecodeError } from '../error.js';
import { IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP } from './constants.js';
import type { IpvsProtocol } from './types.js';

export const afOf = (family: Family): number => (family === 4 ? AF_INET : AF_INET6);
export function familyOfAf(af: number): Family {
  if (af === AF_INET) return 4;
  if (af === AF_INET6) return 6;
  throw new NetlinkDecodeError(`address family ${af} is neither AF_INET nor AF_INET6`);
}
export const familyOfText = (address: string): Family => (parseAddress(address).length === 4 ? 4 : 6);

/** union nf_inet_addr: 16 bytes, an IPv4 address in the first 4 (as ipvsadm sends it). */
export function putInetAddr(w: Writer, type: number, address: string): void {
  const a = parseAddress(address);
  const u = new Uint8Array(16);
  u.set(a);
  putAttr(w, type, u);
}
export function inetAddr(v: Uint8Array, family: Family): string {
  const n = family === 4 ? 4 : 16;
  if (v.length < n) throw new NetlinkDecodeError(`address attribute of ${v.length} bytes for IPv${family}`);
  return formatAddress(v.subarray(0, n));
}

export function putBe16(w: Writer, type: number, v: number): void {
  putAttr(w, type, Uint8Array.of((v >>> 8) & 0xff, v & 0xff));
}
export function be16(v: Uint8Array): number {
  if (v.length < 2) throw new NetlinkDecodeError(`be16 attribute of ${v.length} bytes`);
  return (v[0]! << 8) | v[1]!;
}

const PROTOCOLS: Readonly<Record<IpvsProtocol, number>> = { tcp: IPPROTO_TCP, udp: IPPROTO_UDP, sctp: IPPROTO_SCTP };
export const protocolNumber = (p: IpvsProtocol): number => PROTOCOLS[p];
export function protocolName(n: number): IpvsProtocol {
  const p = (Object.keys(PROTOCOLS) as IpvsProtocol[]).find((k) => PROTOCOLS[k] === n);
  if (!p) throw new NetlinkDecodeError(`IP protocol ${n} is not one IPVS balances`);
  return p;
}

/** A counter attribute: 64 bits when 8 bytes long, else 32. */
export function counter(v: Uint8Array): bigint {
  const dv = new DataView(v.buffer, v.byteOffset, v.length);
  if (v.length >= 8) return dv.getBigUint64(0, true);
  if (v.length >= 4) return BigInt(dv.getUint32(0, true));
  throw new NetlinkDecodeError(`counter attribute of ${v.length} bytes`);
}
