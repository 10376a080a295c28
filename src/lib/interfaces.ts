/**
 * This network namespace's interfaces as the BGP speakers need them: the IPv6 next hop beside an IPv4
 * session address (RFC 2545 3, RFC 4760: IPv6 routes on an IPv4 session carry a global IPv6 next hop),
 * and the connected subnets and local addresses (the router's next-hop checks).
 */
import { networkInterfaces } from 'node:os';
import { maskBytes, parseAddress, type Prefix } from './address.js';

/** A global IPv6 address on the interface that holds `ipv4`: the next hop for IPv6 routes on an IPv4 session. */
export function ipv6OnSameInterface(ipv4: string): string | undefined {
  const iface = Object.values(networkInterfaces()).find((list) => list?.some((a) => a.address === ipv4));
  return iface?.find((a) => a.family === 'IPv6' && !a.internal && !a.address.toLowerCase().startsWith('fe80'))?.address;
}

/** Connected subnets and local addresses of this network namespace, from the interfaces. */
export function connectedSubnets(): { connected: Prefix[]; local: string[] } {
  const connected: Prefix[] = [];
  const local: string[] = [];
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.internal || !a.cidr) continue;
      const addr = parseAddress(a.address.split('%')[0]!);
      const len = Number(a.cidr.split('/')[1]);
      connected.push({ family: addr.length === 4 ? 4 : 6, addr: maskBytes(addr, len), len });
      local.push(a.address.split('%')[0]!);
    }
  }
  return { connected, local };
}
