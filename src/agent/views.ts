/**
 * The agent's control socket views (JSON): `show agent` (node, sync and leader state, sessions,
 * assignments) and `show agent routes` (what is announced to each peer and why).
 */
import { formatPrefix } from '../lib/address.js';
import type { ControlServer } from '../control/server.js';
import type { Agent } from './agent.js';

export interface AgentSummary {
  readonly node: string;
  readonly synced: boolean;
  readonly leader: boolean;
  readonly peers: readonly { name: string; address: string; state: string; announced: number }[];
  readonly assignments: Readonly<Record<string, readonly string[]>>;
  readonly failures: Readonly<Record<string, string>>;
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

export function agentSummary(agent: Agent, node: string): AgentSummary {
  const desired = agent.announcer.desired();
  return {
    node, synced: agent.synced, leader: agent.isLeader,
    peers: agent.announcer.peers().map((p) => ({ name: p.name, address: p.options.address, state: p.state, announced: desired.get(p.name)?.length ?? 0 })),
    assignments: Object.fromEntries([...(agent.assignments?.assignments ?? [])].map(([k, a]) => [k, a.ips])),
    failures: Object.fromEntries(agent.assignments?.failures ?? []),
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

export function registerAgentViews(control: ControlServer, agent: Agent, node: string): void {
  control.handle('show agent', () => agentSummary(agent, node));
  control.handle('show agent routes', () => agentRoutes(agent));
}
