/**
 * The agent's snapshot → the IPVS virtual services this node should have. The node programs exactly the
 * Service IPs it announces (../announce/desired.ts), so a packet the routers send here finds a virtual
 * service:
 * - nothing on a node that is missing, not Ready or excluded from external load balancers;
 * - LoadBalancer Services of our loadBalancerClass: their IPs (this agent's own assignments with the file
 *   source; status.loadBalancer.ingress, written by the IPAM leader, with the Kubernetes source);
 * - spec.externalIPs when the agent handles them (config externalIPs.enabled);
 * - real servers: the ready endpoints of the Service's EndpointSlices (the first address of each, as
 *   kube-proxy does); externalTrafficPolicy Local (LoadBalancer and NodePort only): only this node's
 *   endpoints, and no virtual service at all without one (the node does not announce it either);
 * - scheduler and weights from the vipgate.io/ annotations, persistence from sessionAffinity ClientIP;
 * - with the Kubernetes source, only ingress IPs whose ipMode is Proxy (kube-proxy serves the others);
 * - SNAT (masquerade) for externalTrafficPolicy Cluster, spec.loadBalancerSourceRanges for LoadBalancers.
 * Two Services can name the same IP, port and protocol (an externalIP equal to another Service's IP): the
 * first in name order keeps it and the other is reported.
 */
import type { ReconcileResult } from '../ipam/allocator.js';
import { nodeEligible } from '../announce/desired.js';
import { serviceKey, type EndpointSliceInfo, type ServiceInfo, type Snapshot, type TrafficPolicy } from '../model.js';
import { desiredVirtualServices, serviceName, type DesiredVirtualService, type IpvsServiceInput } from './desired.js';

export interface IpvsScope {
  readonly node: string;
  /** LoadBalancer IPs from this agent's IPAM (file source); undefined: status.loadBalancer.ingress. */
  readonly assignments?: ReconcileResult;
  /** The agent's loadBalancerClass (undefined: Services without a class). */
  readonly loadBalancerClass?: string;
  /** Program spec.externalIPs too (the agent's externalIPs.enabled; file source only: kube-proxy takes them). */
  readonly externalIPs: boolean;
  /**
   * Kubernetes source: program only the ingress IPs whose status says ipMode Proxy (KEP-1860), the ones
   * kube-proxy leaves alone; the others kube-proxy DNATs before IPVS would see a packet.
   */
  readonly proxyModeOnly?: boolean;
}

export interface SnapshotDesired {
  readonly services: readonly DesiredVirtualService[];
  /** Annotation errors (that Service falls back to rr and equal weights) and key conflicts. */
  readonly problems: readonly string[];
}

type Endpoint = IpvsServiceInput['endpoints'][number];

function endpointsOf(svc: ServiceInfo, slices: readonly EndpointSliceInfo[], node: string, policy: TrafficPolicy): Endpoint[] {
  const out: Endpoint[] = [];
  for (const slice of slices) {
    if (slice.namespace !== svc.namespace || slice.service !== svc.name || slice.addressType === 'FQDN') continue;
    const ports = (slice.ports ?? []).map((p) => ({ port: p.port, ...(p.name ? { name: p.name } : {}) }));
    for (const e of slice.endpoints) {
      const address = e.addresses?.[0];
      if (!address || !e.ready || (policy === 'Local' && e.nodeName !== node)) continue;
      out.push({ address, ready: true, ports });
    }
  }
  return out;
}

/** The Service's LoadBalancer IPs to program, and its externalIPs when the agent handles them. */
function ipsOf(svc: ServiceInfo, scope: IpvsScope): { lb: string[]; all: string[] } {
  let lb: readonly string[] = [];
  if (svc.type === 'LoadBalancer' && svc.loadBalancerClass === scope.loadBalancerClass) {
    lb = scope.assignments ? scope.assignments.assignments.get(serviceKey(svc))?.ips ?? [] : svc.ingressIPs;
    if (scope.proxyModeOnly) lb = lb.filter((ip) => svc.ingressIpModes?.[ip] === 'Proxy');
  }
  return { lb: [...lb], all: [...new Set([...lb, ...(scope.externalIPs ? svc.externalIPs : [])])] };
}

/** The inputs of desiredVirtualServices for this node (exported for tests and views). */
export function ipvsServiceInputs(snapshot: Snapshot, scope: IpvsScope): IpvsServiceInput[] {
  if (!nodeEligible(snapshot.nodes.find((n) => n.name === scope.node))) return [];
  const inputs: IpvsServiceInput[] = [];
  const ordered = [...snapshot.services].sort((a, b) => serviceKey(a).localeCompare(serviceKey(b)));
  for (const svc of ordered) {
    const { lb, all: ips } = ipsOf(svc, scope);
    if (ips.length === 0) continue;
    // externalTrafficPolicy only applies to NodePort and LoadBalancer Services
    const policy: TrafficPolicy = svc.type === 'LoadBalancer' || svc.type === 'NodePort' ? svc.externalTrafficPolicy : 'Cluster';
    const endpoints = endpointsOf(svc, snapshot.slices, scope.node, policy);
    if (policy === 'Local' && endpoints.length === 0) continue;
    inputs.push({
      namespace: svc.namespace, name: svc.name, ips, endpoints,
      ports: svc.ports.map((p) => ({
        protocol: p.protocol, port: p.port, ...(p.name ? { name: p.name } : {}),
        ...(typeof p.targetPort === 'number' ? { targetPort: p.targetPort } : {}),
      })),
      annotations: svc.annotations ?? {},
      ...(svc.sessionAffinity ? { persistence: { timeoutSeconds: svc.sessionAffinity.timeoutSeconds } } : {}),
      masquerade: policy === 'Cluster',
      ...(svc.sourceRanges && lb.length > 0 ? { sourceRanges: { ranges: svc.sourceRanges, ips: lb } } : {}),
    });
  }
  return inputs;
}

/** Snapshot → the whole desired set of this node's virtual services. */
export function desiredFromSnapshot(snapshot: Snapshot, scope: IpvsScope): SnapshotDesired {
  const { services, problems } = desiredVirtualServices(ipvsServiceInputs(snapshot, scope));
  const kept = new Map<string, DesiredVirtualService>();
  const out = problems.map((p) => p.message);
  for (const s of services) {
    const name = serviceName(s.key);
    const first = kept.get(name);
    if (first) out.push(`${s.owner}: ${name} is already ${first.owner}'s; left to it`);
    else kept.set(name, s);
  }
  return { services: [...kept.values()], problems: out };
}
