/**
 * `vipgate show cluster`: each node as its agent reports it over MQTT, joined with the router's own view:
 * the agent's state, the router's session with it, and per Service address whether the router's kernel
 * route agrees with what the node says it announces (control/cluster.ts Agreement).
 */
import type { ClusterModel } from '../../control/cluster.js';
import { pad } from './table.js';

export function renderCluster(m: ClusterModel): string {
  const lines = [
    `${m.nodes.length} nodes reporting${m.connected ? '' : ' (broker unreachable: last state heard)'}, ${m.disagreements} disagreements`,
  ];
  for (const n of m.nodes) {
    const session = n.session ? `session ${n.session.address} ${n.session.state}${n.session.bfd ? `, BFD ${n.session.bfd}` : ''}` : 'no router session matched';
    lines.push('', `node ${n.node}: agent ${n.status ?? 'not heard'}${n.agent ? `${n.agent.synced ? ', synced' : ', not synced'}, on SIGTERM ${n.agent.stopMode}` : ''}; ${session}`);
    for (const p of n.agent?.peers ?? []) {
      lines.push(`  peer ${pad(p.name, 16)}${pad(p.address, 18)}${p.state}${p.bfd ? `, BFD ${p.bfd}${p.bfd !== 'Up' && p.bfdDiagnostic && p.bfdDiagnostic !== 'None' ? ` (${p.bfdDiagnostic})` : ''}` : ''}`);
    }
    lines.push(`  ${pad('Service', 28)}${pad('Policy', 9)}${pad('Local', 6, true)}  ${pad('Address', 18)}${pad('Router', 15)}Next hops`);
    for (const s of n.services) {
      for (const a of s.addresses) {
        lines.push(`  ${pad(s.service, 28)}${pad(s.trafficPolicy, 9)}${pad(s.localEndpoints, 6, true)}  ${pad(a.ip, 18)}${pad(a.agreement, 15)}${a.nexthops.join(', ')}`);
      }
    }
  }
  if (m.unmatchedSessions.length) {
    lines.push('', 'Router sessions no agent reports for:');
    for (const s of m.unmatchedSessions) lines.push(`  ${pad(s.name, 18)}${pad(s.address, 18)}${s.state}`);
  }
  const ignored = m.ignored.malformed + m.ignored.oversized + m.ignored.overLimit;
  if (ignored) lines.push('', `ignored messages: ${m.ignored.malformed} malformed, ${m.ignored.oversized} oversized, ${m.ignored.overLimit} past the limits`);
  return `${lines.join('\n')}\n`;
}
