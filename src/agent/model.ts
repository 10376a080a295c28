/**
 * The desired-state snapshot the agent works from (MetalLB's split: watchers only fill this in; pure
 * functions turn it into assignments and announcements). It holds just the fields of Services,
 * EndpointSlices (discovery.k8s.io/v1) and Nodes that decide what is announced.
 */

export type TrafficPolicy = 'Cluster' | 'Local';
export type IpFamily = 'IPv4' | 'IPv6';

export interface ServicePort { readonly protocol: string; readonly port: number }

export interface ServiceInfo {
  readonly namespace: string;
  readonly name: string;
  readonly type: string;
  readonly externalTrafficPolicy: TrafficPolicy;
  /** IPs asked for: annotation metallb.universe.tf/loadBalancerIPs, else spec.loadBalancerIP. */
  readonly requestedIPs: readonly string[];
  /** Annotation metallb.universe.tf/address-pool. */
  readonly pool?: string;
  /** Annotation metallb.universe.tf/allow-shared-ip: Services with the same key may share an IP. */
  readonly sharingKey?: string;
  readonly ports: readonly ServicePort[];
  /** spec.selector as canonical text; Local Services that share an IP must select the same pods. */
  readonly selector: string;
  /** spec.ipFamilies (first is primary) and whether both families are wanted (Prefer/RequireDualStack). */
  readonly ipFamilies: readonly IpFamily[];
  readonly dualStack: boolean;
  readonly externalIPs: readonly string[];
  /** status.loadBalancer.ingress[].ip: what the IPAM leader assigned. */
  readonly ingressIPs: readonly string[];
  /** spec.loadBalancerClass; a Service with another class is not ours. */
  readonly loadBalancerClass?: string;
}

export interface EndpointInfo {
  readonly ready: boolean;
  readonly nodeName?: string;
}

export interface EndpointSliceInfo {
  readonly namespace: string;
  readonly name: string;
  /** Label kubernetes.io/service-name. */
  readonly service: string;
  readonly endpoints: readonly EndpointInfo[];
}

export interface NodeInfo {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Condition Ready is True. */
  readonly ready: boolean;
  /** Label node.kubernetes.io/exclude-from-external-load-balancers present. */
  readonly excluded: boolean;
}

export interface Snapshot {
  readonly services: readonly ServiceInfo[];
  readonly slices: readonly EndpointSliceInfo[];
  readonly nodes: readonly NodeInfo[];
}

export function serviceKey(s: { readonly namespace: string; readonly name: string }): string {
  return `${s.namespace}/${s.name}`;
}
