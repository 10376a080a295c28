/**
 * Graceful shutdown of the router itself (RFC 8326; FRR's `bgp graceful-shutdown`): before maintenance the
 * router marks every route it advertises with the GRACEFUL_SHUTDOWN community, so that its neighbors (an
 * upstream router, the other box of a pair) move traffic to other paths while this one still forwards;
 * to iBGP neighbors it also sends LOCAL_PREF 0 (RFC 8326 4.1), which a neighbor without the community's
 * policy still honours.
 */
import { WellKnownCommunity, type PathAttributes } from '../wire/bgp/types.js';

export function markGracefulShutdown(a: PathAttributes, ibgp: boolean): PathAttributes {
  const communities = a.communities ?? [];
  return {
    ...a,
    communities: communities.includes(WellKnownCommunity.GRACEFUL_SHUTDOWN) ? communities : [...communities, WellKnownCommunity.GRACEFUL_SHUTDOWN],
    ...(ibgp ? { localPref: 0 } : {}),
  };
}
