/**
 * A route's next hop and a change to the kernel's table, as every layer names them: the Loc-RIB's multipath
 * set (src/bgp/rib), the router's changes for the FIB (src/router/routing.ts), the probe gate (src/probe)
 * and the FIB's model (src/fib). The JSON views write a next hop as { gateway, weight } (control/views.ts).
 */
import type { Prefix } from './address.js';

/** A next hop and its ECMP weight (1..256: the kernel's nexthop group weight). */
export interface Nexthop {
  readonly address: string;
  readonly weight: number;
}

/**
 * Set a route with its next hops, or delete it. `key`: formatPrefix(prefix) when the caller has it already;
 * `nexthops` arrays may be shared by every route with that set (the Loc-RIB does). The Fib also takes the
 * prefix as text and a next hop without weight (FibChangeInput, src/fib/fib.ts), checking both.
 */
export type FibChange<P = Prefix, H = Nexthop> =
  | { readonly op: 'set'; readonly prefix: P; readonly key?: string; readonly nexthops: readonly H[] }
  | { readonly op: 'delete'; readonly prefix: P; readonly key?: string };
