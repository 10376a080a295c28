/**
 * A path: one candidate route for a prefix in the Loc-RIB (RFC 4271 3.2, 9.1), with what the decision
 * process needs besides the attributes: where it came from, the IGP cost to its next hop, whether it is
 * stale after a peer restart (RFC 4724 4.2) and whether it carries GRACEFUL_SHUTDOWN (RFC 8326).
 * Paths are immutable; a change makes a new Path.
 */
import { formatPrefix, type Prefix } from '../../lib/address.js';
import type { Clock } from '../../lib/clock.js';
import type { AsPathSegment, PathAttributes } from '../../wire/bgp/types.js';
import { AsPathSegmentType, WellKnownCommunity } from '../../wire/bgp/types.js';

export interface PathSource {
  /** The peer's address (the session's remote address); '' or a label for local paths. */
  readonly address: string;
  /** The peer's AS (our own for iBGP and local paths). */
  readonly asn: number;
  /** The peer's BGP Identifier from its OPEN. */
  readonly routerId: string;
  readonly ibgp: boolean;
  /** Originated by this router (network / aggregate statements). */
  readonly local?: boolean;
}

/** The path source a BGP peer (src/bgp/peer.ts Peer) stands for, from its session's OPEN. */
export function peerSource(p: {
  readonly options: { readonly address: string }; readonly peerAs: number | undefined;
  readonly fsmState: { readonly peerOpen?: { readonly bgpId: string } | undefined }; readonly ibgp: boolean;
}): PathSource {
  return { address: p.options.address, asn: p.peerAs ?? 0, routerId: p.fsmState.peerOpen?.bgpId ?? '0.0.0.0', ibgp: p.ibgp };
}

export interface Path {
  readonly prefix: Prefix;
  /** formatPrefix(prefix). */
  readonly key: string;
  /** RFC 7911 path identifier, 0 without ADD-PATH. */
  readonly pathId: number;
  readonly source: PathSource;
  readonly attributes: PathAttributes;
  readonly nextHop: string;
  /** Cost to reach the next hop (0 on a connected subnet). */
  readonly igpCost: number;
  /** RFC 4724 4.2: kept across the peer's restart, not yet refreshed. */
  readonly stale: boolean;
  /** RFC 8326: carries the GRACEFUL_SHUTDOWN community. */
  readonly gracefulShutdown: boolean;
  /** When it was received (Clock.now()), for the "oldest eBGP path" tie-breaker. */
  readonly receivedAt: number;
}

export interface PathInput {
  readonly prefix: Prefix;
  /** formatPrefix(prefix), when the caller has it already. */
  readonly key?: string;
  readonly pathId?: number;
  readonly source: PathSource;
  readonly attributes: PathAttributes;
  readonly nextHop: string;
  readonly igpCost?: number;
  readonly stale?: boolean;
}

export function makePath(input: PathInput, clock: Pick<Clock, 'now'>): Path {
  return {
    prefix: input.prefix,
    key: input.key ?? formatPrefix(input.prefix),
    pathId: input.pathId ?? 0,
    source: input.source,
    attributes: input.attributes,
    nextHop: input.nextHop,
    igpCost: input.igpCost ?? 0,
    stale: input.stale ?? false,
    gracefulShutdown: input.attributes.communities?.includes(WellKnownCommunity.GRACEFUL_SHUTDOWN) ?? false,
    receivedAt: clock.now(),
  };
}

/** The same path with its stale flag set or cleared. */
export function withStale(path: Path, stale: boolean): Path {
  return path.stale === stale ? path : { ...path, stale };
}

/**
 * AS_PATH length for route selection (RFC 4271 9.1.2.2 a): an AS_SET counts as 1, confederation
 * segments (RFC 5065 5.3) count 0.
 */
export function asPathLength(segments: readonly AsPathSegment[] | undefined): number {
  let n = 0;
  for (const s of segments ?? []) {
    if (s.type === AsPathSegmentType.AS_SEQUENCE) n += s.asns.length;
    else if (s.type === AsPathSegmentType.AS_SET) n += 1;
  }
  return n;
}

/**
 * The AS the path was learned from (RFC 4271 9.1.2.2 c): the first AS of the AS_PATH, skipping
 * confederation segments; 0 when the path is empty (originated inside our AS).
 */
export function neighborAs(segments: readonly AsPathSegment[] | undefined): number {
  for (const s of segments ?? []) {
    if (s.type === AsPathSegmentType.AS_SEQUENCE && s.asns.length > 0) return s.asns[0]!;
    if (s.type === AsPathSegmentType.AS_SET) return 0;
  }
  return 0;
}
