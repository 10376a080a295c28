/**
 * Output interface of a next hop: asks the kernel (RTM_GETROUTE for the gateway address) which interface it
 * would use, as `ip route get` does. A gateway that is not on a connected network (the answer has its own
 * gateway), or is a local address, cannot be a nexthop object's gateway and is reported as a failure.
 */
import { formatAddress, parseAddress } from '../lib/address.js';
import { Reader } from '../lib/bytes.js';
import { AF_INET, AF_INET6, NLM_F_REQUEST, RTM_GETROUTE, RTN_UNICAST } from '../wire/netlink/constants.js';
import { buildMessage } from '../wire/netlink/message.js';
import { decodeRoute, encodeRoute } from '../wire/netlink/route.js';
import type { NetlinkChannel } from './channel.js';

export interface ResolvedNexthop {
  readonly gateway: Uint8Array;
  readonly oif: number;
}

export interface Resolution {
  readonly resolved: Map<string, ResolvedNexthop>;
  /** address -> why it cannot be used */
  readonly failed: Map<string, { code: string; message: string }>;
}

export async function resolveNexthops(channel: NetlinkChannel, addresses: Iterable<string>): Promise<Resolution> {
  const resolved = new Map<string, ResolvedNexthop>();
  const failed = new Map<string, { code: string; message: string }>();
  await Promise.all([...addresses].map(async (address) => {
    const gateway = parseAddress(address);
    const request = buildMessage({ type: RTM_GETROUTE, flags: NLM_F_REQUEST, seq: 0, pid: 0 }, (w) => encodeRoute(w, {
      family: gateway.length === 4 ? AF_INET : AF_INET6, dstLen: gateway.length * 8, srcLen: 0, tos: 0, table: 0,
      protocol: 0, scope: 0, type: 0, flags: 0, dst: gateway,
    }));
    try {
      const route = decodeRoute(new Reader((await channel.get(request)).payload));
      if (route.type !== RTN_UNICAST || route.oif === undefined) {
        failed.set(address, { code: 'EINVAL', message: `next hop ${address} is not a unicast neighbour (route type ${route.type})` });
      } else if (route.gateway) {
        failed.set(address, { code: 'ENETUNREACH', message: `next hop ${address} is not on a connected network (reached via ${formatAddress(route.gateway)})` });
      } else {
        resolved.set(address, { gateway, oif: route.oif });
      }
    } catch (e) {
      const err = e as { code?: string; message: string };
      failed.set(address, { code: err.code ?? 'EIO', message: `next hop ${address}: ${err.message}` });
    }
  }));
  return { resolved, failed };
}
