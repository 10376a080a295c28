/**
 * The BFD Control packet model (RFC 5880 section 4.1) and its authentication section (4.2-4.4): states,
 * diagnostic codes, authentication types, and the one error type the decoder throws when RFC 5880 6.8.6
 * says a packet MUST be discarded. Intervals are in microseconds, as on the wire.
 */

/** RFC 5880 4.1 "State (Sta)". */
export type BfdStateName = 'AdminDown' | 'Down' | 'Init' | 'Up';
export const BFD_STATES: readonly BfdStateName[] = ['AdminDown', 'Down', 'Init', 'Up'];

/** RFC 5880 4.1 "Diagnostic (Diag)". */
export const Diag = {
  NONE: 0,
  CONTROL_DETECTION_TIME_EXPIRED: 1,
  ECHO_FUNCTION_FAILED: 2,
  NEIGHBOR_SIGNALED_SESSION_DOWN: 3,
  FORWARDING_PLANE_RESET: 4,
  PATH_DOWN: 5,
  CONCATENATED_PATH_DOWN: 6,
  ADMINISTRATIVELY_DOWN: 7,
  REVERSE_CONCATENATED_PATH_DOWN: 8,
} as const;

export const DIAG_NAMES: Readonly<Record<number, string>> = {
  0: 'No Diagnostic', 1: 'Control Detection Time Expired', 2: 'Echo Function Failed', 3: 'Neighbor Signaled Session Down',
  4: 'Forwarding Plane Reset', 5: 'Path Down', 6: 'Concatenated Path Down', 7: 'Administratively Down',
  8: 'Reverse Concatenated Path Down',
};

/** RFC 5880 4.2 "Auth Type". */
export const AuthType = { SIMPLE_PASSWORD: 1, KEYED_MD5: 2, METICULOUS_KEYED_MD5: 3, KEYED_SHA1: 4, METICULOUS_KEYED_SHA1: 5 } as const;

export type DigestAuthType = typeof AuthType.KEYED_MD5 | typeof AuthType.METICULOUS_KEYED_MD5
  | typeof AuthType.KEYED_SHA1 | typeof AuthType.METICULOUS_KEYED_SHA1;

export type BfdAuth =
  /** RFC 5880 4.2: Auth Key ID and a 1..16 octet password. */
  | { readonly type: typeof AuthType.SIMPLE_PASSWORD; readonly keyId: number; readonly password: Uint8Array }
  /** RFC 5880 4.3 (16-octet MD5 digest) and 4.4 (20-octet SHA1 hash), keyed or meticulous. */
  | { readonly type: DigestAuthType; readonly keyId: number; readonly sequence: number; readonly digest: Uint8Array };

export interface BfdControlPacket {
  readonly diag: number;
  readonly state: BfdStateName;
  /** P: the sender asks for verification of a parameter change (Poll Sequence, 6.5). */
  readonly poll: boolean;
  /** F: the answer to a Poll. */
  readonly final: boolean;
  /** C: the implementation does not share fate with the control plane. */
  readonly controlPlaneIndependent: boolean;
  /** D: demand mode (vipgate never asks for it). */
  readonly demand: boolean;
  readonly detectMult: number;
  readonly myDiscriminator: number;
  readonly yourDiscriminator: number;
  readonly desiredMinTxUs: number;
  readonly requiredMinRxUs: number;
  readonly requiredMinEchoRxUs: number;
  /** Present exactly when the A bit is set. */
  readonly auth?: BfdAuth;
}

/** Why a received packet was discarded (RFC 5880 6.8.6 and the authentication rules of 6.7). */
export class BfdPacketError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'BfdPacketError';
  }
}

/** Length of the mandatory section (RFC 5880 4.1). */
export const BFD_HEADER_LENGTH = 24;
/** RFC 5881 section 4. */
export const BFD_CONTROL_PORT = 3784;
/** RFC 5883 4: the destination port of multihop BFD Control packets. */
export const BFD_MULTIHOP_PORT = 4784;
/** RFC 5881 section 4: source ports of Control packets. */
export const BFD_SOURCE_PORT_MIN = 49152;
export const BFD_SOURCE_PORT_MAX = 65535;
/** RFC 5881 section 5: single-hop packets are sent, and accepted, with TTL / hop limit 255 only. */
export const BFD_TTL = 255;
