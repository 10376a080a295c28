/**
 * The pure heart of the agent: snapshot + config + assigned IPs + this node → what this node announces to
 * each peer. Rules:
 * - nothing from a node that is missing, not Ready, or labelled
 *   node.kubernetes.io/exclude-from-external-load-balancers;
 * - externalTrafficPolicy Cluster: every Service IP from every such node while the Service has a ready
 *   endpoint anywhere (MetalLB's "noEndpoints"; `announceClusterWithoutEndpoints` keeps the old
 *   always-announce); Local: only from nodes with at least one ready endpoint of the Service
 *   (EndpointSlices, discovery.k8s.io/v1), so traffic never lands on a node that would drop it;
 * - each IP goes out as the advertisements that select its pool, this node and the Service (serviceSelectors)
 *   say: the IP masked to aggregationLength (/32 and /128 by default), their communities, large communities
 *   and local preference, to the peers they name (all peers when none) among the peers whose node
 *   selectors match this node and whose session carries the IP's family; advertisements that would give
 *   the route two LOCAL_PREFs announce nothing of that Service (MetalLB's conflictingAdvertisements);
 * - spec.externalIPs likewise when enabled, as /32 and /128 with the externalIPs attributes;
 * - link bandwidth (draft-ietf-idr-link-bandwidth) on routes made only of Local Services: ready local
 *   endpoints x mbpsPerEndpoint Mbit/s, so the router's weighted ECMP sends traffic in proportion to
 *   where the pods are (3 pods here and 1 there: weights 3:1). Routes of Cluster Services carry none,
 *   and the router weighs them equally.
 * plan() also says per Service what this node does with it: the peers it is announced to, or why not.
 */
import { formatPrefix, maskBytes, parseAddress, type Prefix } from '../../lib/address.js';
import type { LargeCommunity } from '../../wire/bgp/types.js';
import type { AdvertisementConfig, AgentConfig, PeerConfig } from '../config/model.js';
import { localPrefCompatible } from '../config/semantic.js';
import { anySelectorMatches } from '../config/values.js';
import { ipValue, poolHolds } from '../ipam/pool.js';
import { serviceKey, type NodeInfo, type ServiceInfo, type Snapshot, type TrafficPolicy } from '../model.js';

export interface Announcement {
  readonly key: string;
  readonly prefix: Prefix;
  readonly communities: readonly number[];
  readonly largeCommunities: readonly LargeCommunity[];
  readonly localPref?: number;
  /** Link bandwidth to attach, Mbit/s. */
  readonly bandwidthMbps?: number;
  /** The Services behind this route (namespace/name), for views and logs. */
  readonly services: readonly string[];
}

/** Peer name → its announcements, sorted by prefix text. */
export type DesiredState = ReadonlyMap<string, readonly Announcement[]>;

/** What this node does with one Service (key namespace/name): the peers it announces it to, or why it announces nothing. */
export interface ServicePlan {
  readonly peers: readonly string[];
  /** Set when `peers` is empty: why (MetalLB's reasons: noIPAllocated, noEndpoints, noLocalEndpoints, ...). */
  readonly reason?: string;
}

export interface Plan {
  readonly state: DesiredState;
  /** Services of type LoadBalancer (ours) and Services with externalIPs (when announced). */
  readonly services: ReadonlyMap<string, ServicePlan>;
}

export interface DesiredInput {
  readonly snapshot: Snapshot;
  readonly config: AgentConfig;
  readonly node: string;
  /** The IPs a Service holds (the IPAM leader's status, or this agent's own assignment). */
  readonly ipsOf: (s: ServiceInfo) => readonly string[];
}

interface Contribution {
  prefix: Prefix;
  communities: Set<number>;
  large: Map<string, LargeCommunity>;
  localPref?: number;
  endpoints: number;
  cluster: boolean;
  services: Set<string>;
}

/** Can this node carry traffic for Services at all? */
export function nodeEligible(node: NodeInfo | undefined): node is NodeInfo {
  return node !== undefined && node.ready && !node.excluded;
}

/** The configured peers this node talks to (their node selectors match its labels). */
export function peersForNode(config: AgentConfig, node: NodeInfo | undefined): PeerConfig[] {
  if (!node) return [];
  return config.peers.filter((p) => anySelectorMatches(p.nodeSelectors, node.labels));
}

/** Ready endpoints of each Service on `node`, or anywhere when `node` is undefined ("namespace/name" → count). */
export function localEndpoints(snapshot: Snapshot, node: string | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const slice of snapshot.slices) {
    const n = slice.endpoints.filter((e) => e.ready && (node === undefined || e.nodeName === node)).length;
    if (n === 0) continue;
    const key = serviceKey({ namespace: slice.namespace, name: slice.service });
    counts.set(key, (counts.get(key) ?? 0) + n);
  }
  return counts;
}

function hostPrefix(ip: string, len?: number): Prefix {
  const addr = parseAddress(ip);
  const l = len ?? addr.length * 8;
  return { family: addr.length === 4 ? 4 : 6, addr: maskBytes(addr, l), len: l };
}

export function desiredAnnouncements(input: DesiredInput): DesiredState {
  return plan(input).state;
}

/** Do two of a Service's advertisements give its routes two LOCAL_PREFs (MetalLB's checkBGPAdvConflicts)? */
function conflicting(ads: readonly AdvertisementConfig[], pool: AgentConfig['pools'][number]): boolean {
  return ads.some((a, i) => ads.slice(i + 1).some((b) => !localPrefCompatible(a, b, pool)));
}

export function plan(input: DesiredInput): Plan {
  const { snapshot, config } = input;
  const node = snapshot.nodes.find((n) => n.name === input.node);
  const out = new Map<string, Map<string, Contribution>>();
  const services = new Map<string, ServicePlan>();
  const nodeProblem = !node ? 'this node is not in the cluster' : !node.ready ? 'this node is not Ready'
    : node.excluded ? 'this node is labelled node.kubernetes.io/exclude-from-external-load-balancers' : undefined;
  const peers = peersForNode(config, node);
  const local = localEndpoints(snapshot, input.node);
  const anywhere = localEndpoints(snapshot, undefined);

  const add = (peer: string, prefix: Prefix, svc: string, policy: TrafficPolicy, endpoints: number,
    attrs: { communities: readonly number[]; largeCommunities: readonly LargeCommunity[]; localPref?: number | undefined }): void => {
    let perPeer = out.get(peer);
    if (!perPeer) { perPeer = new Map(); out.set(peer, perPeer); }
    const key = formatPrefix(prefix);
    let c = perPeer.get(key);
    if (!c) { c = { prefix, communities: new Set(), large: new Map(), endpoints: 0, cluster: false, services: new Set() }; perPeer.set(key, c); }
    attrs.communities.forEach((x) => c.communities.add(x));
    attrs.largeCommunities.forEach((x) => c.large.set(x.join(':'), x));
    if (attrs.localPref !== undefined) c.localPref = Math.max(c.localPref ?? 0, attrs.localPref);
    if (policy === 'Cluster') c.cluster = true;
    if (!c.services.has(svc)) { c.services.add(svc); c.endpoints += endpoints; }
  };
  const carries = (peer: PeerConfig, ip: string): boolean => !peer.families || peer.families.includes(ip.includes(':') ? 6 : 4);

  for (const svc of snapshot.services) {
    const key = serviceKey(svc);
    const endpoints = local.get(key) ?? 0;
    const lbPolicy = svc.externalTrafficPolicy;
    const sent = new Set<string>();
    const ours = svc.type === 'LoadBalancer' && svc.loadBalancerClass === config.loadBalancerClass;
    const ips = ours ? input.ipsOf(svc) : [];
    // the first reason that applies, in MetalLB's order
    const why = !ours ? undefined : ips.length === 0 ? 'noIPAllocated: no address assigned yet'
      : nodeProblem ? `node: ${nodeProblem}`
      : lbPolicy === 'Local' && endpoints === 0 ? 'noLocalEndpoints: no ready endpoint of the Service on this node'
      : lbPolicy === 'Cluster' && !config.announceClusterWithoutEndpoints && (anywhere.get(key) ?? 0) === 0 ? 'noEndpoints: the Service has no ready endpoint on any node'
      : undefined;
    let reason = why;
    if (ours && why === undefined && node) {
      const perIp = ips.flatMap((ip) => {
        const pool = config.pools.find((p) => poolHolds(p, ipValue(ip)));
        const ads = !pool ? [] : config.advertisements.filter((adv) => (!adv.pools || adv.pools.includes(pool.name))
          && anySelectorMatches(adv.nodeSelectors, node.labels)
          && (!adv.serviceSelectors?.length || anySelectorMatches(adv.serviceSelectors, svc.labels ?? {})));
        return pool && ads.length > 0 ? [{ ip, pool, ads }] : [];
      });
      const matched = perIp.length > 0;
      const clash = perIp.find((x) => conflicting(x.ads, x.pool));
      if (clash) reason = `conflictingAdvertisements: ${clash.ads.map((a) => a.origin).join(', ')} give its routes different LOCAL_PREFs`;
      else {
        for (const { ip, ads } of perIp) {
          for (const adv of ads) {
            const len = ip.includes(':') ? adv.aggregationLengthV6 : adv.aggregationLength;
            for (const peer of peers) {
              if ((adv.peers.length > 0 && !adv.peers.includes(peer.name)) || !carries(peer, ip)) continue;
              add(peer.name, hostPrefix(ip, len), key, lbPolicy, endpoints, adv);
              sent.add(peer.name);
            }
          }
        }
      }
      if (reason === undefined && !matched) reason = 'noMatchingAdvertisement: no advertisement selects its pool, this node and the Service';
      else if (reason === undefined && sent.size === 0) reason = 'noPeer: no BGP peer of this node is selected by its advertisements and carries its address family';
    }
    // externalTrafficPolicy only applies to NodePort and LoadBalancer Services
    const extPolicy: TrafficPolicy = svc.type === 'LoadBalancer' || svc.type === 'NodePort' ? lbPolicy : 'Cluster';
    if (node && !nodeProblem && config.externalIPs.enabled && svc.externalIPs.length > 0 && (extPolicy === 'Cluster' || endpoints > 0)) {
      for (const ip of svc.externalIPs) {
        let prefix: Prefix;
        try { prefix = hostPrefix(ip); } catch { continue; }
        for (const peer of peers) if (carries(peer, ip)) { add(peer.name, prefix, key, extPolicy, endpoints, config.externalIPs); sent.add(peer.name); }
      }
    }
    if (ours || sent.size > 0) services.set(key, sent.size > 0 ? { peers: [...sent].sort() } : { peers: [], reason: reason ?? 'not announced' });
  }

  const result = new Map<string, Announcement[]>();
  for (const [peer, byPrefix] of out) {
    const list = [...byPrefix.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([key, c]): Announcement => ({
      key, prefix: c.prefix,
      communities: [...c.communities].sort((a, b) => a - b),
      largeCommunities: [...c.large.values()].sort((a, b) => a.join(':').localeCompare(b.join(':'))),
      ...(c.localPref === undefined ? {} : { localPref: c.localPref }),
      ...(config.linkBandwidth.enabled && !c.cluster && c.endpoints > 0 ? { bandwidthMbps: c.endpoints * config.linkBandwidth.mbpsPerEndpoint } : {}),
      services: [...c.services].sort(),
    }));
    result.set(peer, list);
  }
  return { state: result, services };
}
