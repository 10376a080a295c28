/**
 * Desired IPVS virtual services for the Service IPs a node handles: one virtual service per (Service IP,
 * port, protocol), real servers from the ready endpoints (port resolved by port name, as EndpointSlices
 * give it), the scheduler and weights from the annotations, and persistence (IP_VS_SVC_F_PERSISTENT with a
 * timeout, one client address per entry) for spec.sessionAffinity ClientIP, as kube-proxy's IPVS mode maps
 * it. Endpoint addresses that are not IP addresses (FQDN slices) or not of the Service IP's family are
 * left out. Which IPs to program is the caller's choice:
 * the agent passes LoadBalancer ingress IPs and externalIPs. ClusterIPs and NodePorts stay with kube-proxy
 * (or k3s's) so that vipgate never fights the cluster's own proxy.
 */
import { formatAddress, parseAddress } from '../../lib/address.js';
import { IP_VS_SVC_F_PERSISTENT } from '../../wire/netlink/ipvs/constants.js';
import type { DestinationSpec, ForwardMethod, IpvsProtocol, ServiceKey } from '../../wire/netlink/ipvs/types.js';
import {
  AnnotationError, parseSchedulerAnnotation, parseWeightsAnnotation, SCHEDULER_ANNOTATION, WEIGHTS_ANNOTATION, type SchedulerName,
} from './scheduler-annotation.js';

export interface IpvsServiceInput {
  readonly namespace: string;
  readonly name: string;
  /** Service IPs to program on this node (LoadBalancer ingress IPs, externalIPs). */
  readonly ips: readonly string[];
  readonly ports: readonly { readonly name?: string; readonly protocol: string; readonly port: number; readonly targetPort?: number }[];
  readonly endpoints: readonly {
    readonly address: string;
    readonly ready: boolean;
    /** EndpointSlice ports: by Service port name. */
    readonly ports: readonly { readonly name?: string; readonly port: number }[];
  }[];
  readonly annotations: Readonly<Record<string, string>>;
  /** spec.sessionAffinity ClientIP: IPVS persistence for this many seconds. */
  readonly persistence?: { readonly timeoutSeconds: number };
  /** externalTrafficPolicy Cluster: connections are SNATed to the node (endpoints may be on other nodes). */
  readonly masquerade: boolean;
  /** spec.loadBalancerSourceRanges: only these client CIDRs may connect to `ips` (the LoadBalancer IPs). */
  readonly sourceRanges?: { readonly ranges: readonly string[]; readonly ips: readonly string[] };
}

export interface DesiredVirtualService {
  /** "namespace/name", for reports. */
  readonly owner: string;
  readonly key: ServiceKey & { readonly protocol: IpvsProtocol; readonly address: string; readonly port: number };
  readonly scheduler: SchedulerName;
  /** IP_VS_SVC_F_* bits: the scheduler's flags, and PERSISTENT with session affinity. */
  readonly flags: number;
  /** Persistence timeout in seconds (0: none). */
  readonly timeout: number;
  readonly destinations: readonly DestinationSpec[];
  /** SNAT forwarded connections (externalTrafficPolicy Cluster). */
  readonly masquerade: boolean;
  /** Client CIDRs allowed (loadBalancerSourceRanges); undefined: every client. */
  readonly sourceRanges?: readonly string[];
}

export interface DesiredResult {
  readonly services: DesiredVirtualService[];
  /** Annotation problems: that Service falls back to rr and equal weights. */
  readonly problems: AnnotationError[];
}

const FORWARD: ForwardMethod = 'masq';

/** A virtual service's name in reports and views: "tcp:10.0.0.1:80", "tcp:[fd00::1]:80", "fwm:7". */
export const serviceName = (k: ServiceKey): string =>
  ('fwmark' in k ? `fwm:${k.fwmark}` : `${k.protocol}:${k.address.includes(':') ? `[${k.address}]` : k.address}:${k.port}`);

export function desiredVirtualServices(inputs: readonly IpvsServiceInput[]): DesiredResult {
  const services: DesiredVirtualService[] = [];
  const problems: AnnotationError[] = [];
  for (const s of inputs) {
    const owner = `${s.namespace}/${s.name}`;
    let sched: { name: SchedulerName; flags: number } = { name: 'rr', flags: 0 };
    let weights: ReadonlyMap<string, number> = new Map();
    try { sched = parseSchedulerAnnotation(s.annotations[SCHEDULER_ANNOTATION]); } catch (e) { problems.push(tag(e, owner)); }
    try { weights = parseWeightsAnnotation(s.annotations[WEIGHTS_ANNOTATION]); } catch (e) { problems.push(tag(e, owner)); }
    const timeout = s.persistence?.timeoutSeconds ?? 0;
    const flags = sched.flags | (timeout > 0 ? IP_VS_SVC_F_PERSISTENT : 0);
    for (const ip of s.ips) {
      const address = formatAddress(parseAddress(ip));
      for (const p of s.ports) {
        const protocol = p.protocol.toLowerCase();
        if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'sctp') continue;
        const destinations: DestinationSpec[] = [];
        for (const e of s.endpoints) {
          if (!e.ready) continue;
          const ep = e.ports.find((x) => (x.name ?? '') === (p.name ?? '')) ?? (e.ports.length === 1 ? e.ports[0] : undefined);
          const port = ep?.port ?? p.targetPort ?? p.port;
          const addr = ipText(e.address);
          if (addr === undefined || parseAddress(addr).length !== parseAddress(address).length) continue;
          if (destinations.some((d) => d.address === addr && d.port === port)) continue;
          destinations.push({ address: addr, port, forward: FORWARD, weight: weights.get(addr) ?? 1, upperThreshold: 0, lowerThreshold: 0 });
        }
        services.push({
          owner, key: { protocol, address, port: p.port }, scheduler: sched.name, flags, timeout, destinations, masquerade: s.masquerade,
          ...(s.sourceRanges?.ips.includes(ip) ? { sourceRanges: s.sourceRanges.ranges } : {}),
        });
      }
    }
  }
  return { services, problems };
}

/** Normalised address text, or undefined for what is not an IP address (an FQDN endpoint). */
function ipText(text: string): string | undefined {
  try { return formatAddress(parseAddress(text)); } catch { return undefined; }
}

function tag(e: unknown, owner: string): AnnotationError {
  if (e instanceof AnnotationError) return new AnnotationError(e.annotation, `${owner}: ${e.message}`);
  throw e;
}
