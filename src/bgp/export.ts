/**
 * What a route looks like when we send it to one peer: the advertisement rules of RFC 4271 9.1.3 and 5.1,
 * applied after export policy. eBGP: our AS prepended (5.1.2), next hop set to ourselves (5.1.3),
 * LOCAL_PREF removed (5.1.5), a MED learned from another AS not passed on (5.1.4). iBGP: split horizon
 * (9.2, no route reflection), LOCAL_PREF present. Never back to the peer it came from. Well-known
 * communities NO_ADVERTISE / NO_EXPORT honoured (RFC 1997).
 */
import type { AsPathSegment, PathAttributes } from '../wire/bgp/types.js';
import { AsPathSegmentType, WellKnownCommunity } from '../wire/bgp/types.js';
import type { Prefix } from '../lib/address.js';

export interface ExportPeer {
  readonly address: string;
  readonly localAs: number;
  readonly ibgp: boolean;
  /** Our address on the session, used as next hop for IPv4 routes. */
  readonly localAddress: string;
  /** Our IPv6 address towards the peer, for IPv6 routes (none: IPv6 routes are not sent). */
  readonly localAddress6?: string;
  readonly nextHopSelf: boolean;
}

/** A route the speaker may send: from a peer or originated here. */
export interface ExportRoute {
  readonly key: string;
  readonly prefix: Prefix;
  readonly attributes: PathAttributes;
  readonly nextHop: string;
  /** The peer it was learned from; undefined when originated by this speaker. */
  readonly from?: { readonly address: string; readonly ibgp: boolean };
}

export interface ExportedRoute {
  readonly key: string;
  readonly prefix: Prefix;
  readonly attributes: PathAttributes;
  readonly nextHop: string;
}

export const DEFAULT_LOCAL_PREF = 100;
const MAX_SEGMENT = 255;

/** Prepend an AS to an AS_PATH, opening a new AS_SEQUENCE segment where needed (RFC 4271 5.1.2). */
export function prependAs(path: readonly AsPathSegment[] | undefined, asn: number, times = 1): AsPathSegment[] {
  const segments = path ? [...path] : [];
  for (let i = 0; i < times; i++) {
    const first = segments[0];
    if (first && first.type === AsPathSegmentType.AS_SEQUENCE && first.asns.length < MAX_SEGMENT) {
      segments[0] = { type: AsPathSegmentType.AS_SEQUENCE, asns: [asn, ...first.asns] };
    } else {
      segments.unshift({ type: AsPathSegmentType.AS_SEQUENCE, asns: [asn] });
    }
  }
  return segments;
}

/** Why a route is not sent to a peer, or undefined when it is. */
export function exportRefusal(route: ExportRoute, peer: ExportPeer): string | undefined {
  if (route.from?.address === peer.address) return 'learned from this peer';
  if (route.from?.ibgp && peer.ibgp) return 'iBGP split horizon';
  const c = route.attributes.communities;
  if (c?.includes(WellKnownCommunity.NO_ADVERTISE)) return 'NO_ADVERTISE';
  if (!peer.ibgp && c?.includes(WellKnownCommunity.NO_EXPORT)) return 'NO_EXPORT';
  if (route.prefix.family === 6 && !peer.localAddress6) return 'no IPv6 address towards this peer';
  return undefined;
}

/**
 * The attributes and next hop sent to `peer`. Results are cached per (source attributes, peer) so that
 * routes which shared attributes when received share them when sent, and group into one UPDATE.
 */
export class Exporter {
  private readonly cache = new WeakMap<PathAttributes, Map<string, PathAttributes>>();

  constructor(private readonly peer: ExportPeer) {}

  export(route: ExportRoute): ExportedRoute | undefined {
    if (exportRefusal(route, this.peer) !== undefined) return undefined;
    const self = route.prefix.family === 4 ? this.peer.localAddress : this.peer.localAddress6!;
    const nextHop = !this.peer.ibgp || this.peer.nextHopSelf || route.from === undefined ? self : route.nextHop;
    const variant = route.from === undefined ? 'local' : route.from.ibgp ? 'ibgp' : 'ebgp';
    let perSource = this.cache.get(route.attributes);
    if (!perSource) { perSource = new Map(); this.cache.set(route.attributes, perSource); }
    let attributes = perSource.get(variant);
    if (!attributes) {
      attributes = this.transform(route.attributes, route.from === undefined, route.from !== undefined && !route.from.ibgp);
      perSource.set(variant, attributes);
    }
    return { key: route.key, prefix: route.prefix, attributes, nextHop };
  }

  private transform(a: PathAttributes, local: boolean, fromEbgp: boolean): PathAttributes {
    // no route reflection here: ORIGINATOR_ID and CLUSTER_LIST (RFC 4456) are not passed on
    const { mpReach: _r, mpUnreach: _u, nextHop: _n, originatorId: _o, clusterList: _c, localPref, med, ...rest } = a;
    if (this.peer.ibgp) {
      return {
        ...rest, origin: a.origin ?? 0, asPath: a.asPath ?? [], localPref: localPref ?? DEFAULT_LOCAL_PREF,
        ...(med === undefined ? {} : { med }),
      };
    }
    // eBGP: MED only for our own routes (RFC 4271 5.1.4), no LOCAL_PREF (5.1.5)
    return {
      ...rest, origin: a.origin ?? 0, asPath: prependAs(a.asPath, this.peer.localAs),
      ...(med !== undefined && local && !fromEbgp ? { med } : {}),
    };
  }
}
