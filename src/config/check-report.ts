/**
 * What `vipgate router --check` and `vipgate agent --check` print for a valid configuration: the warnings,
 * then one row per neighbor (router) or peer (agent) saying which session features it runs, as resolved
 * (a group's settings merged in, a block turning its feature on: features.ts), so that a block that does
 * nothing can be seen before the router starts.
 */
import type { ConfigIssue } from './error.js';
import type { NeighborConfig, RouterConfig } from './resolve.js';
import { configWarnings } from './warnings.js';

/** Text columns padded to the widest cell. */
export function columns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 2))).join('').trimEnd()).join('\n');
}

/** The BFD column: "100/100 ms x3" (receive/transmit, multiplier), "+ sha1" when keyed, or "off". */
export function bfdCell(b: { readonly minRx: number; readonly minTx: number; readonly multiplier: number; readonly auth?: unknown } | undefined): string {
  return b ? `${b.minRx}/${b.minTx} ms x${b.multiplier}${b.auth ? ' sha1' : ''}` : 'off';
}

export function warningLines(issues: readonly ConfigIssue[]): string {
  return issues.map((w) => `warning: ${w.path}: ${w.message}\n`).join('');
}

function otherFeatures(n: NeighborConfig): string {
  const out = [
    n.password ? 'md5' : '', n.ttlSecurity !== undefined ? `gtsm ${n.ttlSecurity}` : '', !n.ibgp && n.ebgpMultihop > 1 ? `multihop ${n.ebgpMultihop}` : '',
    n.addPath !== 'off' ? `add-path ${n.addPath}` : '', n.drain ? 'drain' : '', n.shutdown ? 'shutdown' : '', n.passive && n.range === undefined ? 'passive' : '',
  ].filter(Boolean);
  return out.length ? out.join(', ') : '-';
}

/** The router's report: warnings and a row per neighbor. */
export function routerCheckReport(cfg: RouterConfig): string {
  const rows = [['Neighbor', 'Group', 'AS', 'BFD (rx/tx)', 'Probe', 'Graceful restart', 'Other'], ...cfg.neighbors.map((n) => [
    n.range === undefined ? n.id : `${n.id} (dynamic)`, n.group ?? '-', `${n.remoteAs}${n.ibgp ? ' iBGP' : ''}`,
    n.bfd.enabled ? bfdCell(n.bfd) : 'off',
    n.probe.enabled ? `${n.probe.intervalMs} ms, ${n.probe.misses} misses` : 'off',
    n.gracefulRestart.enabled ? `helper, ${n.gracefulRestart.restartTime} s` : 'off',
    otherFeatures(n),
  ])];
  return `${warningLines(configWarnings(cfg))}${cfg.neighbors.length ? `${columns(rows)}\n` : ''}`;
}
