/**
 * The agent's state as its MQTT telemetry reads it (src/telemetry/agent-publisher.ts): the `show agent`
 * summary with each session's BFD state and the IPVS state (and why when it is refused or failed), and per
 * Service of the snapshot its addresses, traffic policy, ready endpoints on this node and the peers this
 * node announces it to.
 */
import { formatPrefix } from '../lib/address.js';
import type { AgentServiceState, AgentStatusSource } from '../telemetry/agent-publisher.js';
import type { Agent } from './agent.js';
import type { IpvsSummary } from './ipvs/control.js';
import { serviceKey } from './model.js';
import { agentSummary } from './views.js';

export function agentStatusSource(agent: Agent, node: string, ipvs?: () => IpvsSummary): AgentStatusSource {
  return {
    summary: async () => agentSummary(agent, node, await agent.bfdViews(), ipvs?.()),
    services: () => serviceStates(agent, node),
  };
}

export function serviceStates(agent: Agent, node: string): AgentServiceState[] {
  const snapshot = agent.current;
  if (!snapshot) return [];
  const announced = new Map<string, { peers: Set<string>; prefixes: Set<string> }>();
  for (const [peer, list] of agent.announcer.desired()) {
    for (const a of list) {
      for (const svc of a.services) {
        let e = announced.get(svc);
        if (!e) announced.set(svc, e = { peers: new Set(), prefixes: new Set() });
        e.peers.add(peer);
        e.prefixes.add(formatPrefix(a.prefix));
      }
    }
  }
  const assigned = agent.assignments?.assignments;
  return snapshot.services.flatMap((s) => {
    const key = serviceKey(s);
    const ips = assigned?.get(key)?.ips ?? s.ingressIPs;
    const a = announced.get(key);
    if (ips.length === 0 && s.externalIPs.length === 0 && !a) return [];
    const localEndpoints = snapshot.slices
      .filter((sl) => sl.namespace === s.namespace && sl.service === s.name)
      .reduce((n, sl) => n + sl.endpoints.filter((e) => e.ready && e.nodeName === node).length, 0);
    return [{
      service: key, ips: [...ips, ...s.externalIPs], trafficPolicy: s.externalTrafficPolicy, localEndpoints,
      announcedTo: a ? [...a.peers].sort() : [],
    }];
  });
}
