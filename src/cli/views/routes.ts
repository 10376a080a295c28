/** `vipgate show routes`: the kernel's view of our routes, like `ip route` with nexthop groups. */
import type { KernelRouteView } from '../../control/views.js';

export function renderRoutes(routes: readonly KernelRouteView[]): string {
  const lines: string[] = [];
  for (const r of routes) {
    const head = `${r.prefix}${r.nexthopGroup !== undefined ? ` nhid ${r.nexthopGroup}` : ''} proto ${r.protocol} metric ${r.metric}${r.table !== 254 ? ` table ${r.table}` : ''}`;
    const out = (r.healthOut ?? []).map((h) => `\tout: ${h.gateway} (service check: ${h.reason})`);
    if (r.nexthops.length === 1) {
      const n = r.nexthops[0]!;
      lines.push(`${head} via ${n.gateway}${n.dev ? ` dev ${n.dev}` : ''}`, ...out);
      continue;
    }
    lines.push(head);
    for (const n of r.nexthops) lines.push(`\tnexthop via ${n.gateway}${n.dev ? ` dev ${n.dev}` : ''} weight ${n.weight}`);
    lines.push(...out);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
