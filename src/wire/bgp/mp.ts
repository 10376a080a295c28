/**
 * MP_REACH_NLRI and MP_UNREACH_NLRI values (RFC 4760 3 and 4) for IPv4 and IPv6 unicast, with the
 * IPv6 next hop of RFC 2545 3 (16 bytes, or 32 with a link-local address) and ADD-PATH (RFC 7911).
 * Errors follow RFC 7606 7.11 and 5.3: when the family is known, AFI/SAFI disable; when the attribute
 * is too short to name its family, session reset.
 */
import { Reader, Writer } from '../../lib/bytes.js';
import { formatAddress, parseAddress } from '../../lib/address.js';
import type { Family } from '../../lib/address.js';
import { BgpError } from './error.js';
import { Malformed } from './malformed.js';
import { decodePrefixes, encodePrefixes } from './prefix.js';
import { Afi, Safi, UpdateSubcode, afiSafiKey } from './types.js';
import type { CodecContext, MpReach, MpUnreach } from './types.js';

/** The address family of a supported AFI/SAFI, or undefined. */
function familyOfAfiSafi(afi: number, safi: number): Family | undefined {
  if (safi !== Safi.UNICAST) return undefined;
  return afi === Afi.IPV4 ? 4 : afi === Afi.IPV6 ? 6 : undefined;
}

function disable(afi: number, safi: number, why: string): Malformed {
  return new Malformed(UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, 'afisafi-disable', why, { afi, safi });
}

function prefixes(r: Reader, afi: number, safi: number, family: Family, ctx: CodecContext) {
  try {
    return decodePrefixes(r, r.remaining, family, ctx.addPath.has(afiSafiKey(afi, safi)));
  } catch (e) {
    if (e instanceof BgpError) throw disable(afi, safi, e.message);
    throw e;
  }
}

/** Reads AFI and SAFI; RFC 7606 7.11: an attribute too short to name its family leaves only a session reset. */
function familyHead(value: Uint8Array, min: number, name: string): { r: Reader; afi: number; safi: number; family: Family } {
  if (value.length < min) throw new Malformed(UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, 'session-reset', `${name} shorter than ${min} bytes`);
  const r = new Reader(value);
  const afi = r.u16();
  const safi = r.u8();
  const family = familyOfAfiSafi(afi, safi);
  if (family === undefined) throw disable(afi, safi, `${name} for unsupported AFI/SAFI ${afi}/${safi}`);
  return { r, afi, safi, family };
}

export function decodeMpReach(value: Uint8Array, ctx: CodecContext): MpReach {
  const { r, afi, safi, family } = familyHead(value, 5, 'MP_REACH_NLRI');
  const nhLen = r.u8();
  // RFC 7606 7.11: a next hop length inconsistent with the AFI/SAFI leaves the NLRI unlocatable.
  const valid = family === 4 ? nhLen === 4 : nhLen === 16 || nhLen === 32;
  if (!valid || r.remaining < nhLen + 1) throw disable(afi, safi, `MP_REACH_NLRI next hop length ${nhLen}`);
  const nextHop = formatAddress(r.bytes(family === 4 ? 4 : 16));
  const linkLocalNextHop = nhLen === 32 ? formatAddress(r.bytes(16)) : undefined;
  r.skip(1); // Reserved (RFC 4760 3: ignored on receipt)
  const nlri = prefixes(r, afi, safi, family, ctx);
  return linkLocalNextHop === undefined ? { afi, safi, nextHop, nlri } : { afi, safi, nextHop, linkLocalNextHop, nlri };
}

export function decodeMpUnreach(value: Uint8Array, ctx: CodecContext): MpUnreach {
  const { r, afi, safi, family } = familyHead(value, 3, 'MP_UNREACH_NLRI');
  return { afi, safi, withdrawn: prefixes(r, afi, safi, family, ctx) };
}

/** The next hop field (without its length octet) of an MP_REACH_NLRI. */
function mpNextHop(mp: Pick<MpReach, 'nextHop' | 'linkLocalNextHop'>): Uint8Array {
  const global = parseAddress(mp.nextHop);
  if (mp.linkLocalNextHop === undefined) return global;
  const both = new Uint8Array(32);
  both.set(global, 0);
  both.set(parseAddress(mp.linkLocalNextHop), 16);
  return both;
}

/** MP_REACH_NLRI value bytes up to (not including) the NLRI: AFI, SAFI, next hop, Reserved. */
export function encodeMpReachHead(w: Writer, mp: Pick<MpReach, 'afi' | 'safi' | 'nextHop' | 'linkLocalNextHop'>): void {
  const nh = mpNextHop(mp);
  w.u16(mp.afi).u8(mp.safi).u8(nh.length).bytes(nh).u8(0);
}

export function encodeMpReach(mp: MpReach, ctx: CodecContext): Uint8Array {
  const w = new Writer(64);
  encodeMpReachHead(w, mp);
  encodePrefixes(w, mp.nlri, ctx.addPath.has(afiSafiKey(mp.afi, mp.safi)));
  return w.finish();
}

export function encodeMpUnreach(mp: MpUnreach, ctx: CodecContext): Uint8Array {
  const w = new Writer(64);
  w.u16(mp.afi).u8(mp.safi);
  encodePrefixes(w, mp.withdrawn, ctx.addPath.has(afiSafiKey(mp.afi, mp.safi)));
  return w.finish();
}
