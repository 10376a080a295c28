/**
 * What the router's views (summary-view.ts, table-view.ts, views.ts) and its status (status.ts) may read of
 * the running router, as narrow interfaces: RouterDaemon implements them, and neither the views nor the
 * status import the daemon (scripts/check-layers.mjs refuses file-level import cycles).
 */
import type { Peer } from '../bgp/peer.js';
import type { Speaker } from '../bgp/speaker.js';
import type { BfdService } from '../bfd/service.js';
import type { NexthopProber } from '../probe/prober.js';
import type { ServiceHealth } from '../probe/service-health.js';
import type { NeighborConfig, RouterConfig } from '../config/resolve.js';
import type { KernelRouteView, ReloadResult, RouterCounters } from '../control/views.js';
import type { Routing } from './routing.js';
import type { TableVersions } from './table-versions.js';

/** Kernel requests sent and refused (src/fib/counters.ts). */
export interface FibCountersView { readonly operations: RouterCounters['fibOperations']; readonly errors: RouterCounters['fibKernelErrors'] }

/** The tables and sessions: what `show bgp summary` and `show ip bgp` read. */
export interface RibQuery {
  /** The running configuration. */
  readonly cfg: RouterConfig;
  readonly routing: Pick<Routing, 'ribs' | 'refusedKeys' | 'acceptedCount'>;
  readonly speaker: Pick<Speaker, 'peers' | 'peer' | 'isDynamic'>;
  /** FRR's table versions. */
  readonly versions: TableVersions;
  neighbor(peer: Peer): NeighborConfig | undefined;
  /** The router's clock (ms), on which the peers' timestamps are taken. */
  now(): number;
}

/** Everything the control socket and the status answer from. */
export interface RouterQuery extends RibQuery {
  readonly routing: RibQuery['routing'] & Pick<Routing, 'fibFailures' | 'settled'>;
  readonly bfd?: Pick<BfdService, 'views'>;
  readonly probe?: Pick<NexthopProber, 'views'>;
  readonly serviceHealth?: Pick<ServiceHealth, 'view'>;
  /** The kernel's view of our routes when the FIB can dump it, else what we asked it to install. */
  kernelRoutes(): Promise<KernelRouteView[]>;
  fibCounters(): FibCountersView | undefined;
  /** Read the configuration file again and apply it. */
  reloadFile(): Promise<ReloadResult>;
}
