/**
 * The desired-state snapshot the agent works from (MetalLB's split: watchers only fill this in; pure
 * functions turn it into assignments and announcements). It holds just the fields of Services,
 * EndpointSlices (discovery.k8s.io/v1) and Nodes that decide what is announced and what IPVS is given
 * (endpoint addresses and ports, target ports, the vipgate.io/ annotations, session affinity), and the
 * labels of Services and Namespaces that MetalLB's selectors match.
 */

export type TrafficPolicy = 'Cluster' | 'Local';
export type IpFamily = 'IPv4' | 'IPv6';

export interface ServicePort {
  readonly protocol: string;
  readonly port: number;
  /** spec.ports[].name: matched against the EndpointSlice port names. */
  readonly name?: string;
  /** spec.ports[].targetPort: a number, or the name of a container port (resolved by the EndpointSlices). */
  readonly targetPort?: number | string;
  readonly nodePort?: number;
}

/** spec.sessionAffinity ClientIP: connections from one client address stick to one endpoint this long. */
export interface SessionAffinity {
  /** sessionAffinityConfig.clientIP.timeoutSeconds (the API server's default is 10800). */
  readonly timeoutSeconds: number;
}

export interface ServiceInfo {
  readonly namespace: string;
  readonly name: string;
  readonly type: string;
  readonly externalTrafficPolicy: TrafficPolicy;
  /** IPs asked for: annotation metallb.io/loadBalancerIPs (or metallb.universe.tf/), else spec.loadBalancerIP. */
  readonly requestedIPs: readonly string[];
  /** Why the request cannot be met as written (both the annotation and spec.loadBalancerIP): no address then. */
  readonly requestProblem?: string;
  /** metadata.labels (MetalLB's serviceSelectors of pools and advertisements); absent: none. */
  readonly labels?: Readonly<Record<string, string>>;
  /** metadata.uid, for the Events about this Service. */
  readonly uid?: string;
  /** The ip-allocated-from-pool annotations it carries (full key → pool), as the IPAM leader last wrote them. */
  readonly allocatedFrom?: Readonly<Record<string, string>>;
  /** Annotation metallb.io/address-pool (or metallb.universe.tf/). */
  readonly pool?: string;
  /** Annotation metallb.io/allow-shared-ip (or metallb.universe.tf/): Services with the same key may share an IP. */
  readonly sharingKey?: string;
  readonly ports: readonly ServicePort[];
  /** spec.selector as canonical text; Local Services that share an IP must select the same pods. */
  readonly selector: string;
  /** spec.ipFamilies (first is primary) and whether both families are wanted (Prefer/RequireDualStack). */
  readonly ipFamilies: readonly IpFamily[];
  readonly dualStack: boolean;
  /** ipFamilyPolicy PreferDualStack: both families when a pool has both, else one (the first family first). */
  readonly preferDualStack?: true;
  readonly externalIPs: readonly string[];
  /** status.loadBalancer.ingress[].ip: what the IPAM leader assigned. */
  readonly ingressIPs: readonly string[];
  /** status.loadBalancer.ingress[].ipMode by IP, for the entries that have one (KEP-1860: VIP or Proxy). */
  readonly ingressIpModes?: Readonly<Record<string, string>>;
  /** spec.loadBalancerSourceRanges: only these client CIDRs may reach the LoadBalancer IPs. */
  readonly sourceRanges?: readonly string[];
  /** spec.loadBalancerClass; a Service with another class is not ours. */
  readonly loadBalancerClass?: string;
  /** The Service's vipgate.io/ annotations (others are not kept), e.g. vipgate.io/ipvs-scheduler. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Present when spec.sessionAffinity is ClientIP. */
  readonly sessionAffinity?: SessionAffinity;
}

export interface EndpointInfo {
  readonly ready: boolean;
  readonly nodeName?: string;
  /** endpoints[].addresses (consumers use the first; the rest are fungible copies). */
  readonly addresses?: readonly string[];
}

/** EndpointSlice ports[]: the port each endpoint of the slice listens on, by Service port name. */
export interface EndpointPort {
  readonly name?: string;
  readonly port: number;
  readonly protocol: string;
}

export interface EndpointSliceInfo {
  readonly namespace: string;
  readonly name: string;
  /** Label kubernetes.io/service-name. */
  readonly service: string;
  readonly endpoints: readonly EndpointInfo[];
  /** addressType: IPv4, IPv6 or FQDN (FQDN endpoints are not programmed into IPVS). */
  readonly addressType?: string;
  readonly ports?: readonly EndpointPort[];
}

export interface NodeInfo {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Condition Ready is True. */
  readonly ready: boolean;
  /** Label node.kubernetes.io/exclude-from-external-load-balancers present. */
  readonly excluded: boolean;
  /** spec.unschedulable (cordoned, as `kubectl drain` does). */
  readonly unschedulable?: boolean;
  /** metadata.deletionTimestamp set: the Node object is being deleted. */
  readonly deleting?: boolean;
}

/** A Namespace and its labels (MetalLB's IPAddressPool serviceAllocation.namespaceSelectors). */
export interface NamespaceInfo {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface Snapshot {
  readonly services: readonly ServiceInfo[];
  readonly slices: readonly EndpointSliceInfo[];
  readonly nodes: readonly NodeInfo[];
  /** Absent: not watched (then namespaceSelectors match no namespace). */
  readonly namespaces?: readonly NamespaceInfo[];
}

export function serviceKey(s: { readonly namespace: string; readonly name: string }): string {
  return `${s.namespace}/${s.name}`;
}
