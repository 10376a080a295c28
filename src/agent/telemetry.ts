/**
 * The agent's state as its MQTT telemetry reads it (src/telemetry/agent-publisher.ts): the `show agent`
 * summary with each session's BFD state and the IPVS state (and why when it is refused or failed), and per
 * Service of the snapshot its addresses, traffic policy, ready endpoints on this node and the peers this
 * node announces it to.
 */
import type { AgentServiceState, AgentStatusSource } from '../telemetry/agent-publisher.js';
import type { Agent } from './agent.js';
import type { IpvsSummary } from './ipvs/control.js';
import { serviceReports } from './state.js';
import { agentSummary } from './views.js';

export function agentStatusSource(agent: Agent, node: string, ipvs?: () => IpvsSummary): AgentStatusSource {
  return {
    summary: async () => agentSummary(agent, node, await agent.bfdViews(), ipvs?.()),
    services: () => serviceStates(agent, node),
  };
}

export function serviceStates(agent: Agent, node: string): AgentServiceState[] {
  return serviceReports(agent, node).flatMap((r) => {
    const s = r.service;
    if (r.ips.length === 0 && s.externalIPs.length === 0 && r.peers.length === 0) return [];
    return [{
      service: r.key, ips: [...r.ips, ...s.externalIPs], trafficPolicy: s.externalTrafficPolicy, localEndpoints: r.localEndpoints,
      announcedTo: [...r.peers],
    }];
  });
}
