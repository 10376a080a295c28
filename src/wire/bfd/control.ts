/**
 * Codec of the BFD Control packet (RFC 5880 section 4.1) with its optional authentication section (4.2 simple
 * password, 4.3 keyed MD5, 4.4 keyed SHA1, plain and meticulous). Pure: bytes in, model out, and back.
 * `decodeBfdControl` applies the packet-level reception checks of RFC 5880 6.8.6 (those that need no session
 * state) and throws BfdPacketError for a packet that MUST be discarded; the session-level checks (discriminator
 * lookup, authentication against the session's key) are in src/bfd.
 */
import { Reader, Writer } from '../../lib/bytes.js';
import {
  AuthType, BFD_HEADER_LENGTH, BFD_STATES, BfdPacketError,
  type BfdAuth, type BfdControlPacket, type DigestAuthType,
} from './types.js';

const VERSION = 1;
const FLAG_P = 0x20, FLAG_F = 0x10, FLAG_C = 0x08, FLAG_A = 0x04, FLAG_D = 0x02, FLAG_M = 0x01;

/** Octets of the digest field per authentication type (RFC 5880 4.3, 4.4). */
export const DIGEST_LENGTH: Readonly<Record<DigestAuthType, number>> = {
  [AuthType.KEYED_MD5]: 16, [AuthType.METICULOUS_KEYED_MD5]: 16, [AuthType.KEYED_SHA1]: 20, [AuthType.METICULOUS_KEYED_SHA1]: 20,
};
/** Offset of the digest within the packet: header, then type, length, key id, reserved, sequence. */
export const DIGEST_OFFSET = BFD_HEADER_LENGTH + 8;

export function isDigestAuth(type: number): type is DigestAuthType {
  return type in DIGEST_LENGTH;
}

function authLength(auth: BfdAuth): number {
  return auth.type === AuthType.SIMPLE_PASSWORD ? 3 + auth.password.length : 8 + DIGEST_LENGTH[auth.type];
}

export function bfdControlLength(p: BfdControlPacket): number {
  return BFD_HEADER_LENGTH + (p.auth ? authLength(p.auth) : 0);
}

export function encodeBfdControl(p: BfdControlPacket): Uint8Array {
  // RFC 5880 4.1: P and F MUST NOT both be set; M MUST be zero (never representable here)
  if (p.poll && p.final) throw new RangeError('Poll and Final must not both be set (RFC 5880 4.1)');
  if (p.detectMult < 1 || p.detectMult > 255) throw new RangeError(`Detect Mult ${p.detectMult} is not 1..255`);
  const w = new Writer(bfdControlLength(p));
  w.u8((VERSION << 5) | (p.diag & 0x1f));
  w.u8((BFD_STATES.indexOf(p.state) << 6) | (p.poll ? FLAG_P : 0) | (p.final ? FLAG_F : 0)
    | (p.controlPlaneIndependent ? FLAG_C : 0) | (p.auth ? FLAG_A : 0) | (p.demand ? FLAG_D : 0));
  w.u8(p.detectMult).u8(bfdControlLength(p));
  w.u32(p.myDiscriminator).u32(p.yourDiscriminator);
  w.u32(p.desiredMinTxUs).u32(p.requiredMinRxUs).u32(p.requiredMinEchoRxUs);
  const a = p.auth;
  if (a) {
    w.u8(a.type).u8(authLength(a)).u8(a.keyId);
    if (a.type === AuthType.SIMPLE_PASSWORD) {
      if (a.password.length < 1 || a.password.length > 16) throw new RangeError('a simple password is 1..16 octets (RFC 5880 4.2.2)');
      w.bytes(a.password);
    } else {
      if (a.digest.length !== DIGEST_LENGTH[a.type]) throw new RangeError(`auth type ${a.type} carries a ${DIGEST_LENGTH[a.type]}-octet digest`);
      w.u8(0).u32(a.sequence).bytes(a.digest);
    }
  }
  return w.finish();
}

function decodeAuth(r: Reader): BfdAuth {
  if (r.remaining < 2) throw new BfdPacketError('authentication section truncated');
  const type = r.u8();
  const len = r.u8();
  if (len - 2 > r.remaining) throw new BfdPacketError(`Auth Len ${len} overruns the packet`);
  if (type === AuthType.SIMPLE_PASSWORD) {
    // RFC 5880 4.2.2: Auth Len is the password length plus 3; the password is 1..16 octets
    if (len < 4 || len > 19) throw new BfdPacketError(`simple password Auth Len ${len} is not 4..19`);
    const keyId = r.u8();
    return { type, keyId, password: r.bytes(len - 3).slice() };
  }
  if (!isDigestAuth(type)) throw new BfdPacketError(`unknown Auth Type ${type}`);
  // RFC 5880 4.3.2 / 4.4.2: Auth Len is 24 (MD5) or 28 (SHA1)
  if (len !== 8 + DIGEST_LENGTH[type]) throw new BfdPacketError(`Auth Len ${len} is wrong for Auth Type ${type}`);
  const keyId = r.u8();
  r.skip(1); // reserved: sent as zero, ignored on receipt
  return { type, keyId, sequence: r.u32(), digest: r.bytes(DIGEST_LENGTH[type]).slice() };
}

/**
 * Decode a received Control packet. `bytes` is the UDP payload; the packet is its first Length octets.
 * Throws BfdPacketError when RFC 5880 6.8.6 says discard (version, length, Detect Mult, M bit, My
 * Discriminator, Your Discriminator zero outside Down/AdminDown, a malformed authentication section).
 */
export function decodeBfdControl(bytes: Uint8Array): BfdControlPacket {
  if (bytes.length < BFD_HEADER_LENGTH) throw new BfdPacketError(`payload of ${bytes.length} octets is shorter than 24`);
  const r0 = new Reader(bytes);
  const vd = r0.u8(), flags = r0.u8(), detectMult = r0.u8(), length = r0.u8();
  // RFC 5880 6.8.6, in its order
  if (vd >> 5 !== VERSION) throw new BfdPacketError(`version ${vd >> 5} is not 1`);
  const hasAuth = (flags & FLAG_A) !== 0;
  if (length < (hasAuth ? 26 : BFD_HEADER_LENGTH)) throw new BfdPacketError(`Length ${length} is below the minimum ${hasAuth ? 26 : 24}`);
  if (length > bytes.length) throw new BfdPacketError(`Length ${length} is more than the ${bytes.length} octets received`);
  if (detectMult === 0) throw new BfdPacketError('Detect Mult is zero');
  if (flags & FLAG_M) throw new BfdPacketError('Multipoint bit is set');
  const r = new Reader(bytes, 4, length);
  const myDiscriminator = r.u32();
  const yourDiscriminator = r.u32();
  if (myDiscriminator === 0) throw new BfdPacketError('My Discriminator is zero');
  const state = BFD_STATES[flags >> 6]!;
  if (yourDiscriminator === 0 && state !== 'Down' && state !== 'AdminDown') {
    throw new BfdPacketError(`Your Discriminator is zero in state ${state}`);
  }
  const desiredMinTxUs = r.u32(), requiredMinRxUs = r.u32(), requiredMinEchoRxUs = r.u32();
  const auth = hasAuth ? decodeAuth(r) : undefined;
  return {
    diag: vd & 0x1f, state,
    poll: (flags & FLAG_P) !== 0, final: (flags & FLAG_F) !== 0,
    controlPlaneIndependent: (flags & FLAG_C) !== 0, demand: (flags & FLAG_D) !== 0,
    detectMult, myDiscriminator, yourDiscriminator, desiredMinTxUs, requiredMinRxUs, requiredMinEchoRxUs,
    ...(auth ? { auth } : {}),
  };
}
