/**
 * BGP-4 message and attribute model shared by the codec (src/wire/bgp) and the speaker (src/bgp).
 * RFC 4271 (messages, attributes), RFC 4760 (multiprotocol), RFC 5492 (capabilities),
 * RFC 6793 (4-octet AS), RFC 4724 (graceful restart), RFC 7911 (ADD-PATH), RFC 8654 (extended
 * message), RFC 2918 / RFC 7313 (route refresh), RFC 1997 / RFC 4360 / RFC 8092 (communities).
 */
import type { Family, Prefix } from '../../lib/address.js';

export const MESSAGE_HEADER_LENGTH = 19;
export const MAX_MESSAGE_LENGTH = 4096;
/** RFC 8654: with the extended message capability, every message but OPEN and KEEPALIVE may be this long. */
export const MAX_EXTENDED_MESSAGE_LENGTH = 65535;
/** RFC 6793: AS_TRANS, put in 2-octet fields when the real AS does not fit. */
export const AS_TRANS = 23456;

export const MessageType = { OPEN: 1, UPDATE: 2, NOTIFICATION: 3, KEEPALIVE: 4, ROUTE_REFRESH: 5 } as const;

export const Afi = { IPV4: 1, IPV6: 2 } as const;
/** The AFI of an address family (RFC 4760 uses IANA's address family numbers). */
export const FAMILY_AFI: Readonly<Record<Family, number>> = { 4: Afi.IPV4, 6: Afi.IPV6 };
export const Safi = { UNICAST: 1 } as const;

/** An address family and sub-family pair, e.g. IPv4 unicast = { afi: 1, safi: 1 }. */
export interface AfiSafi { readonly afi: number; readonly safi: number }

export type Capability =
  | { readonly kind: 'multiprotocol'; readonly afi: number; readonly safi: number }            // code 1
  | { readonly kind: 'route-refresh' }                                                      // code 2
  | { readonly kind: 'extended-message' }                                                   // code 6
  | { readonly kind: 'graceful-restart'; readonly restarting: boolean; readonly notification: boolean;
      readonly restartTime: number;
      readonly families: readonly { readonly afi: number; readonly safi: number; readonly forwarding: boolean }[] } // code 64
  | { readonly kind: 'four-octet-as'; readonly asn: number }                               // code 65
  | { readonly kind: 'add-path'; readonly families: readonly { readonly afi: number; readonly safi: number; readonly mode: AddPathSendReceive }[] } // code 69
  | { readonly kind: 'enhanced-route-refresh' }                                             // code 70
  | { readonly kind: 'fqdn'; readonly hostname: string; readonly domain: string }          // code 73
  | { readonly kind: 'unknown'; readonly code: number; readonly value: Uint8Array };

/** RFC 7911 send/receive field: 1 receive, 2 send, 3 both. */
export type AddPathSendReceive = 1 | 2 | 3;

export interface OpenMessage {
  readonly type: 'open';
  readonly version: number;
  /** The 2-octet "My Autonomous System" field as sent (AS_TRANS when the AS needs 4 octets). */
  readonly myAs: number;
  readonly holdTime: number;
  /** BGP Identifier as dotted quad. */
  readonly bgpId: string;
  readonly capabilities: readonly Capability[];
  /** Optional parameters other than capabilities (type, value), kept so the receiver can refuse them (2/4). */
  readonly otherParameters?: readonly { readonly type: number; readonly value: Uint8Array }[];
}

/** A prefix in NLRI or withdrawn routes, with the RFC 7911 path identifier when ADD-PATH is in use. */
export interface Nlri {
  readonly prefix: Prefix;
  readonly pathId?: number;
}

export const Origin = { IGP: 0, EGP: 1, INCOMPLETE: 2 } as const;
export type OriginCode = 0 | 1 | 2;

/** AS_PATH segment types (RFC 4271 4.3, RFC 5065 for the confederation ones). */
export const AsPathSegmentType = { AS_SET: 1, AS_SEQUENCE: 2, AS_CONFED_SEQUENCE: 3, AS_CONFED_SET: 4 } as const;
export interface AsPathSegment { readonly type: number; readonly asns: readonly number[] }

export interface ExtendedCommunity {
  /** High-order type octet (includes the IANA-authority and transitive bits). */
  readonly type: number;
  readonly subtype: number;
  /** The six value octets. */
  readonly value: Uint8Array;
}

export type LargeCommunity = readonly [globalAdmin: number, local1: number, local2: number];

export interface MpReach {
  readonly afi: number;
  readonly safi: number;
  /** Global next hop; for IPv6 optionally followed by a link-local one (RFC 2545). */
  readonly nextHop: string;
  readonly linkLocalNextHop?: string;
  readonly nlri: readonly Nlri[];
}

export interface MpUnreach {
  readonly afi: number;
  readonly safi: number;
  readonly withdrawn: readonly Nlri[];
}

/** An attribute this codec does not model; optional transitive ones are passed on with the Partial bit set. */
export interface RawAttribute { readonly flags: number; readonly code: number; readonly value: Uint8Array }

export const AttrCode = {
  ORIGIN: 1, AS_PATH: 2, NEXT_HOP: 3, MULTI_EXIT_DISC: 4, LOCAL_PREF: 5, ATOMIC_AGGREGATE: 6, AGGREGATOR: 7,
  COMMUNITIES: 8, ORIGINATOR_ID: 9, CLUSTER_LIST: 10, MP_REACH_NLRI: 14, MP_UNREACH_NLRI: 15,
  EXTENDED_COMMUNITIES: 16, AS4_PATH: 17, AS4_AGGREGATOR: 18, LARGE_COMMUNITY: 32,
} as const;

export const AttrFlag = { OPTIONAL: 0x80, TRANSITIVE: 0x40, PARTIAL: 0x20, EXTENDED_LENGTH: 0x10 } as const;

/**
 * Path attributes as the speaker sees them. AS numbers are always 4-octet here: the codec reconciles
 * AS4_PATH / AS4_AGGREGATOR from 2-octet peers on decode and generates them on encode (RFC 6793 4.2).
 */
export interface PathAttributes {
  readonly origin?: OriginCode;
  readonly asPath?: readonly AsPathSegment[];
  /** IPv4 NEXT_HOP (attribute 3). IPv6 next hops travel in mpReach. */
  readonly nextHop?: string;
  readonly med?: number;
  readonly localPref?: number;
  readonly atomicAggregate?: boolean;
  readonly aggregator?: { readonly asn: number; readonly address: string };
  readonly communities?: readonly number[];
  readonly originatorId?: string;
  readonly clusterList?: readonly string[];
  readonly extendedCommunities?: readonly ExtendedCommunity[];
  readonly largeCommunities?: readonly LargeCommunity[];
  readonly mpReach?: MpReach;
  readonly mpUnreach?: MpUnreach;
  readonly unknown?: readonly RawAttribute[];
}

export interface UpdateMessage {
  readonly type: 'update';
  /** IPv4 unicast withdrawn routes (the classic field). */
  readonly withdrawn: readonly Nlri[];
  readonly attributes: PathAttributes;
  /** IPv4 unicast NLRI (the classic field). */
  readonly nlri: readonly Nlri[];
}

export interface NotificationMessage {
  readonly type: 'notification';
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
}

export interface KeepaliveMessage { readonly type: 'keepalive' }

/** RFC 2918 / RFC 7313: subtype 0 request, 1 BoRR, 2 EoRR. */
export interface RouteRefreshMessage {
  readonly type: 'route-refresh';
  readonly afi: number;
  readonly safi: number;
  readonly subtype: number;
}

export type BgpMessage = OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;

/** What both ends agreed on in their OPENs; codecs read it, never module state. */
export interface CodecContext {
  /** Both sides sent the 4-octet AS capability (RFC 6793). */
  readonly fourOctetAs: boolean;
  /** Both sides sent the extended message capability (RFC 8654). */
  readonly extendedMessage: boolean;
  /**
   * Families whose NLRI carry a path identifier in this direction (RFC 7911): for a decoder the families
   * we may receive with ADD-PATH, for an encoder those we send with it. Keys from afiSafiKey().
   */
  readonly addPath: ReadonlySet<string>;
}

export const DEFAULT_CONTEXT: CodecContext = { fourOctetAs: true, extendedMessage: false, addPath: new Set() };

export function afiSafiKey(afi: number, safi: number): string {
  return `${afi}/${safi}`;
}

/** NOTIFICATION error codes and subcodes (RFC 4271 4.5, RFC 4486, RFC 7313, RFC 8203/9003). */
export const ErrorCode = {
  MESSAGE_HEADER: 1, OPEN_MESSAGE: 2, UPDATE_MESSAGE: 3, HOLD_TIMER_EXPIRED: 4, FSM: 5, CEASE: 6, ROUTE_REFRESH: 7,
} as const;

export const HeaderSubcode = { CONNECTION_NOT_SYNCHRONIZED: 1, BAD_MESSAGE_LENGTH: 2, BAD_MESSAGE_TYPE: 3 } as const;

export const OpenSubcode = {
  UNSUPPORTED_VERSION: 1, BAD_PEER_AS: 2, BAD_BGP_IDENTIFIER: 3, UNSUPPORTED_OPTIONAL_PARAMETER: 4,
  UNACCEPTABLE_HOLD_TIME: 6, UNSUPPORTED_CAPABILITY: 7, ROLE_MISMATCH: 11,
} as const;

export const UpdateSubcode = {
  MALFORMED_ATTRIBUTE_LIST: 1, UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE: 2, MISSING_WELL_KNOWN_ATTRIBUTE: 3,
  ATTRIBUTE_FLAGS_ERROR: 4, ATTRIBUTE_LENGTH_ERROR: 5, INVALID_ORIGIN_ATTRIBUTE: 6, INVALID_NEXT_HOP_ATTRIBUTE: 8,
  OPTIONAL_ATTRIBUTE_ERROR: 9, INVALID_NETWORK_FIELD: 10, MALFORMED_AS_PATH: 11,
} as const;

export const CeaseSubcode = {
  MAXIMUM_PREFIXES: 1, ADMINISTRATIVE_SHUTDOWN: 2, PEER_DECONFIGURED: 3, ADMINISTRATIVE_RESET: 4,
  CONNECTION_REJECTED: 5, OTHER_CONFIGURATION_CHANGE: 6, CONNECTION_COLLISION_RESOLUTION: 7, OUT_OF_RESOURCES: 8,
  HARD_RESET: 9,
  /** RFC 9384. */
  BFD_DOWN: 10,
} as const;

/** Well-known communities (RFC 1997, RFC 8326, RFC 7999). */
export const WellKnownCommunity = {
  GRACEFUL_SHUTDOWN: 0xffff0000,
  BLACKHOLE: 0xffff029a,
  NO_EXPORT: 0xffffff01,
  NO_ADVERTISE: 0xffffff02,
  NO_EXPORT_SUBCONFED: 0xffffff03,
  NOPEER: 0xffffff04,
} as const;
