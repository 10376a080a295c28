/**
 * What two OPENs agree on: the codec contexts for each direction (4-octet AS, RFC 6793; extended
 * message, RFC 8654; ADD-PATH per family and direction, RFC 7911 4), the hold time (RFC 4271 4.2: the
 * smaller of the two), the peer's real AS, the shared unicast families (RFC 4760 8; a speaker that sends
 * no multiprotocol capability is taken to support IPv4 unicast only) and the peer's optional features.
 */
import type { Family } from '../../lib/address.js';
import { Afi, Safi, afiSafiKey } from './types.js';
import type { Capability, CodecContext, OpenMessage } from './types.js';

type CapabilityOf<K extends Capability['kind']> = Extract<Capability, { kind: K }>;

export interface Negotiated {
  /** Context for decoding what the peer sends. */
  readonly rx: CodecContext;
  /** Context for encoding what we send. */
  readonly tx: CodecContext;
  /** Seconds; 0 means no keepalives and no hold timer. */
  readonly holdTime: number;
  /** The peer's AS: its 4-octet AS capability, else the OPEN's My Autonomous System. */
  readonly peerAs: number;
  /** IPv4 / IPv6 unicast when both ends support it. */
  readonly families: readonly Family[];
  readonly routeRefresh: boolean;
  /** RFC 7313: both ends advertised enhanced route refresh. */
  readonly enhancedRouteRefresh: boolean;
  /** The peer's graceful restart capability, when it sent one (RFC 4724: we act as its helper). */
  readonly peerGracefulRestart?: CapabilityOf<'graceful-restart'>;
  /** The peer's hostname capability, when it sent one. */
  readonly peerFqdn?: CapabilityOf<'fqdn'>;
}

function find<K extends Capability['kind']>(open: OpenMessage, kind: K): CapabilityOf<K> | undefined {
  return open.capabilities.find((c): c is CapabilityOf<K> => c.kind === kind);
}

/** RFC 6793 4.1: the real AS is in the 4-octet AS capability when present. */
export function peerAsOf(open: OpenMessage): number {
  return find(open, 'four-octet-as')?.asn ?? open.myAs;
}

function unicastFamilies(open: OpenMessage): Set<Family> {
  const mp = open.capabilities.filter((c): c is CapabilityOf<'multiprotocol'> => c.kind === 'multiprotocol');
  if (mp.length === 0) return new Set<Family>([4]);
  const out = new Set<Family>();
  for (const c of mp) {
    if (c.safi !== Safi.UNICAST) continue;
    if (c.afi === Afi.IPV4) out.add(4);
    else if (c.afi === Afi.IPV6) out.add(6);
  }
  return out;
}

/** Families for which `sender` sends and `receiver` receives path identifiers (RFC 7911 4: modes 2 send, 1 receive, 3 both). */
function addPathDirection(sender: OpenMessage, receiver: OpenMessage): Set<string> {
  const receives = new Set<string>();
  for (const f of find(receiver, 'add-path')?.families ?? []) if (f.mode & 1) receives.add(afiSafiKey(f.afi, f.safi));
  const out = new Set<string>();
  for (const f of find(sender, 'add-path')?.families ?? []) {
    const key = afiSafiKey(f.afi, f.safi);
    if (f.mode & 2 && receives.has(key)) out.add(key);
  }
  return out;
}

export function negotiate(local: OpenMessage, remote: OpenMessage): Negotiated {
  const both = (kind: Capability['kind']): boolean => find(local, kind) !== undefined && find(remote, kind) !== undefined;
  const fourOctetAs = both('four-octet-as');
  const extendedMessage = both('extended-message');
  const theirs = unicastFamilies(remote);
  const families = [...unicastFamilies(local)].filter((f) => theirs.has(f)).sort();
  const gr = find(remote, 'graceful-restart');
  const fqdn = find(remote, 'fqdn');
  return {
    rx: { fourOctetAs, extendedMessage, addPath: addPathDirection(remote, local) },
    tx: { fourOctetAs, extendedMessage, addPath: addPathDirection(local, remote) },
    holdTime: Math.min(local.holdTime, remote.holdTime),
    peerAs: peerAsOf(remote),
    families,
    routeRefresh: both('route-refresh'),
    enhancedRouteRefresh: both('enhanced-route-refresh'),
    ...(gr !== undefined ? { peerGracefulRestart: gr } : {}),
    ...(fqdn !== undefined ? { peerFqdn: fqdn } : {}),
  };
}
