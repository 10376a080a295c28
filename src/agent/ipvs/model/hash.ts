/**
 * The kernel's hash functions the hashing schedulers use: hash_32 (multiply by GOLDEN_RATIO_32, keep the
 * top bits; include/linux/hash.h), the IPv6 address fold (xor of the four 32-bit words), and hsiphash, which
 * on 64-bit kernels is SipHash-1-3 truncated to 32 bits (lib/siphash.c) and which ip_vs_mh keys with fixed
 * constants, so Maglev tables are the same on every node.
 */
import { parseAddress } from '../../../lib/address.js';

const GOLDEN_RATIO_32 = 0x61c88647;

export function hash32(value: number, bits: number): number {
  return (Math.imul(value >>> 0, GOLDEN_RATIO_32) >>> 0) >>> (32 - bits);
}

/** ntohl of the address (IPv4) or of the xor of its four words (IPv6). */
export function foldAddress(address: string): number {
  const a = parseAddress(address);
  const word = (i: number): number => ((a[i]! << 24) | (a[i + 1]! << 16) | (a[i + 2]! << 8) | a[i + 3]!) >>> 0;
  if (a.length === 4) return word(0);
  return (word(0) ^ word(4) ^ word(8) ^ word(12)) >>> 0;
}

const M64 = (1n << 64n) - 1n;
const rotl = (x: bigint, b: bigint): bigint => ((x << b) | (x >> (64n - b))) & M64;

/** hsiphash of one 32-bit little-endian word with a 128-bit key (two 64-bit halves), 64-bit kernels. */
export function hsiphashU32(value: number, key: readonly [bigint, bigint]): number {
  let v0 = 0x736f6d6570736575n ^ key[0];
  let v1 = 0x646f72616e646f6dn ^ key[1];
  let v2 = 0x6c7967656e657261n ^ key[0];
  let v3 = 0x7465646279746573n ^ key[1];
  const round = (): void => {
    v0 = (v0 + v1) & M64; v1 = rotl(v1, 13n); v1 ^= v0; v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & M64; v3 = rotl(v3, 16n); v3 ^= v2;
    v0 = (v0 + v3) & M64; v3 = rotl(v3, 21n); v3 ^= v0;
    v2 = (v2 + v1) & M64; v1 = rotl(v1, 17n); v1 ^= v2; v2 = rotl(v2, 32n);
  };
  const b = (4n << 56n) | BigInt(value >>> 0);
  v3 ^= b;
  round();
  v0 ^= b;
  v2 ^= 0xffn;
  round(); round(); round();
  return Number(((v0 ^ v1) ^ (v2 ^ v3)) & 0xffffffffn);
}
