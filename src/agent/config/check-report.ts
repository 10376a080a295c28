/**
 * What `vipgate agent --check` (src/agent/check.ts) prints for a valid configuration after its errors and
 * warnings: one row per peer with the session features it runs, and the node-wide ones (graceful restart,
 * graceful shutdown, IPVS, telemetry, metrics).
 */
import { bfdCell, columns } from '../../config/check-report.js';
import type { AgentConfig } from './model.js';

export function agentCheckReport(c: AgentConfig): string {
  const rows = [['Peer', 'Address', 'AS', 'BFD (rx/tx)', 'Other'], ...c.peers.map((p) => [
    p.name, p.address, `${p.peerAsn}${p.peerAsn === p.myAsn ? ' iBGP' : ''}`, bfdCell(p.bfd),
    [p.password ? 'md5' : '', p.ebgpMultihop ? `multihop ${p.ebgpMultihop}` : '', p.nodeSelectors.length ? 'node selectors' : ''].filter(Boolean).join(', ') || '-',
  ])];
  const node = [
    `graceful restart: ${c.gracefulRestart.enabled ? `on, ${c.gracefulRestart.restartTime} s` : 'off'}`,
    `graceful shutdown: drain ${c.gracefulShutdown.drainSeconds} s, stop: ${c.shutdown}`,
    `ipvs: ${c.ipvs?.enabled ? `on (${c.ipvs.interface})` : 'off'}`,
    `telemetry: ${c.telemetry ? c.telemetry.url : 'off'}`,
    `metrics: ${c.metrics ? `http://${c.metrics.address}:${c.metrics.port}/metrics` : 'off'}`,
  ];
  return `${columns(rows)}\n${node.join('\n')}\n`;
}
