/**
 * BGP communities as the configuration and the views write them: well-known names (RFC 1997, RFC 8326
 * GRACEFUL_SHUTDOWN, RFC 7999 BLACKHOLE, RFC 3765 NOPEER), "AS:VALUE" (RFC 1997) and large communities
 * "GLOBAL:LOCAL1:LOCAL2" (RFC 8092). Free of zod, so that `vipgate show` and the views load without the
 * configuration's schemas (values.ts parses the same text).
 */
import { WellKnownCommunity, type LargeCommunity } from '../wire/bgp/types.js';

export const COMMUNITY_NAMES: Readonly<Record<string, number>> = {
  'graceful-shutdown': WellKnownCommunity.GRACEFUL_SHUTDOWN,
  blackhole: WellKnownCommunity.BLACKHOLE,
  'no-export': WellKnownCommunity.NO_EXPORT,
  'no-advertise': WellKnownCommunity.NO_ADVERTISE,
  'no-export-subconfed': WellKnownCommunity.NO_EXPORT_SUBCONFED,
  'no-peer': WellKnownCommunity.NOPEER,
};

export function formatCommunity(c: number): string {
  for (const [name, v] of Object.entries(COMMUNITY_NAMES)) if (v === c) return name;
  return `${c >>> 16}:${c & 0xffff}`;
}

export const formatLargeCommunity = (c: LargeCommunity): string => c.join(':');
