/** `vipgate show bfd`: BFD sessions and next-hop probes, like FRR's `show bfd peers brief`; service checks per next hop. */
import type { BfdView, ServicePathView } from '../../control/views.js';
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
  if (v.services.length) lines.push('', ...servicePathLines(v.services));
  return `${lines.join('\n')}\n`;
}

function servicePathLines(paths: readonly ServicePathView[]): string[] {
  return [
    `${pad('Service IP', 20)}${pad('Next hop', 18)}${pad('State', 8)}${pad('Failed', 7, true)} ${pad('Checks', 7, true)} Last error`,
    ...paths.map((s) => `${pad(s.prefix, 20)}${pad(s.nexthop, 18)}${pad(s.up ? 'up' : 'out', 8)}${pad(s.failed, 7, true)} ${pad(s.checks, 7, true)} ${s.lastError ?? ''}`.trimEnd()),
  ];
}

/** `vipgate show health`: the service checks per route and next hop (serviceHealth). */
export function renderHealth(paths: readonly ServicePathView[]): string {
  return paths.length ? `${servicePathLines(paths).join('\n')}\n` : 'no service checks (serviceHealth in the configuration)\n';
}
