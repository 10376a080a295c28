/**
 * The node agents as the router hears them over MQTT: the shapes src/telemetry/cluster-view.ts builds from
 * the agents' retained topics (vipgate/<site>/<node>/status, agent, services/+) and the web page's Cluster
 * view reads. Every value came from a topic any client the broker admits may write: each was checked for
 * its type and cut to a bounded length, and is trusted for nothing else (the page escapes it).
 */

/** One BGP session as the agent reports it. */
export interface AgentPeerReport {
  readonly name: string;
  readonly address: string;
  readonly state: string;
  /** Announcements the agent wants on this session. */
  readonly announced?: number;
  readonly lastError?: string;
  /** The BFD session's state (RFC 5880 4.1), when the session has BFD, and its last diagnostic. */
  readonly bfd?: string;
  readonly bfdDiagnostic?: string;
}

/** One Service as a node reports it (vipgate/<site>/<node>/services/<ns>_<name>). */
export interface AgentServiceReport {
  /** namespace/name */
  readonly service: string;
  readonly ips: readonly string[];
  readonly trafficPolicy: string;
  /** Ready endpoints of the Service on the node. */
  readonly localEndpoints: number;
  /** The agent's peer names it announces the addresses to. */
  readonly announcedTo: readonly string[];
}

/** The agent's summary (vipgate/<site>/<node>/agent), its maps reduced to what the page shows. */
export interface AgentSummaryReport {
  /** The agent's vipgate version, when it says. */
  readonly version?: string;
  readonly synced: boolean;
  readonly leader: boolean;
  readonly stopMode: string;
  readonly peers: readonly AgentPeerReport[];
  /** Services with addresses assigned by the cluster's IPAM (the leader's view). */
  readonly assignments: number;
  /** Services that got no address, and why (the first few). */
  readonly failures: readonly { readonly service: string; readonly reason: string }[];
}

export interface AgentNodeReport {
  /** The node's topic level (vipgate/<site>/<node>/...). */
  readonly node: string;
  /** From the status topic; undefined: not heard (yet). "offline" is also the agent's last will. */
  readonly status?: 'online' | 'offline';
  /** Wall clock (ms since 1970) of the last message from this node. */
  readonly lastHeard: number;
  readonly agent?: AgentSummaryReport;
  readonly services: readonly AgentServiceReport[];
}

/** Messages not taken into the model, by why. */
export interface ClusterIgnored {
  /** Not JSON, or not the shape the agents publish. */
  readonly malformed: number;
  /** Larger than the limit for their topic. */
  readonly oversized: number;
  /** A new node or Service past the limits of what is held. */
  readonly overLimit: number;
}

export interface AgentClusterReport {
  /** The router's MQTT connection is up (otherwise this is the last state heard). */
  readonly connected: boolean;
  readonly nodes: readonly AgentNodeReport[];
  readonly ignored: ClusterIgnored;
}

/** What the web page reads the agents' reports through. */
export interface ClusterSource {
  report(): AgentClusterReport;
  /** Called after each change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

/**
 * How the router's view of one Service address compares with the node's:
 *   ok            the node announces it to this router and is one of the kernel route's next hops
 *   not-installed the node announces it, the router has its path, the kernel route does not use it
 *   no-path       the node announces it, the router has no path from the node
 *   stale         the node does not announce it to this router, yet the kernel still routes it via the node
 *   not-announced neither (the node holds it back, e.g. no local endpoint with trafficPolicy Local)
 *   unmatched     no session of this router is known to be the node's: nothing to compare
 *   invalid       not an IP address
 */
export type Agreement = 'ok' | 'not-installed' | 'no-path' | 'stale' | 'not-announced' | 'unmatched' | 'invalid';

/** The disagreements worth a warning. */
export const DISAGREEMENTS: ReadonlySet<Agreement> = new Set(['not-installed', 'no-path', 'stale']);

export interface AddressCheck {
  readonly ip: string;
  /** The router's kernel next hops for the address's host route. */
  readonly nexthops: readonly string[];
  readonly agreement: Agreement;
}

export interface ClusterService extends AgentServiceReport {
  readonly addresses: readonly AddressCheck[];
}

export interface ClusterPeer extends AgentPeerReport {
  /** This peer of the agent is this router. */
  readonly thisRouter: boolean;
}

export interface ClusterNode extends Omit<AgentNodeReport, 'services' | 'agent'> {
  readonly agent?: Omit<NonNullable<AgentNodeReport['agent']>, 'peers'> & { readonly peers: readonly ClusterPeer[] };
  /** This router's BGP session with the node, when one was matched to it, and its BFD session's state. */
  readonly session?: { readonly name: string; readonly address: string; readonly state: string; readonly bfd?: string };
  readonly services: readonly ClusterService[];
  readonly disagreements: number;
}

export interface ClusterModel {
  readonly connected: boolean;
  readonly nodes: readonly ClusterNode[];
  /** The router's sessions no agent report was matched to. */
  readonly unmatchedSessions: readonly { readonly name: string; readonly address: string; readonly state: string }[];
  readonly disagreements: number;
  readonly ignored: AgentClusterReport['ignored'];
}

