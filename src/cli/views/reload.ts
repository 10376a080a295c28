/** `vipgate reload`: what the reload changed, one line per kind of change (BIRD's `configure` says as much). */
import type { ReloadResult } from '../../control/views.js';

export function renderReload(r: ReloadResult): string {
  const lines: string[] = [];
  const list = (label: string, items: readonly string[]) => { if (items.length) lines.push(`${label}: ${items.join(', ')}`); };
  list('neighbors added', r.added);
  list('neighbors removed (Cease, peer de-configured)', r.removed);
  for (const c of r.reset) lines.push(`neighbor ${c.neighbor} reset (Cease, other configuration change): ${c.fields.join(', ')}`);
  for (const c of r.soft) lines.push(`neighbor ${c.neighbor} updated, session kept: ${c.fields.join(', ')}`);
  list('networks announced', r.networks.set);
  list('networks withdrawn', r.networks.removed);
  if (r.aggregates) lines.push('aggregates changed');
  if (r.decision) lines.push('best-path options changed: every prefix decided again');
  if (r.gracefulShutdown) lines.push('graceful shutdown (RFC 8326) changed: every advertised route re-sent');
  list('changed but applied only by a restart', r.pendingRestart);
  return `${lines.length ? `configuration reloaded\n${lines.map((l) => `  ${l}`).join('\n')}` : 'configuration reloaded: nothing changed'}\n`;
}
