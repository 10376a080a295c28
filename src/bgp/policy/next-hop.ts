/**
 * Next hop acceptance for routes from directly connected peers (RFC 4271 5.1.3, 6.3): the NEXT_HOP must
 * be a unicast address that is not ours, and (for single-hop eBGP, the node case) either the peer's own
 * address or an address on one of our connected subnets, so a node cannot steer traffic elsewhere.
 */
import { addressInPrefix, AddressError, equalBytes, parseAddress, type Prefix } from '../../lib/address.js';

export interface NextHopContext {
  readonly peer: string;
  /** Our connected subnets (from the interfaces). */
  readonly connected: readonly Prefix[];
  /** Our own addresses: a next hop pointing at us is invalid (RFC 4271 6.3). */
  readonly local?: readonly string[];
}

/** Why the next hop is not acceptable, or undefined when it is. */
export function nextHopRefusal(nextHop: string, ctx: NextHopContext): string | undefined {
  let addr: Uint8Array;
  try {
    addr = parseAddress(nextHop);
  } catch (e) {
    return `next hop ${nextHop} is not an address (${e instanceof AddressError ? e.message : String(e)})`;
  }
  if (addr.every((b) => b === 0)) return `next hop ${nextHop} is unspecified`;
  if (addr.length === 4 ? addr[0]! >= 224 : addr[0] === 0xff) return `next hop ${nextHop} is not unicast`;
  if (ctx.local?.some((l) => equalBytes(parseAddress(l), addr))) return `next hop ${nextHop} is one of our own addresses`;
  if (equalBytes(parseAddress(ctx.peer), addr)) return undefined;
  if (ctx.connected.some((p) => addressInPrefix(addr, p))) return undefined;
  return `next hop ${nextHop} is neither the peer ${ctx.peer} nor on a connected subnet`;
}
