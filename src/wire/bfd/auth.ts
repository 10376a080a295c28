/**
 * BFD authentication (RFC 5880 section 6.7): filling in and checking the digest of keyed MD5 (6.7.3) and
 * keyed SHA1 (6.7.4), plain and meticulous, the simple password (6.7.2), and the receive sequence window.
 * The digest is computed over the whole packet with the key, zero-padded to the digest length, in the
 * digest field; the result then replaces the key. Pure functions over packet bytes.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { AuthType, type BfdAuth, type BfdControlPacket, type DigestAuthType } from './types.js';
import { DIGEST_LENGTH, DIGEST_OFFSET, encodeBfdControl, isDigestAuth } from './control.js';

/** A session's authentication: the type, the key id it sends and accepts, and the secret. */
export interface BfdKey {
  readonly type: (typeof AuthType)[keyof typeof AuthType];
  readonly keyId: number;
  /** 1..16 octets for the password and MD5 types, 1..20 for SHA1 (RFC 5880 4.2-4.4). */
  readonly secret: Uint8Array;
}

const HASH: Readonly<Record<DigestAuthType, string>> = {
  [AuthType.KEYED_MD5]: 'md5', [AuthType.METICULOUS_KEYED_MD5]: 'md5', [AuthType.KEYED_SHA1]: 'sha1', [AuthType.METICULOUS_KEYED_SHA1]: 'sha1',
};

export function isMeticulous(type: number): boolean {
  return type === AuthType.METICULOUS_KEYED_MD5 || type === AuthType.METICULOUS_KEYED_SHA1;
}

/** The authentication section to send with sequence number `sequence` (the digest is filled in by `sealBfdControl`). */
export function authSection(key: BfdKey, sequence: number): BfdAuth {
  if (key.type === AuthType.SIMPLE_PASSWORD) return { type: key.type, keyId: key.keyId, password: key.secret };
  return { type: key.type, keyId: key.keyId, sequence: sequence >>> 0, digest: new Uint8Array(DIGEST_LENGTH[key.type]) };
}

function digestOf(bytes: Uint8Array, type: DigestAuthType, secret: Uint8Array): Uint8Array {
  const n = DIGEST_LENGTH[type];
  const work = bytes.slice();
  work.fill(0, DIGEST_OFFSET, DIGEST_OFFSET + n);
  work.set(secret.subarray(0, n), DIGEST_OFFSET);
  return createHash(HASH[type]).update(work).digest();
}

/** Encode `p` and, for the digest types, write the digest computed with `key` (RFC 5880 6.7.3 / 6.7.4 transmission). */
export function sealBfdControl(p: BfdControlPacket, key: BfdKey | undefined): Uint8Array {
  const bytes = encodeBfdControl(p);
  if (key && p.auth && isDigestAuth(p.auth.type)) bytes.set(digestOf(bytes, p.auth.type, key.secret), DIGEST_OFFSET);
  return bytes;
}

/**
 * Check a received packet's authentication against the session's key (RFC 5880 6.7.2-6.7.4 reception):
 * type and key id must match, then the password or digest. Returns why not, or undefined when it is good.
 * `bytes` are the received octets of the packet (at least its Length).
 */
export function authFailure(p: BfdControlPacket, bytes: Uint8Array, key: BfdKey): string | undefined {
  const a = p.auth;
  if (!a) return 'A bit clear but the session uses authentication';
  if (a.type !== key.type) return `Auth Type ${a.type} is not the session's ${key.type}`;
  if (a.keyId !== key.keyId) return `Auth Key ID ${a.keyId} is not the session's ${key.keyId}`;
  if (a.type === AuthType.SIMPLE_PASSWORD) {
    return a.password.length === key.secret.length && timingSafeEqual(a.password, key.secret) ? undefined : 'wrong password';
  }
  const length = bytes[3]!;
  const expect = digestOf(bytes.subarray(0, length), a.type, key.secret);
  return timingSafeEqual(expect, a.digest) ? undefined : 'wrong digest';
}

/**
 * RFC 5880 6.7.3 / 6.7.4: with a known receive sequence number, a keyed packet's sequence must lie in
 * [last, last + 3 x Detect Mult] and a meticulous one's in [last + 1, last + 3 x Detect Mult], counted in
 * the unsigned 32-bit circular space.
 */
export function sequenceAcceptable(type: number, sequence: number, last: number | undefined, detectMult: number): boolean {
  if (last === undefined) return true;
  const ahead = (sequence - last) >>> 0;
  return ahead <= 3 * detectMult && (!isMeticulous(type) || ahead >= 1);
}
