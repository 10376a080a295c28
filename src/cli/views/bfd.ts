/** `vipgate show bfd`: BFD sessions and next-hop probes, like FRR's `show bfd peers brief`; service checks per next hop. */
import type { BfdView } from '../../control/views.js';
import { pad } from './table.js';

export function renderBfd(v: BfdView): string {
  const lines = [
    `${pad('Peer', 18)}${pad('State', 10)}${pad('Remote', 10)}${pad('Tx ms', 7, true)} ${pad('Detect ms', 10, true)} ${pad('Flaps', 6, true)} Diagnostic`,
    ...v.sessions.map((s) => `${pad(s.peer, 18)}${pad(s.state, 10)}${pad(s.remoteState, 10)}${pad(s.txIntervalMs, 7, true)} ${pad(s.detectionTimeMs, 10, true)} ${pad(s.transitions, 6, true)} ${s.diagnostic}`),
  ];
  if (v.probes.length) {
    lines.push('', `${pad('Probed next hop', 18)}${pad('State', 10)}${pad('Missed', 7, true)} Answered`);
    for (const p of v.probes) lines.push(`${pad(p.address, 18)}${pad(p.up ? 'up' : 'down', 10)}${pad(p.missed, 7, true)} ${p.answered}`);
  }
  if (v.services.length) {
    lines.push('', `${pad('Service IP', 20)}${pad('Next hop', 18)}${pad('State', 8)}${pad('Failed', 7, true)} ${pad('Checks', 7, true)} Last error`);
    for (const s of v.services) lines.push(`${pad(s.prefix, 20)}${pad(s.nexthop, 18)}${pad(s.up ? 'up' : 'out', 8)}${pad(s.failed, 7, true)} ${pad(s.checks, 7, true)} ${s.lastError ?? ''}`);
  }
  return `${lines.join('\n')}\n`;
}
