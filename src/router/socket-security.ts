/**
 * Per-neighbor socket settings on a BGP session's TCP socket: the TTL we send with (1 for single-hop
 * eBGP, `ebgpMultihop` otherwise, 255 with GTSM) and the minimum TTL we accept (GTSM, RFC 5082:
 * IP_MINTTL / IPV6_MINHOPCOUNT = 256 - hops), through the native addon since Node cannot set them.
 */
import type { Socket } from 'node:net';
import type { Logger } from '../lib/log.js';
import { socketFd } from '../lib/socket-fd.js';
import { setSocketOptionInt } from '../native/sockopt.js';
import type { Direction } from '../bgp/connection.js';
import type { NeighborConfig } from '../config/resolve.js';

// Linux <netinet/in.h> and <linux/in6.h>
const IPPROTO_IP = 0;
const IPPROTO_IPV6 = 41;
const IP_TTL = 2;
const IP_MINTTL = 21;
const IPV6_UNICAST_HOPS = 16;
const IPV6_MINHOPCOUNT = 73;

export function applySocketSecurity(socket: Socket, direction: Direction, n: NeighborConfig, address: string, log: Logger): void {
  const apply = (): void => {
    const fd = socketFd(socket);
    if (fd === undefined) return;
    const v6 = address.includes(':');
    const ttl = n.ttlSecurity !== undefined ? 255 : n.ebgpMultihop;
    try {
      setSocketOptionInt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_UNICAST_HOPS : IP_TTL, ttl);
      if (n.ttlSecurity !== undefined) {
        setSocketOptionInt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_MINHOPCOUNT : IP_MINTTL, 256 - n.ttlSecurity);
      }
    } catch (e) {
      log.error({ peer: address, err: e }, 'cannot set the session TTL');
    }
  };
  if (direction === 'out') socket.once('connect', apply); else apply();
}
