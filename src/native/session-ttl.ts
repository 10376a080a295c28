/**
 * The TTL (hop limit) a BGP session's TCP socket sends with, and the minimum it accepts (GTSM, RFC 5082:
 * IP_MINTTL / IPV6_MINHOPCOUNT), set through the addon since Node cannot: single-hop eBGP sends with 1,
 * multihop with its hop count, GTSM with 255. An outgoing socket gets them once connected (its file
 * descriptor exists then), an accepted one at once. Used by the router and the agent.
 */
import type { Socket } from 'node:net';
import { socketFd } from '../lib/socket-fd.js';
import { setSocketOptionInt } from './sockopt.js';

// Linux <netinet/in.h> and <linux/in6.h>
const IPPROTO_IP = 0;
const IPPROTO_IPV6 = 41;
const IP_TTL = 2;
const IP_MINTTL = 21;
const IPV6_UNICAST_HOPS = 16;
const IPV6_MINHOPCOUNT = 73;

export function applySessionTtl(
  socket: Socket, direction: 'in' | 'out', o: { readonly address: string; readonly ttl: number; readonly minTtl?: number },
  onError: (e: unknown) => void,
): void {
  const apply = (): void => {
    const fd = socketFd(socket);
    if (fd === undefined) return;
    const v6 = o.address.includes(':');
    try {
      setSocketOptionInt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_UNICAST_HOPS : IP_TTL, o.ttl);
      if (o.minTtl !== undefined) setSocketOptionInt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_MINHOPCOUNT : IP_MINTTL, o.minTtl);
    } catch (e) {
      onError(e);
    }
  };
  if (direction === 'out') socket.once('connect', apply); else apply();
}
