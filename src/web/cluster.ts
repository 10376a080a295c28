/**
 * The Cluster view: what each node's agent reports over MQTT (control/cluster.ts), joined with this
 * router's own view. A node is matched to one of the router's BGP sessions by name (the session's
 * hostname capability, its first label, or the neighbor's description equals the node name); the agents'
 * peers that are this router are those whose address is one of the router's own. Then for each of a
 * node's Service addresses (and the router's BFD state with the node beside the agent's): does the router's kernel route for it (the /32 or /128) have the node's
 * address as a next hop, and does that agree with the node saying it announces it to this router?
 */
import {
  DISAGREEMENTS, type AddressCheck, type Agreement, type AgentNodeReport, type AgentServiceReport, type ClusterModel, type ClusterNode,
  type ClusterSource,
} from '../control/cluster.js';
import type { PeerSummary, RouterStatusSource } from '../control/views.js';
import { formatAddress, parseAddress } from '../lib/address.js';

export interface ClusterOptions {
  readonly source: ClusterSource;
  /** This router's addresses (how the agents name it among their peers). */
  readonly ownAddresses: readonly string[];
}

/** Canonical address text, or undefined when it is not an address. */
function canonical(text: string): string | undefined {
  try {
    return formatAddress(parseAddress(text));
  } catch {
    return undefined;
  }
}

function sessionOf(node: string, peers: readonly PeerSummary[]): PeerSummary | undefined {
  const want = node.toLowerCase();
  return peers.find((p) => {
    const host = p.hostname?.toLowerCase();
    return host === want || host?.split('.')[0] === want || p.description?.toLowerCase() === want;
  });
}

function hostRoute(address: string): string {
  return `${address}/${address.includes(':') ? 128 : 32}`;
}

interface RouterView {
  readonly source: RouterStatusSource;
  /** Kernel next hops by prefix. */
  readonly nexthops: ReadonlyMap<string, readonly string[]>;
  readonly own: ReadonlySet<string>;
  /** This router's BFD session states by peer address. */
  readonly bfd: ReadonlyMap<string, string>;
}

function checkAddress(ip: string, announced: boolean, nodeAddress: string | undefined, r: RouterView): AddressCheck {
  const address = canonical(ip);
  if (address === undefined) return { ip, nexthops: [], agreement: 'invalid' };
  const prefix = hostRoute(address);
  const nexthops = r.nexthops.get(prefix) ?? [];
  const check = (agreement: Agreement): AddressCheck => ({ ip, nexthops, agreement });
  if (nodeAddress === undefined) return check('unmatched');
  const installed = nexthops.includes(nodeAddress);
  if (announced) {
    if (installed) return check('ok');
    const hasPath = r.source.table(prefix).paths.some((p) => p.peer === nodeAddress || p.nextHop === nodeAddress);
    return check(hasPath ? 'not-installed' : 'no-path');
  }
  return check(installed ? 'stale' : 'not-announced');
}

function clusterNode(n: AgentNodeReport, session: PeerSummary | undefined, r: RouterView): ClusterNode {
  const bfd = session && r.bfd.get(canonical(session.address) ?? session.address);
  const peers = (n.agent?.peers ?? []).map((p) => ({ ...p, thisRouter: r.own.has(canonical(p.address) ?? p.address) }));
  const ours = new Set(peers.filter((p) => p.thisRouter).map((p) => p.name));
  // an agent none of whose peers is recognised as this router (NAT, a name instead of an address): any
  // announcement counts as one to this router
  const toUs = (s: AgentServiceReport) => (ours.size ? s.announcedTo.some((name) => ours.has(name)) : s.announcedTo.length > 0);
  const services = n.services.map((s) => ({ ...s, addresses: s.ips.map((ip) => checkAddress(ip, toUs(s), session?.address, r)) }));
  const disagreements = services.reduce((sum, s) => sum + s.addresses.filter((a) => DISAGREEMENTS.has(a.agreement)).length, 0);
  return {
    node: n.node, lastHeard: n.lastHeard,
    ...(n.status !== undefined ? { status: n.status } : {}),
    ...(n.agent ? { agent: { ...n.agent, peers } } : {}),
    ...(session ? { session: { name: session.name, address: session.address, state: session.state, ...(bfd ? { bfd } : {}) } } : {}),
    services, disagreements,
  };
}

export async function clusterModel(o: ClusterOptions, source: RouterStatusSource): Promise<ClusterModel> {
  const report = o.source.report();
  const { peers } = source.summary();
  const [routes, bfd] = await Promise.all([source.routes(), source.bfd()]);
  const r: RouterView = {
    source,
    bfd: new Map(bfd.sessions.map((b) => [canonical(b.peer) ?? b.peer, b.state])),
    nexthops: new Map(routes.map((x) => [x.prefix, x.nexthops.map((h) => h.gateway)])),
    own: new Set(o.ownAddresses.flatMap((a) => canonical(a) ?? [])),
  };
  const matched = new Set<string>();
  const nodes = report.nodes.map((n) => {
    const session = sessionOf(n.node, peers);
    if (session) matched.add(session.name);
    return clusterNode(n, session, r);
  });
  return {
    connected: report.connected, nodes,
    unmatchedSessions: peers.filter((p) => !matched.has(p.name)).map((p) => ({ name: p.hostname ?? p.name, address: p.address, state: p.state })),
    disagreements: nodes.reduce((s, n) => s + n.disagreements, 0),
    ignored: report.ignored,
  };
}
