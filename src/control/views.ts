/**
 * The JSON shapes the router answers with (and `--json` prints): the contract between the daemon, the
 * CLI views and the web page.
 */
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
}

export interface BgpSummary {
  readonly routerId: string;
  readonly localAs: number;
  readonly ribEntries: number;
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
  readonly weight?: number;
  readonly age: number;
}

export interface BgpTable {
  readonly routerId: string;
  readonly localAs: number;
  readonly paths: readonly BgpPathView[];
}

export interface KernelRouteView {
  readonly prefix: string;
  readonly table: number;
  readonly metric: number;
  readonly protocol: string;
  readonly nexthopGroup?: number;
  readonly nexthops: readonly { readonly gateway: string; readonly dev?: string; readonly weight: number }[];
}
