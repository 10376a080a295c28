/** `vipgate show health`: the Service health checks per route and next hop (healthChecks in the config). */
import type { HealthView } from '../../control/health.js';
import { pad } from './table.js';

export function renderHealth(v: readonly HealthView[]): string {
  if (v.length === 0) return 'no health checks (healthChecks in the configuration)\n';
  const lines = [`${pad('Route', 22)}${pad('Next hop', 18)}${pad('Port', 6, true)} ${pad('State', 6)}${pad('Failed', 7, true)} Last error`];
  for (const h of v) lines.push(`${pad(h.prefix, 22)}${pad(h.nexthop, 18)}${pad(h.port, 6, true)} ${pad(h.up ? 'up' : 'down', 6)}${pad(h.failedInRow, 7, true)} ${h.lastError ?? ''}`.trimEnd());
  return `${lines.join('\n')}\n`;
}
