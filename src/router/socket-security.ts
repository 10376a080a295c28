/**
 * Per-neighbor socket settings on a BGP session's TCP socket: the TTL we send with (1 for single-hop
 * eBGP, `ebgpMultihop` otherwise, 255 with GTSM) and the minimum TTL we accept (GTSM, RFC 5082:
 * 256 - hops), through src/native/session-ttl.ts.
 */
import type { Socket } from 'node:net';
import type { Logger } from '../lib/log.js';
import { applySessionTtl } from '../native/session-ttl.js';
import type { ConnectionDirection } from '../bgp/connection.js';
import type { NeighborConfig } from '../config/resolve.js';

export function applySocketSecurity(socket: Socket, direction: ConnectionDirection, n: NeighborConfig, address: string, log: Logger): void {
  const gtsm = n.ttlSecurity !== undefined;
  applySessionTtl(socket, direction, { address, ttl: gtsm ? 255 : n.ebgpMultihop, ...(gtsm ? { minTtl: 256 - n.ttlSecurity! } : {}) },
    (e) => log.error({ peer: address, err: e }, 'cannot set the session TTL'));
}
