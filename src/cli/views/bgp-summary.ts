/** `vipgate show bgp summary`: the text of FRR's `show bgp ipv4 unicast summary`. */
import type { BgpSummary } from '../../control/views.js';
import { pad, upDown } from './table.js';

export function renderBgpSummary(s: BgpSummary): string {
  const lines = [
    `BGP router identifier ${s.routerId}, local AS number ${s.localAs} vrf-id 0`,
    `RIB entries ${s.ribEntries}`,
    `Peers ${s.peers.length}`,
    '',
    `${pad('Neighbor', 16)}V ${pad('AS', 10, true)} ${pad('MsgRcvd', 9, true)} ${pad('MsgSent', 9, true)} ${pad('OutQ', 5, true)} ${pad('Up/Down', 9, true)} ${pad('State/PfxRcd', 12, true)} ${pad('PfxSnt', 8, true)} Desc`,
  ];
  for (const p of s.peers) {
    const state = p.state === 'Established' ? String(p.prefixesAccepted) : p.state;
    const name = p.dynamic ? `*${p.address}` : p.address;
    lines.push(`${pad(name, 16)}4 ${pad(p.remoteAs, 10, true)} ${pad(p.messagesReceived, 9, true)} ${pad(p.messagesSent, 9, true)} ${pad(p.outQueue, 5, true)} ${pad(upDown(p.upDownSeconds), 9, true)} ${pad(state, 12, true)} ${pad(p.prefixesSent, 8, true)} ${p.description ?? 'N/A'}`);
  }
  lines.push('', `Total number of neighbors ${s.peers.length}`);
  if (s.peers.some((p) => p.dynamic)) lines.push('* - dynamic neighbor');
  return `${lines.join('\n')}\n`;
}
