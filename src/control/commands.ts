/**
 * The router's control commands (`vipgate show …`, `clear bgp`, `reload`, the lab and the tests): each
 * name with its arguments and the JSON shape of its reply (src/control/views.ts, src/control/cluster.ts).
 * The agent's are in src/agent/commands.ts.
 */
import type { CommandSpec, NoArgs } from './protocol.js';
import type { ClusterModel } from './cluster.js';
import type { DataplaneView } from './dataplane.js';
import type { AgentManifestsView, BfdView, BgpSummary, BgpTable, KernelRouteView, ReloadView, ServicePathView } from './views.js';

export type RouterCommands = {
  readonly 'show bgp summary': CommandSpec<NoArgs, BgpSummary>;
  /** One family's table (default IPv4), or one prefix of it. */
  readonly 'show ip bgp': CommandSpec<{ readonly prefix?: string; readonly family?: 'ipv4' | 'ipv6' }, BgpTable>;
  /** The Adj-RIB-In of a neighbor, before import policy. */
  readonly 'show ip bgp neighbors received-routes': CommandSpec<{ readonly peer: string }, BgpTable>;
  /** The Adj-RIB-Out of a neighbor, as sent. */
  readonly 'show ip bgp neighbors advertised-routes': CommandSpec<{ readonly peer: string }, BgpTable>;
  readonly 'show routes': CommandSpec<NoArgs, KernelRouteView[]>;
  readonly 'show bfd': CommandSpec<NoArgs, BfdView>;
  /** Service health through each node (serviceHealth): every route and next hop checked. */
  readonly 'show health': CommandSpec<NoArgs, readonly ServicePathView[]>;
  readonly 'show running-config': CommandSpec<NoArgs, { readonly text: string }>;
  readonly 'show agent-manifests': CommandSpec<{ readonly range?: string }, AgentManifestsView>;
  readonly 'show cluster': CommandSpec<NoArgs, ClusterModel>;
  readonly 'show dataplane': CommandSpec<NoArgs, DataplaneView>;
  /** Reset the sessions of `peer` (an address, or '*', the default: all); the names of the peers reset. */
  readonly 'clear bgp': CommandSpec<{ readonly peer?: string }, { readonly reset: readonly string[] }>;
  readonly reload: CommandSpec<NoArgs, ReloadView>;
};
