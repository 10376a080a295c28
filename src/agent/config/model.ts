/**
 * The validated agent configuration, whichever format it was written in (vipgate's own compact YAML,
 * MetalLB's legacy ConfigMap, or MetalLB's CRDs). `origin` on each item names where it came from
 * ("pools[0]", "IPAddressPool/default", "address-pools[1]") so later checks can name the field.
 */
import type { Family } from '../../lib/address.js';
import type { LargeCommunity } from '../../wire/bgp/types.js';

export interface SelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values: readonly string[];
}

/** A Kubernetes label selector; the empty selector matches everything. */
export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: readonly SelectorRequirement[];
}

/** An inclusive range of addresses of one family, as integers. */
export interface AddressRange {
  readonly family: Family;
  readonly first: bigint;
  readonly last: bigint;
  /** The CIDR length when the range was written as a CIDR. */
  readonly cidrLength?: number;
  readonly text: string;
}

/**
 * MetalLB's IPAddressPool serviceAllocation: the pool serves only Services in these namespaces (named, or
 * whose labels match a selector) and whose labels match a selector; such a pool is not used for other
 * Services at all, and among the pools a Service may use the lowest `priority` above 0 goes first, 0 last.
 */
export interface ServiceAllocation {
  readonly priority: number;
  readonly namespaces: readonly string[];
  readonly namespaceSelectors: readonly LabelSelector[];
  readonly serviceSelectors: readonly LabelSelector[];
}

export interface PoolConfig {
  readonly origin: string;
  readonly name: string;
  readonly ranges: readonly AddressRange[];
  /** Never hand out .0 or .255 addresses (IPv4; old routers and clients treat them as broadcast). */
  readonly avoidBuggyIPs: boolean;
  /** false: only Services that ask for this pool (annotation) or for one of its IPs get an address. */
  readonly autoAssign: boolean;
  readonly allocation?: ServiceAllocation;
}

export interface PeerConfig {
  readonly origin: string;
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly myAsn: number;
  /** The router's AS, or MetalLB's dynamicASN: any AS equal to ours (internal) or different (external). */
  readonly peerAsn: number | 'internal' | 'external';
  /** Seconds (RFC 4271 4.2: 0 or >= 3). */
  readonly holdTime: number;
  readonly keepalive?: number;
  readonly connectRetry: number;
  /** TCP MD5 signature key (RFC 2385), set on our socket before it connects. */
  readonly password?: string;
  /** eBGP across routers: the TTL we send with (MetalLB's ebgpMultiHop true = 255); undefined: 1 for eBGP, 255 for iBGP. */
  readonly ebgpMultihop?: number;
  readonly sourceAddress?: string;
  readonly routerId?: string;
  /** Empty: every node peers with this router. Otherwise: nodes matching any of them. */
  readonly nodeSelectors: readonly LabelSelector[];
  /** BFD with this router (RFC 5880/5881), intervals in milliseconds; undefined: none. */
  readonly bfd?: PeerBfdConfig;
  /** The address families this session carries (MetalLB: the peer address's own, unless dualStackAddressFamily); undefined: both. */
  readonly families?: readonly Family[];
  /** RFC 4724 on this session (MetalLB's enableGracefulRestart); undefined: as `gracefulRestart.enabled` says. */
  readonly gracefulRestart?: boolean;
}

export interface PeerBfdConfig {
  readonly minRx: number;
  readonly minTx: number;
  readonly multiplier: number;
  /** RFC 5883 multihop (UDP 4784) for a multi-hop eBGP peer, with the lowest TTL accepted (MetalLB's minimumTtl). */
  readonly multihop?: { readonly minTtl: number };
  /** RFC 5880 6.1 passive role: send nothing until the router has spoken. */
  readonly passive?: boolean;
  readonly auth?: { readonly type: 'keyed-sha1' | 'meticulous-keyed-sha1'; readonly keyId: number; readonly password: string };
}

/**
 * What a stop (SIGTERM) does: `graceful-shutdown` (RFC 8326: routes re-announced with GRACEFUL_SHUTDOWN, a
 * drain, then withdrawn with Cease), `graceful-restart` (RFC 4724: sessions closed without NOTIFICATION so
 * the routers keep our routes as stale until we are back), or `auto`: graceful-shutdown when the node is
 * being drained (cordoned or deleted) or the source is a file, graceful-restart otherwise (a rollout).
 */
export type ShutdownMode = 'graceful-shutdown' | 'graceful-restart' | 'auto';

export interface AdvertisementConfig {
  readonly origin: string;
  /** Only Services whose labels match one of these (MetalLB's serviceSelectors); empty: every Service. */
  readonly serviceSelectors?: readonly LabelSelector[];
  /** Undefined: every pool. */
  readonly pools?: readonly string[];
  readonly aggregationLength: number;
  readonly aggregationLengthV6: number;
  readonly localPref?: number;
  readonly communities: readonly number[];
  readonly largeCommunities: readonly LargeCommunity[];
  /** Peer names; empty: every peer. */
  readonly peers: readonly string[];
  /** Empty: announced from every node. */
  readonly nodeSelectors: readonly LabelSelector[];
}

export interface AgentConfig {
  readonly format: 'vipgate' | 'metallb-configmap' | 'metallb-crds';
  readonly routerId?: string;
  readonly pools: readonly PoolConfig[];
  readonly peers: readonly PeerConfig[];
  readonly advertisements: readonly AdvertisementConfig[];
  /** spec.externalIPs announced (the seed's ExternalIP Services), with these attributes. */
  readonly externalIPs: {
    readonly enabled: boolean; readonly communities: readonly number[]; readonly largeCommunities: readonly LargeCommunity[];
    readonly localPref?: number;
  };
  /**
   * Link bandwidth extended community on externalTrafficPolicy Local routes: `mbpsPerEndpoint` Mbit/s per
   * ready local endpoint, so the router's ECMP weights follow where the pods are.
   */
  readonly linkBandwidth: { readonly enabled: boolean; readonly mbpsPerEndpoint: number };
  /** coordination.k8s.io Lease used to elect the one agent that assigns addresses (Kubernetes source). */
  readonly leaderElection: { readonly namespace: string; readonly name: string; readonly durationSeconds: number };
  /** spec.loadBalancerClass this agent serves; undefined: Services without a class. */
  readonly loadBalancerClass?: string;
  /** RFC 8326 drain: how long routes stay announced with GRACEFUL_SHUTDOWN before they are withdrawn. */
  readonly gracefulShutdown: { readonly drainSeconds: number };
  /**
   * RFC 4724, the agent as restarting speaker: the capability with the Forwarding State bit for IPv4 and
   * IPv6 unicast (kube-proxy keeps forwarding while the agent restarts); `stateDir` holds the marker that
   * sets the Restart State bit on the next start.
   */
  readonly gracefulRestart: { readonly enabled: boolean; readonly restartTime: number; readonly stateDir: string };
  readonly shutdown: ShutdownMode;
  /**
   * externalTrafficPolicy Cluster Services with no ready endpoint anywhere: withdrawn (false, MetalLB 0.13 and
   * later) or announced all the same (true, MetalLB's older behaviour).
   */
  readonly announceClusterWithoutEndpoints: boolean;
  /** What the agent writes into Kubernetes (k8s/state-writer.ts), with the Kubernetes source only. */
  readonly kubernetesState: { readonly enabled: boolean; readonly namespace?: string | undefined; readonly writesPerSecond: number; readonly burst: number };
  /**
   * Program this node's IPVS virtual services for the Services it announces (src/agent/ipvs/dataplane.ts,
   * vipgate format only): the Service IPs on a dummy interface, strict ARP, the agent's nft table; what it
   * changed is recorded in `stateFile`. Off (or undefined, MetalLB formats without settings): kube-proxy does it.
   */
  readonly ipvs?: IpvsConfig;
  /** MQTT telemetry of this node's agent (vipgate format only); undefined: off. */
  readonly telemetry?: {
    readonly url: string; readonly site: string; readonly username?: string | undefined; readonly password?: string | undefined;
    readonly tls?: { readonly ca?: string | undefined; readonly cert?: string | undefined; readonly key?: string | undefined; readonly rejectUnauthorized: boolean } | undefined;
    readonly queueLimit: number; readonly intervalMs: number; readonly passwordFile?: string | undefined;
  };
  /** Prometheus metrics of this agent on their own HTTP listener (src/agent/metrics.ts); undefined: off. */
  readonly metrics?: { readonly address: string; readonly port: number };
  /** "path: what" of things read but not used (MetalLB features vipgate does not have, unknown fields), for the log and --check. */
  readonly warnings: readonly string[];
}

export interface IpvsConfig {
  readonly enabled: boolean;
  readonly interface: string;
  readonly strictArp: boolean;
  readonly stateFile: string;
  readonly procSys: string;
  readonly resyncSeconds: number;
}

export const DEFAULTS = {
  port: 179, holdTime: 90, connectRetry: 5,
  linkBandwidth: { enabled: true, mbpsPerEndpoint: 1000 },
  leaderElection: { namespace: 'vipgate-system', name: 'vipgate-ipam', durationSeconds: 15 },
  /**
   * 5 s: one UPDATE moves the router's traffic off the node, so the drain only has to outlast the router's
   * processing and flows in flight; it and the close (about 1 s) fit the DaemonSet's
   * terminationGracePeriodSeconds (deploy/daemonset.yaml: 10), the bound being MAX_DRAIN_SECONDS.
   */
  gracefulShutdown: { drainSeconds: 5 },
  gracefulRestart: { enabled: true, restartTime: 120, stateDir: '/run/vipgate' },
  shutdown: 'auto',
  announceClusterWithoutEndpoints: false,
  kubernetesState: { enabled: true, writesPerSecond: 5, burst: 20 },
  /** MetalLB's speaker serves its metrics on 7472; the agent, which may run beside it while a site moves over, on the next port. */
  metrics: { address: '0.0.0.0', port: 7473 },
} as const;

/** `ebgpMultihop` as written (MetalLB's boolean, or a hop count) → the TTL, or undefined for the default. */
export function multihopTtl(v: boolean | number | undefined): number | undefined {
  return v === true ? 255 : v === false ? undefined : v;
}

/** What a stop does in the MetalLB formats, which have no such settings. */
export const STOP_DEFAULTS = {
  gracefulShutdown: DEFAULTS.gracefulShutdown, gracefulRestart: DEFAULTS.gracefulRestart, shutdown: DEFAULTS.shutdown,
} as const;

/** The longest drain accepted: Kubernetes' own default terminationGracePeriodSeconds is 30. */
export const MAX_DRAIN_SECONDS = 25;
