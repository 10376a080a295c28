/**
 * When the agent's IPVS may serve a Service IP on a node that also runs kube-proxy, and what the IPAM
 * leader writes into status.loadBalancer.ingress[].ipMode. Facts (KEP-1860, kubernetes pkg/proxy):
 * - kube-proxy (iptables, nftables and IPVS modes) programs a LoadBalancer ingress IP only when its ipMode
 *   is VIP or unset (pkg/proxy/util IsVIPMode); with ipMode Proxy it writes no rule for that IP and binds
 *   nothing, so the packet reaches the node's own stack, where IPVS takes it in LOCAL_IN.
 * - The LoadBalancerIPMode feature gate is alpha (off) in 1.29, beta and on from 1.30, GA from 1.32; with
 *   the gate off the API server drops the field, and with it on it defaults every ingress IP to VIP when read.
 * - spec.externalIPs have no ipMode: kube-proxy always DNATs them, so with the Kubernetes source the agent
 *   leaves them to kube-proxy.
 * - kube-proxy's IPVS mode owns the node's IPVS table and binds its Service IPs to kube-ipvs0.
 * So: Proxy for every Service the agent's IPVS serves (the leader's own IPVS data plane is serving: API
 * server >= 1.30, the field kept, no kube-ipvs0 on its node, IPVS open), VIP otherwise, so kube-proxy keeps
 * serving. Each node refuses to program IPVS, and says why, where the cluster or the node cannot do this.
 */
import type { ServiceInfo } from '../model.js';
import type { ApiServerVersion } from '../source/api-version.js';

export type IpMode = 'VIP' | 'Proxy';

/** The first version where LoadBalancerIPMode is on by default (beta). */
export const IP_MODE_SINCE = { major: 1, minor: 30 } as const;


const atLeast = (v: ApiServerVersion, w: { major: number; minor: number }): boolean => v.major > w.major || (v.major === w.major && v.minor >= w.minor);

/**
 * Why IPVS cannot serve Service IPs beside kube-proxy in this cluster, or undefined when it can.
 * `services`: the snapshot's Services of the agent's class (evidence that the API server drops ipMode).
 */
export function clusterRefusal(version: ApiServerVersion | undefined, services: readonly ServiceInfo[]): string | undefined {
  if (!version) return 'the API server\'s version is not known yet (GET /version): status.loadBalancer.ingress[].ipMode may not exist';
  if (!atLeast(version, IP_MODE_SINCE)) {
    return `Kubernetes ${version.gitVersion} is older than 1.30: status.loadBalancer.ingress[].ipMode (KEP-1860, LoadBalancerIPMode) is not on, `
      + 'so kube-proxy would DNAT the Service IPs before IPVS sees a packet';
  }
  const dropped = services.find((s) => s.type === 'LoadBalancer' && s.ingressIPs.length > 0 && !s.ingressIpModes);
  if (dropped) {
    return `the API server keeps no status.loadBalancer.ingress[].ipMode (${dropped.namespace}/${dropped.name} has none): `
      + 'its LoadBalancerIPMode feature gate is off, so kube-proxy would DNAT the Service IPs before IPVS sees a packet';
  }
  return undefined;
}

/** Why this node must not program IPVS, or undefined. */
export function nodeRefusal(kubeProxyIpvs: boolean): string | undefined {
  return kubeProxyIpvs
    ? 'kube-proxy runs in IPVS mode on this node (kube-ipvs0 exists): it owns the IPVS table and binds the Service IPs itself'
    : undefined;
}

/**
 * The ipMode the IPAM leader writes for a LoadBalancer Service: Proxy when the agent's IPVS serves its
 * IPs (`ipvsServing`: the leader's own data plane is serving), so that kube-proxy leaves them to IPVS;
 * otherwise VIP, kube-proxy's default behaviour (it DNATs them itself).
 */
export function ingressIpMode(svc: Pick<ServiceInfo, 'type'>, ipvsServing: boolean): IpMode {
  return svc.type === 'LoadBalancer' && ipvsServing ? 'Proxy' : 'VIP';
}
