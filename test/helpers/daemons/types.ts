/**
 * The model shared by the real-daemon test harness (BIRD, GoBGP, FRR): how a test describes a daemon's
 * neighbors and announcements, and the typed view of what a daemon's CLI reports (peer states, routes with
 * attributes). Extended communities are kept as their 8 wire octets (RFC 4360 §2), so the values that
 * three CLIs print in three styles compare equal; the link-bandwidth community follows
 * draft-ietf-idr-link-bandwidth (type 0x40 non-transitive or 0x00 transitive, sub-type 0x04, 2-octet AS,
 * IEEE float32 bandwidth in bytes per second).
 */
import { waitFor } from '../netns.js';
import { linkBandwidth, parseLinkBandwidth } from '../../../src/wire/bgp/communities.js';

export interface NeighborSpec {
  address: string;
  as: number;
  /** The neighbor's TCP port (default 179). */
  port?: number;
  /** Do not connect; wait for the neighbor to connect. */
  passive?: boolean;
  /** Hold time in seconds (default 3; keepalive is a third of it). */
  holdTime?: number;
  /** eBGP multihop TTL. */
  multihop?: number;
  /** Local address to source the session from. */
  localAddress?: string;
  /** Run BFD for this neighbor (BIRD, FRR). */
  bfd?: boolean;
  /** TCP MD5 password (RFC 2385). */
  password?: string;
  /** Address families to run (default: the neighbor address's own). */
  families?: readonly ('ipv4' | 'ipv6')[];
}

/** A link-bandwidth extended community to attach to an announcement. */
export interface LinkBandwidth {
  asn: number;
  /** Bytes per second, as carried on the wire. */
  bytesPerSecond: number;
  /** Type 0x00 (transitive) instead of 0x40 (non-transitive). */
  transitive?: boolean;
}

export interface Announcement {
  /** "192.0.2.1/32", "2001:db8::1/128" */
  prefix: string;
  /** "65001:100" */
  communities?: readonly string[];
  /** "65001:1:2" */
  largeCommunities?: readonly string[];
  /** Route targets "65001:7" (two-octet AS specific, sub-type 0x02). */
  routeTargets?: readonly string[];
  linkBandwidth?: LinkBandwidth;
  /** ORIGIN (RFC 4271 §5.1.1); unset: the daemon's default (BIRD and FRR igp, GoBGP incomplete). */
  origin?: 'igp' | 'egp' | 'incomplete';
}

/** An extended community as type, sub-type and the 6 value octets in hex. */
export interface ExtCommunity {
  type: number;
  subtype: number;
  /** 12 lowercase hex digits */
  value: string;
}

export type SessionState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

export interface PeerStatus {
  address: string;
  state: SessionState;
  remoteAs?: number;
  /** Negotiated hold time in seconds, when established and reported. */
  holdTime?: number;
  /** The daemon's own words about the last error, when it reports one. */
  lastError?: string;
}

export interface BgpRoute {
  prefix: string;
  nextHops: string[];
  asPath: number[];
  communities: string[];
  largeCommunities: string[];
  extCommunities: ExtCommunity[];
  /** The neighbor address this path came from; undefined for locally originated paths. */
  fromPeer?: string;
  best: boolean;
}

/** What every daemon wrapper offers to tests. */
export interface BgpDaemon {
  readonly kind: 'bird' | 'gobgp' | 'frr';
  readonly ns: string;
  peers(): Promise<PeerStatus[]>;
  routes(): Promise<BgpRoute[]>;
  stop(): Promise<void>;
}

/** Link bandwidth as its wire form (vipgate's codec, src/wire/bgp/communities.ts). */
export function linkBandwidthCommunity(lb: LinkBandwidth): ExtCommunity {
  const ec = linkBandwidth(lb.asn, lb.bytesPerSecond, { transitive: lb.transitive });
  return { type: ec.type, subtype: ec.subtype, value: Buffer.from(ec.value).toString('hex') };
}

/** Route target "A:N" with a 2-octet AS (RFC 4360 §3.1). */
export function routeTargetCommunity(rt: string): ExtCommunity {
  const [as, n] = rt.split(':').map(Number);
  return extFromParts(0x00, 0x02, as ?? NaN, n ?? NaN);
}

/** A two-octet-AS-specific style community: 2-octet global part, 4-octet local part (RFC 4360 §3.1). */
export function extFromParts(type: number, subtype: number, global: number, local: number): ExtCommunity {
  if (!Number.isInteger(global) || !Number.isInteger(local)) throw new Error(`bad extended community ${global}:${local}`);
  const v = new DataView(new ArrayBuffer(6));
  v.setUint16(0, global);
  v.setUint32(2, local);
  return { type, subtype, value: Buffer.from(v.buffer).toString('hex') };
}

/** The IPv4-address (RFC 4360 §3.2) and 4-octet-AS (RFC 5668) forms: 4-octet global part, 2-octet local part. */
export function extFromWideParts(type: number, subtype: number, global: number, local: number): ExtCommunity {
  if (!Number.isInteger(global) || !Number.isInteger(local)) throw new Error(`bad extended community ${global}:${local}`);
  return extFromHalves((type << 24) | (subtype << 16) | (global >>> 16), ((global & 0xffff) << 16) | local);
}

/** "192.0.2.1" -> 32-bit number */
export function ipv4ToNumber(dotted: string): number {
  return dotted.split('.').reduce((a, o) => a * 256 + Number(o), 0);
}

/** Split 8 wire octets given as a bigint / two 32-bit halves. */
export function extFromHalves(hi: number, lo: number): ExtCommunity {
  const v = new DataView(new ArrayBuffer(8));
  v.setUint32(0, hi >>> 0);
  v.setUint32(4, lo >>> 0);
  const hex = Buffer.from(v.buffer).toString('hex');
  return { type: v.getUint8(0), subtype: v.getUint8(1), value: hex.slice(4) };
}

/** The 8 octets as two 32-bit halves (BIRD's `generic` form). */
export function extToHalves(ec: ExtCommunity): [number, number] {
  const b = Buffer.from(`${hex2(ec.type)}${hex2(ec.subtype)}${ec.value}`, 'hex');
  return [b.readUInt32BE(0), b.readUInt32BE(4)];
}

/** Decode a link-bandwidth community, or undefined if `ec` is not one. */
export function decodeLinkBandwidth(ec: ExtCommunity): LinkBandwidth | undefined {
  return parseLinkBandwidth({ type: ec.type, subtype: ec.subtype, value: Buffer.from(ec.value, 'hex') });
}

/** Extended communities an announcement carries, in wire form. */
export function announcementExtCommunities(a: Announcement): ExtCommunity[] {
  return [...(a.routeTargets ?? []).map(routeTargetCommunity), ...(a.linkBandwidth ? [linkBandwidthCommunity(a.linkBandwidth)] : [])];
}

function hex2(n: number): string { return n.toString(16).padStart(2, '0'); }

export function familyOfPrefix(prefix: string): 'ipv4' | 'ipv6' { return prefix.includes(':') ? 'ipv6' : 'ipv4'; }

/** Wait until `daemon` reports `address` in `state` (default Established). */
export async function waitPeerState(daemon: BgpDaemon, address: string, state: SessionState = 'Established', timeoutMs = 30_000): Promise<PeerStatus> {
  return waitFor(`${daemon.kind} in ${daemon.ns}: peer ${address} ${state}`, async () => {
    const p = (await daemon.peers()).find((x) => x.address === address);
    return p?.state === state ? p : undefined;
  }, timeoutMs, 200);
}

/** Wait until `daemon` reports `address` in any state but Established, and return that status. */
export async function waitPeerDown(daemon: BgpDaemon, address: string, timeoutMs = 30_000): Promise<PeerStatus> {
  return waitFor(`${daemon.kind} in ${daemon.ns}: peer ${address} down`, async () => {
    const p = (await daemon.peers()).find((x) => x.address === address);
    return p && p.state !== 'Established' ? p : undefined;
  }, timeoutMs, 200);
}

/** Wait until `daemon` has a path for `prefix` (from `fromPeer` if given) and return it. */
export async function waitRoute(daemon: BgpDaemon, prefix: string, fromPeer?: string, timeoutMs = 30_000): Promise<BgpRoute> {
  return waitFor(`${daemon.kind} in ${daemon.ns}: route ${prefix}${fromPeer ? ` from ${fromPeer}` : ''}`, async () =>
    (await daemon.routes()).find((r) => r.prefix === prefix && (fromPeer === undefined || r.fromPeer === fromPeer)), timeoutMs, 200);
}

/** Wait until `daemon` has no path for `prefix` from `fromPeer`. */
export async function waitNoRoute(daemon: BgpDaemon, prefix: string, fromPeer: string, timeoutMs = 30_000): Promise<true> {
  return waitFor(`${daemon.kind} in ${daemon.ns}: route ${prefix} from ${fromPeer} gone`, async () =>
    (await daemon.routes()).some((r) => r.prefix === prefix && r.fromPeer === fromPeer) ? undefined : true, timeoutMs, 200);
}
