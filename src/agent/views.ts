/**
 * The agent's control socket views (JSON): `show agent` (node, sync and leader state, sessions with their
 * BFD session and why they last went down, what a stop would do, assignments) and `show agent routes`
 * (what is announced to each peer and why).
 */
import { formatAddress, formatPrefix, parseAddress } from '../lib/address.js';
import { vipgateVersion } from '../lib/version.js';
import type { BfdSessionView } from '../bfd/manager.js';
import type { Agent } from './agent.js';
import type { IpvsSummary } from './ipvs/control.js';

export interface AgentSummary {
  readonly node: string;
  /** vipgate's version (the router's Home Assistant device for this node shows it). */
  readonly version: string;
  readonly synced: boolean;
  readonly leader: boolean;
  /** What SIGTERM would do now (Agent.stopMode). */
  readonly stopMode: string;
  readonly peers: readonly AgentPeerView[];
  readonly assignments: Readonly<Record<string, readonly string[]>>;
  readonly failures: Readonly<Record<string, string>>;
  /** The IPVS data plane's state and, when refused or failed, why (`show agent ipvs` has the rest). */
  readonly ipvs?: IpvsSummary;
}

export interface AgentPeerView {
  readonly name: string;
  readonly address: string;
  readonly state: string;
  readonly announced: number;
  /** Why the session last went down ("BFD down: ...", "received NOTIFICATION: ..."). */
  readonly lastError?: string;
  /** The router sent the graceful restart capability on this session (it keeps our routes across a restart). */
  readonly gracefulRestart: boolean;
  /** The BFD session with this router (RFC 5880), when the peer has `bfd`. */
  readonly bfd?: { readonly state: string; readonly remoteState: string; readonly diagnostic: string; readonly detectionTimeMs: number; readonly transitions: number };
}

export interface AgentRouteView {
  readonly peer: string;
  readonly prefix: string;
  readonly communities: readonly number[];
  readonly largeCommunities: readonly (readonly number[])[];
  readonly localPref?: number;
  readonly bandwidthMbps?: number;
  readonly services: readonly string[];
}

export function agentSummary(agent: Agent, node: string, bfd: readonly BfdSessionView[] = [], ipvs?: IpvsSummary): AgentSummary {
  const desired = agent.announcer.desired();
  const bfdOf = new Map(bfd.map((b) => [b.peer, b]));
  return {
    node, version: vipgateVersion(), synced: agent.synced, leader: agent.isLeader, stopMode: agent.stopMode(),
    peers: agent.announcer.peers().map((p) => {
      const b = bfdOf.get(formatAddress(parseAddress(p.options.address)));
      return {
        name: p.name, address: p.options.address, state: p.state, announced: desired.get(p.name)?.length ?? 0,
        ...(p.stats.lastError === undefined ? {} : { lastError: p.stats.lastError }),
        gracefulRestart: p.negotiated?.peerGracefulRestart !== undefined,
        ...(b ? { bfd: { state: b.state, remoteState: b.remoteState, diagnostic: b.diagnostic, detectionTimeMs: b.detectionTimeMs, transitions: b.transitions } } : {}),
      };
    }),
    assignments: Object.fromEntries([...(agent.assignments?.assignments ?? [])].map(([k, a]) => [k, a.ips])),
    failures: Object.fromEntries(agent.assignments?.failures ?? []),
    ...(ipvs ? { ipvs } : {}),
  };
}

export function agentRoutes(agent: Agent): AgentRouteView[] {
  return [...agent.announcer.desired()].flatMap(([peer, list]) => list.map((a) => ({
    peer, prefix: formatPrefix(a.prefix), communities: a.communities, largeCommunities: a.largeCommunities,
    ...(a.localPref === undefined ? {} : { localPref: a.localPref }),
    ...(a.bandwidthMbps === undefined ? {} : { bandwidthMbps: a.bandwidthMbps }),
    services: a.services,
  })));
}
