/** `vipgate show agent [routes|ipvs]`: a node agent's state, what it announces and what IPVS does with it. */
import type { AgentIpvsView } from '../../agent/ipvs/control.js';
import type { AgentRouteView, AgentSummary } from '../../agent/views.js';
import { formatCommunity, formatLargeCommunity } from '../../config/community-text.js';
import { pad } from './table.js';

export function renderAgentSummary(s: AgentSummary): string {
  const lines = [
    `node ${s.node}: ${s.synced ? 'synced' : 'waiting for the first full sync'}${s.leader ? ', address assignment leader' : ''}; on SIGTERM: ${s.stopMode}`,
    '',
    `${pad('Peer', 16)}${pad('Address', 18)}${pad('State', 13)}${pad('Announced', 10, true)} ${pad('BFD', 10)}${pad('GR', 4)}Last error`,
    ...s.peers.map((p) => `${pad(p.name, 16)}${pad(p.address, 18)}${pad(p.state, 13)}${pad(p.announced, 10, true)} ${pad(p.bfd ? p.bfd.state : '-', 10)}${pad(p.gracefulRestart ? 'yes' : 'no', 4)}${p.lastError ?? ''}`),
    '',
    'Assignments:',
    ...Object.entries(s.assignments).map(([svc, ips]) => `  ${svc}: ${ips.join(', ')}`),
    ...Object.entries(s.failures).map(([svc, why]) => `  ${svc}: not assigned: ${why}`),
    ...(s.ipvs ? ['', `IPVS: ${s.ipvs.state}${s.ipvs.reason ? `: ${s.ipvs.reason}` : ''}`] : []),
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

export type { AgentIpvsView } from '../../agent/ipvs/control.js';

/** Like `ipvsadm -Ln --stats`: each virtual service and its real servers with weights, connections and rates. */
export function renderAgentIpvs(v: AgentIpvsView): string {
  if (!v.enabled) return 'IPVS programming is off (ipvs.enabled in the agent config); kube-proxy programs this node\n';
  const lines = [
    `IPVS ${v.state}${v.reason ? `: ${v.reason}` : ''}`,
    `interface ${v.interface}: ${v.services.length} virtual services (${v.desired} wanted), ${v.reconciles} reconciles${v.failure ? `, last failed: ${v.failure}` : ''}`,
    ...(v.note ? [`note: ${v.note}`] : []),
    '',
    `${pad('Virtual service / real server', 34)}${pad('Weight', 8, true)} ${pad('Active', 8, true)} ${pad('Inactive', 9, true)} ${pad('Conns', 8, true)} ${pad('CPS', 6, true)}`,
  ];
  for (const s of v.services) {
    lines.push(`${s.service} ${s.scheduler}`);
    for (const d of s.destinations) {
      lines.push(`  -> ${pad(`${d.address.includes(':') ? `[${d.address}]` : d.address}:${d.port}`, 29)}${pad(d.weight, 8, true)} ${pad(d.activeConns, 8, true)} ${pad(d.inactiveConns, 9, true)} ${pad(d.conns, 8, true)} ${pad(d.cps, 6, true)}`);
    }
  }
  for (const e of v.errors) lines.push(`error: ${e.service}: ${e.error}`);
  for (const p of v.problems) lines.push(`problem: ${p}`);
  return `${lines.join('\n')}\n`;
}
