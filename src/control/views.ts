/**
 * The JSON shapes the router answers with (and `--json` prints): the contract between the daemon, the
 * CLI views and the web page.
 */
import type { ServicePathView } from '../lib/service-path.js';
export interface PeerSummary {
  readonly name: string;
  readonly address: string;
  readonly remoteAs: number | string;
  readonly localAs: number;
  readonly state: string;
  readonly dynamic: boolean;
  readonly description?: string;
  readonly messagesReceived: number;
  readonly messagesSent: number;
  readonly outQueue: number;
  /** Seconds since the session last went up or down. */
  readonly upDownSeconds: number;
  /** How many times the session reached Established (FRR's "Established N times"). */
  readonly establishedCount: number;
  readonly prefixesReceived: number;
  readonly prefixesAccepted: number;
  readonly prefixesSent: number;
  readonly lastError?: string;
  readonly hostname?: string;
  readonly capabilities?: readonly string[];
  /** The neighbor's group (FRR's peer-group). */
  readonly group?: string;
  /** The address families configured on the session. */
  readonly families?: readonly ('ipv4' | 'ipv6')[];
  /** Per family, for a session that carries both (otherwise the totals above are the one family's). */
  readonly perFamily?: Partial<Record<'ipv4' | 'ipv6', PeerFamilyCounts>>;
  /** Configured administratively down (FRR `neighbor X shutdown`: "Idle (Admin)"). */
  readonly adminShutdown?: boolean;
  /** RFC 8212: an eBGP session without an import or export policy exchanges nothing (FRR "(Policy)"). */
  readonly missingPolicy?: { readonly import: boolean; readonly export: boolean };
}

export interface PeerFamilyCounts {
  readonly received: number;
  readonly accepted: number;
  readonly sent: number;
}

export interface BgpSummary {
  readonly routerId: string;
  readonly localAs: number;
  readonly ribEntries: number;
  /** Per family: the table version (moves with every change of a prefix's best path) and the Loc-RIB's prefixes. */
  readonly families?: Readonly<Record<'ipv4' | 'ipv6', { readonly tableVersion: number; readonly ribEntries: number }>>;
  /** Peer groups configured. */
  readonly groups?: number;
  /** Dynamic neighbors accepted at most (every range's limit). */
  readonly dynamicLimit?: number;
  readonly peers: readonly PeerSummary[];
}

export interface BgpPathView {
  readonly prefix: string;
  readonly peer: string;
  readonly nextHop: string;
  readonly best: boolean;
  readonly multipath: boolean;
  readonly stale: boolean;
  readonly internal: boolean;
  readonly local: boolean;
  /** Why this path won or lost against the best (the decision step). */
  readonly reason?: string;
  readonly origin: string;
  readonly asPath: string;
  readonly med?: number;
  readonly localPref?: number;
  readonly communities: readonly string[];
  readonly largeCommunities: readonly string[];
  readonly extendedCommunities: readonly string[];
  /** Link-bandwidth weight of this next hop in the ECMP group. */
  readonly weight?: number;
  readonly age: number;
  /** The BGP Identifier of the peer the path came from (for local paths, this router's). */
  readonly peerRouterId?: string;
  /** An aggregate this router originates (FRR "aggregated, local"). */
  readonly aggregate?: boolean;
  /** ATOMIC_AGGREGATE (RFC 4271 5.1.6) and AGGREGATOR (5.1.7, "AS address") when carried. */
  readonly atomicAggregate?: boolean;
  readonly aggregatedBy?: string;
}

/** A prefix of a single-prefix table: its table version and the peers it is advertised to. */
export interface BgpEntryView {
  readonly prefix: string;
  readonly version: number;
  readonly advertisedTo: readonly string[];
}

export interface BgpTable {
  readonly routerId: string;
  readonly localAs: number;
  readonly defaultLocalPref?: number;
  /** The family asked for (both when absent) and its table version. */
  readonly family?: 'ipv4' | 'ipv6';
  readonly tableVersion?: number;
  /** Paths per prefix in FRR's order: the most recently received first. */
  readonly paths: readonly BgpPathView[];
  /** When one prefix was asked for. */
  readonly entries?: readonly BgpEntryView[];
}

export interface KernelRouteView {
  readonly prefix: string;
  readonly table: number;
  readonly metric: number;
  readonly protocol: string;
  readonly nexthopGroup?: number;
  readonly nexthops: readonly {
    readonly gateway: string; readonly dev?: string; readonly weight: number;
    /** Forwarded to this route through this next hop since the router started (its nft counters; absent: not measured). */
    readonly packets?: number; readonly bytes?: number;
  }[];
  /** Next hops of the route out of its group because its service checks through them fail (serviceHealth). */
  readonly healthOut?: readonly { readonly gateway: string; readonly reason: string }[];
}

/** A next hop of an installed route, with its ECMP weight. */
export interface NexthopView {
  readonly gateway: string;
  readonly weight: number;
}

/** One prefix whose best path or next hop set changed (no next hops: not installed, or withdrawn). */
export interface RouteChangeView {
  readonly prefix: string;
  readonly oldNexthops: readonly NexthopView[];
  readonly newNexthops: readonly NexthopView[];
  /** The decision step that chose the new best path, or "withdrawn". */
  readonly reason: string;
}

/**
 * What happens in the router, as the history, MQTT and the web page see it. `at` is the wall clock
 * (milliseconds since 1970). A failover's `durationMs` runs from the session going down to the kernel
 * having answered every route change it caused.
 */
export type RouterEvent =
  | { readonly type: 'peer'; readonly at: number; readonly peer: string; readonly from: string; readonly to: string; readonly reason?: string }
  | { readonly type: 'routes'; readonly at: number; readonly changes: readonly RouteChangeView[] }
  | { readonly type: 'failover'; readonly at: number; readonly peer: string; readonly reason: string; readonly prefixes: number; readonly durationMs: number }
  | { readonly type: 'config'; readonly at: number; readonly hash: string; readonly text: string }
  /** A Service IP's next hop left its group (up false) or came back after service checks (serviceHealth). */
  | { readonly type: 'service-path'; readonly at: number; readonly prefix: string; readonly nexthop: string; readonly up: boolean; readonly reason?: string };

/** A kernel object and what a request did to it (RTM_NEWROUTE is always a replace: create or overwrite). */
export interface FibOperationView {
  readonly object: 'route' | 'nexthop' | 'group';
  readonly op: 'add' | 'replace' | 'delete';
}

/** Counters the router keeps that no view above carries. */
export interface RouterCounters {
  /** Route changes that did not reach the kernel as wanted: refused, an unusable next hop, or the FIB call failing. */
  readonly fibErrors: number;
  /** Kernel requests sent since start (none without a FIB). */
  readonly fibOperations: readonly (FibOperationView & { readonly count: number })[];
  /** Kernel requests refused since start, by errno name. */
  readonly fibKernelErrors: readonly (FibOperationView & { readonly code: string; readonly count: number })[];
}

/** What `vipgate reload` did: neighbors by id (address or range). */
export interface ReloadResult {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Session parameters changed: closed with Cease/Other Configuration Change and opened again. */
  readonly reset: readonly { readonly neighbor: string; readonly fields: readonly string[] }[];
  /** Policies, limits, BFD, probing, shutdown: applied with the session kept. */
  readonly soft: readonly { readonly neighbor: string; readonly fields: readonly string[] }[];
  readonly networks: { readonly set: readonly string[]; readonly removed: readonly string[] };
  readonly aggregates: boolean;
  readonly decision: boolean;
  /** RFC 8326 graceful shutdown of the router turned on or off: every advertised route re-sent. */
  readonly gracefulShutdown: boolean;
  /** Changed in the file, applied only by a restart (the running values stay). */
  readonly pendingRestart: readonly string[];
}

/** The answer to `reload`: what changed, or why the file was refused (nothing changed then). */
export type ReloadView = { readonly reloaded: ReloadResult } | { readonly invalid: string };

/**
 * A running router's state as the web page, MQTT and the metrics read it: the control API's views plus
 * a subscription to its events. The router implements it in-process; tests implement it by hand.
 */
export interface RouterStatusSource {
  summary(): BgpSummary;
  table(prefix?: string): BgpTable;
  routes(): Promise<readonly KernelRouteView[]>;
  counters(): RouterCounters;
  /** `show bfd`: the BFD sessions and next-hop probes. */
  bfd(): Promise<BfdView>;
  /** `clear bgp`: reset the sessions of `peer` ('*': all); the names of the peers reset. */
  clear(peer: string): { readonly reset: readonly string[] };
  /** Call `listener` on every event from now on; returns the unsubscribe function. */
  subscribe(listener: (e: RouterEvent) => void): () => void;
}

/** A point of a time series. */
export interface SamplePoint {
  readonly at: number;
  readonly value: number;
}

/** What the history (SQLite) gives the web page's charts and event list. */
export interface HistoryView {
  /** Installed route count over time. */
  readonly routeCounts: readonly SamplePoint[];
  /** Sessions that left Established, per time bucket. */
  readonly flaps: readonly SamplePoint[];
  /** The most recent failovers, oldest first. */
  readonly failovers: readonly { readonly at: number; readonly peer: string; readonly durationMs: number; readonly prefixes: number }[];
}

export interface HistorySource {
  /** Charts over the last `windowMs`, flaps counted per `bucketMs`. */
  charts(windowMs: number, bucketMs: number): HistoryView;
  /** Route changes of one prefix, newest first. */
  routeHistory(prefix: string, limit: number): readonly (RouteChangeView & { readonly at: number })[];
}

/** `show bfd`: BFD sessions (RFC 5880) and next-hop probes of the router. */
/** `show agent-manifests`: what installs the node agent on k3s, rendered from the router's configuration. */
export interface AgentManifestsView {
  /** Every manifest (namespace, RBAC, ConfigMap, DaemonSet) as one YAML stream for kubectl apply. */
  readonly yaml: string;
  /** The ConfigMap's agent.yaml alone. */
  readonly agentConfig: string;
  /** The image the DaemonSet names. */
  readonly image: string;
  /** The dynamic neighbors the nodes connect from. */
  readonly ranges: readonly string[];
  /** What was not rendered and is to be added by hand. */
  readonly warnings: readonly string[];
  /** The node-side and cluster-side install commands. */
  readonly install: readonly string[];
}

export interface BfdView {
  readonly sessions: readonly {
    readonly peer: string; readonly state: string; readonly remoteState: string; readonly diagnostic: string;
    readonly txIntervalMs: number; readonly detectionTimeMs: number;
    /** State changes, and of them the times the session left Up (flaps). */
    readonly transitions: number; readonly flaps: number;
  }[];
  readonly probes: readonly { readonly address: string; readonly up: boolean; readonly missed: number; readonly answered: number }[];
  /** Service health through each node (serviceHealth): one row per route and next hop checked. */
  readonly services: readonly ServicePathView[];
}

export type { ServicePathView };
