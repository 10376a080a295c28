/** `vipgate show agent [routes]`: a node agent's state and what it announces, over the agent's socket. */
import type { AgentRouteView, AgentSummary } from '../../agent/views.js';
import { formatCommunity, formatLargeCommunity } from '../../config/values.js';
import { pad } from './table.js';

export function renderAgentSummary(s: AgentSummary): string {
  const lines = [
    `node ${s.node}: ${s.synced ? 'synced' : 'waiting for the first full sync'}${s.leader ? ', address assignment leader' : ''}`,
    '',
    `${pad('Peer', 16)}${pad('Address', 18)}${pad('State', 13)}Announced`,
    ...s.peers.map((p) => `${pad(p.name, 16)}${pad(p.address, 18)}${pad(p.state, 13)}${p.announced}`),
    '',
    'Assignments:',
    ...Object.entries(s.assignments).map(([svc, ips]) => `  ${svc}: ${ips.join(', ')}`),
    ...Object.entries(s.failures).map(([svc, why]) => `  ${svc}: not assigned: ${why}`),
  ];
  return `${lines.join('\n')}\n`;
}

export function renderAgentRoutes(routes: readonly AgentRouteView[]): string {
  const lines = [`${pad('Peer', 12)}${pad('Prefix', 22)}${pad('Bandwidth', 11)}Services / communities`];
  for (const r of routes) {
    const attrs = [...r.communities.map(formatCommunity), ...r.largeCommunities.map((c) => formatLargeCommunity(c as [number, number, number]))];
    lines.push(`${pad(r.peer, 12)}${pad(r.prefix, 22)}${pad(r.bandwidthMbps === undefined ? '-' : `${r.bandwidthMbps}M`, 11)}${r.services.join(',')}${attrs.length ? ` [${attrs.join(' ')}]` : ''}${r.localPref === undefined ? '' : ` localpref ${r.localPref}`}`);
  }
  return `${lines.join('\n')}\n`;
}
