/**
 * The pure heart of the agent: snapshot + config + assigned IPs + this node → what this node announces to
 * each peer. Rules:
 * - nothing from a node that is missing, not Ready, or labelled
 *   node.kubernetes.io/exclude-from-external-load-balancers;
 * - externalTrafficPolicy Cluster: every Service IP from every such node; Local: only from nodes with at
 *   least one ready endpoint of the Service (EndpointSlices, discovery.k8s.io/v1), so traffic never
 *   lands on a node that would drop it;
 * - each IP goes out as the advertisements that select its pool and this node say: the IP masked to
 *   aggregationLength (/32 and /128 by default), their communities, large communities and local
 *   preference, to the peers they name (all peers when none) among the peers whose node selectors match
 *   this node;
 * - spec.externalIPs likewise when enabled, as /32 and /128 with the externalIPs attributes;
 * - link bandwidth (draft-ietf-idr-link-bandwidth) on routes made only of Local Services: ready local
 *   endpoints x mbpsPerEndpoint Mbit/s, so the router's weighted ECMP sends traffic in proportion to
 *   where the pods are (3 pods here and 1 there: weights 3:1). Routes of Cluster Services carry none,
 *   and the router weighs them equally.
 */
import { formatPrefix, maskBytes, parseAddress, type Prefix } from '../../lib/address.js';
import type { LargeCommunity } from '../../wire/bgp/types.js';
import type { AgentConfig, PeerConfig } from '../config/model.js';
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

/** Ready endpoints of each Service on `node` ("namespace/name" → count). */
export function localEndpoints(snapshot: Snapshot, node: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const slice of snapshot.slices) {
    const n = slice.endpoints.filter((e) => e.ready && e.nodeName === node).length;
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
  const { snapshot, config } = input;
  const node = snapshot.nodes.find((n) => n.name === input.node);
  const out = new Map<string, Map<string, Contribution>>();
  if (!nodeEligible(node)) return new Map();
  const peers = peersForNode(config, node);
  const local = localEndpoints(snapshot, input.node);

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

  for (const svc of snapshot.services) {
    const key = serviceKey(svc);
    const endpoints = local.get(key) ?? 0;
    const lbPolicy = svc.externalTrafficPolicy;
    if (svc.type === 'LoadBalancer' && svc.loadBalancerClass === config.loadBalancerClass && (lbPolicy === 'Cluster' || endpoints > 0)) {
      for (const ip of input.ipsOf(svc)) {
        const pool = config.pools.find((p) => poolHolds(p, ipValue(ip)));
        if (!pool) continue;
        for (const adv of config.advertisements) {
          if (adv.pools && !adv.pools.includes(pool.name)) continue;
          if (!anySelectorMatches(adv.nodeSelectors, node.labels)) continue;
          const len = ip.includes(':') ? adv.aggregationLengthV6 : adv.aggregationLength;
          for (const peer of peers) {
            if (adv.peers.length > 0 && !adv.peers.includes(peer.name)) continue;
            add(peer.name, hostPrefix(ip, len), key, lbPolicy, endpoints, adv);
          }
        }
      }
    }
    // externalTrafficPolicy only applies to NodePort and LoadBalancer Services
    const extPolicy: TrafficPolicy = svc.type === 'LoadBalancer' || svc.type === 'NodePort' ? lbPolicy : 'Cluster';
    if (config.externalIPs.enabled && (extPolicy === 'Cluster' || endpoints > 0)) {
      for (const ip of svc.externalIPs) {
        let prefix: Prefix;
        try { prefix = hostPrefix(ip); } catch { continue; }
        for (const peer of peers) add(peer.name, prefix, key, extPolicy, endpoints, config.externalIPs);
      }
    }
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
  return result;
}
