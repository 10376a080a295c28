/**
 * Helpers for the extended communities vipgate reads and writes (RFC 4360): route targets (RFC 4360 4,
 * RFC 5668 for the 4-octet AS form) and the link bandwidth community of draft-ietf-idr-link-bandwidth
 * (type 0x40, non-transitive two-octet AS specific, subtype 0x04: 2-octet AS, IEEE float32 bandwidth in
 * bytes per second), which carries the weight of an ECMP path.
 */
import { formatAddress, parseAddress } from '../../lib/address.js';
import { AS_TRANS } from './types.js';
import type { ExtendedCommunity } from './types.js';

export const ExtCommunityType = {
  TWO_OCTET_AS: 0x00, IPV4_ADDRESS: 0x01, FOUR_OCTET_AS: 0x02, NON_TRANSITIVE_TWO_OCTET_AS: 0x40,
} as const;
export const ExtCommunitySubtype = { ROUTE_TARGET: 0x02, LINK_BANDWIDTH: 0x04 } as const;

function community(type: number, subtype: number, fill: (v: DataView) => void): ExtendedCommunity {
  const value = new Uint8Array(6);
  fill(new DataView(value.buffer));
  return { type, subtype, value };
}

function view(ec: ExtendedCommunity): DataView {
  return new DataView(ec.value.buffer, ec.value.byteOffset, 6);
}

/** Link bandwidth community; an AS that needs 4 octets is written as AS_TRANS. */
export function linkBandwidth(asn: number, bytesPerSecond: number): ExtendedCommunity {
  return community(ExtCommunityType.NON_TRANSITIVE_TWO_OCTET_AS, ExtCommunitySubtype.LINK_BANDWIDTH, (v) => {
    v.setUint16(0, asn > 0xffff ? AS_TRANS : asn);
    v.setFloat32(2, bytesPerSecond);
  });
}

/**
 * Reads a link bandwidth community. Besides the draft's non-transitive type 0x40, the transitive type 0x00
 * with subtype 0x04 is accepted, as some implementations send that.
 */
export function parseLinkBandwidth(ec: ExtendedCommunity): { asn: number; bytesPerSecond: number } | undefined {
  if (ec.subtype !== ExtCommunitySubtype.LINK_BANDWIDTH || ec.value.length !== 6) return undefined;
  if (ec.type !== ExtCommunityType.NON_TRANSITIVE_TWO_OCTET_AS && ec.type !== ExtCommunityType.TWO_OCTET_AS) return undefined;
  const v = view(ec);
  return { asn: v.getUint16(0), bytesPerSecond: v.getFloat32(2) };
}

/** The first link bandwidth in a list, if any. */
export function findLinkBandwidth(list: readonly ExtendedCommunity[] | undefined): number | undefined {
  for (const ec of list ?? []) {
    const lb = parseLinkBandwidth(ec);
    if (lb !== undefined) return lb.bytesPerSecond;
  }
  return undefined;
}

export type RouteTarget =
  | { readonly asn: number; readonly local: number }
  | { readonly address: string; readonly local: number };

/**
 * Route target `asn:local`: the two-octet AS form when the AS fits 2 octets (local up to 2^32-1), the
 * four-octet AS form otherwise (local up to 65535); or `address:local` (IPv4 address form).
 */
export function routeTarget(rt: RouteTarget): ExtendedCommunity {
  if ('address' in rt) {
    return community(ExtCommunityType.IPV4_ADDRESS, ExtCommunitySubtype.ROUTE_TARGET, (v) => {
      parseAddress(rt.address).forEach((b, i) => v.setUint8(i, b));
      v.setUint16(4, rt.local);
    });
  }
  if (rt.asn <= 0xffff) {
    return community(ExtCommunityType.TWO_OCTET_AS, ExtCommunitySubtype.ROUTE_TARGET, (v) => { v.setUint16(0, rt.asn); v.setUint32(2, rt.local); });
  }
  if (rt.local > 0xffff) throw new RangeError('route target: a 4-octet AS leaves 2 octets for the local part');
  return community(ExtCommunityType.FOUR_OCTET_AS, ExtCommunitySubtype.ROUTE_TARGET, (v) => { v.setUint32(0, rt.asn); v.setUint16(4, rt.local); });
}

export function parseRouteTarget(ec: ExtendedCommunity): RouteTarget | undefined {
  if (ec.subtype !== ExtCommunitySubtype.ROUTE_TARGET || ec.value.length !== 6) return undefined;
  const v = view(ec);
  switch (ec.type) {
    case ExtCommunityType.TWO_OCTET_AS: return { asn: v.getUint16(0), local: v.getUint32(2) };
    case ExtCommunityType.FOUR_OCTET_AS: return { asn: v.getUint32(0), local: v.getUint16(4) };
    case ExtCommunityType.IPV4_ADDRESS: return { address: formatAddress(ec.value.subarray(0, 4)), local: v.getUint16(4) };
    default: return undefined;
  }
}
