/**
 * The one codec of the extended communities vipgate reads, writes and shows (RFC 4360): route targets
 * (RFC 4360 4, RFC 5668 for the 4-octet AS form), route origins, and the link bandwidth community of
 * draft-ietf-idr-link-bandwidth (type 0x40, non-transitive two-octet AS specific, or the transitive 0x00;
 * subtype 0x04: 2-octet AS, IEEE float32 bandwidth in bytes per second), which carries the weight of an
 * ECMP path; and their text as FRR prints it.
 */
import { formatAddress, parseAddress } from '../../lib/address.js';
import { AS_TRANS } from './types.js';
import type { ExtendedCommunity } from './types.js';

export const ExtCommunityType = {
  TWO_OCTET_AS: 0x00, IPV4_ADDRESS: 0x01, FOUR_OCTET_AS: 0x02, NON_TRANSITIVE_TWO_OCTET_AS: 0x40,
} as const;
export const ExtCommunitySubtype = { ROUTE_TARGET: 0x02, ROUTE_ORIGIN: 0x03, LINK_BANDWIDTH: 0x04 } as const;

function community(type: number, subtype: number, fill: (v: DataView) => void): ExtendedCommunity {
  const value = new Uint8Array(6);
  fill(new DataView(value.buffer));
  return { type, subtype, value };
}

function view(ec: ExtendedCommunity): DataView {
  return new DataView(ec.value.buffer, ec.value.byteOffset, 6);
}

/**
 * Link bandwidth community, non-transitive (type 0x40) unless `transitive` (type 0x00, as FRR sends by
 * default); an AS that needs 4 octets is written as AS_TRANS.
 */
export function linkBandwidth(asn: number, bytesPerSecond: number, o: { readonly transitive?: boolean } = {}): ExtendedCommunity {
  const type = o.transitive ? ExtCommunityType.TWO_OCTET_AS : ExtCommunityType.NON_TRANSITIVE_TWO_OCTET_AS;
  return community(type, ExtCommunitySubtype.LINK_BANDWIDTH, (v) => {
    v.setUint16(0, asn > 0xffff ? AS_TRANS : asn);
    v.setFloat32(2, bytesPerSecond);
  });
}

/**
 * Reads a link bandwidth community. Besides the draft's non-transitive type 0x40, the transitive type 0x00
 * with subtype 0x04 is accepted, as some implementations send that.
 */
export function parseLinkBandwidth(ec: ExtendedCommunity): { asn: number; bytesPerSecond: number; transitive: boolean } | undefined {
  if (ec.subtype !== ExtCommunitySubtype.LINK_BANDWIDTH || ec.value.length !== 6) return undefined;
  if (ec.type !== ExtCommunityType.NON_TRANSITIVE_TWO_OCTET_AS && ec.type !== ExtCommunityType.TWO_OCTET_AS) return undefined;
  const v = view(ec);
  return { asn: v.getUint16(0), bytesPerSecond: v.getFloat32(2), transitive: ec.type === ExtCommunityType.TWO_OCTET_AS };
}

/** The first link bandwidth in a list (a path's extended communities), in bytes per second, if any. */
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

/** FRR's rate text of a link bandwidth (bytes per second): whole Gbps, Mbps, Kbps (to 3 decimals), or bps. */
function bandwidthText(bytesPerSecond: number): string {
  const bw = Math.trunc(bytesPerSecond);
  const unit = (per: number, name: string) => `${Math.floor(bw / per).toFixed(3)} ${name}`;
  return bw >= 125_000_000 ? unit(125_000_000, 'Gbps') : bw >= 125_000 ? unit(125_000, 'Mbps') : bw >= 125 ? unit(125, 'Kbps') : `${bw * 8} bps`;
}

/** An extended community as FRR prints it: LB:AS:BYTES (RATE), RT:/SoO: for route targets and origins, else hex. */
export function formatExtendedCommunity(e: ExtendedCommunity): string {
  const lb = parseLinkBandwidth(e);
  if (lb) return `LB:${lb.asn}:${Math.trunc(lb.bytesPerSecond)} (${bandwidthText(lb.bytesPerSecond)})`;
  const v = Buffer.from(e.value);
  const kind = e.subtype === ExtCommunitySubtype.ROUTE_TARGET ? 'RT:' : e.subtype === ExtCommunitySubtype.ROUTE_ORIGIN ? 'SoO:' : undefined;
  if (kind && e.type === ExtCommunityType.TWO_OCTET_AS) return `${kind}${v.readUInt16BE(0)}:${v.readUInt32BE(2)}`;
  if (kind && e.type === ExtCommunityType.IPV4_ADDRESS) return `${kind}${[...v.subarray(0, 4)].join('.')}:${v.readUInt16BE(4)}`;
  if (kind && e.type === ExtCommunityType.FOUR_OCTET_AS) return `${kind}${v.readUInt32BE(0)}:${v.readUInt16BE(4)}`;
  return `0x${e.type.toString(16).padStart(2, '0')}${e.subtype.toString(16).padStart(2, '0')}:${v.toString('hex')}`;
}
