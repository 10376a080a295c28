/**
 * `vipgate show routes`: the kernel's view of our routes, like `ip route` with nexthop groups; where the
 * router measures the split (its nft counters), each next hop also shows its intended share (its weight
 * over the route's) beside the measured one (its packets over the route's since the router started); next hops
 * that service checks took out of the route are named.
 */
import type { KernelRouteView } from '../../control/views.js';

const percent = (part: number, whole: number): string => `${Math.round((100 * part) / whole)}%`;

/** "  share 33%, measured 31% of 1234 packets", or nothing when the route is not measured. */
function split(r: KernelRouteView, n: KernelRouteView['nexthops'][number]): string {
  if (n.packets === undefined) return '';
  const weights = r.nexthops.reduce((t, h) => t + h.weight, 0);
  const packets = r.nexthops.reduce((t, h) => t + (h.packets ?? 0), 0);
  return `  share ${percent(n.weight, weights)}, measured ${packets > 0 ? percent(n.packets, packets) : '-'} of ${packets} packets`;
}

export function renderRoutes(routes: readonly KernelRouteView[]): string {
  const lines: string[] = [];
  for (const r of routes) {
    const head = `${r.prefix}${r.nexthopGroup !== undefined ? ` nhid ${r.nexthopGroup}` : ''} proto ${r.protocol} metric ${r.metric}${r.table !== 254 ? ` table ${r.table}` : ''}`;
    const out = (r.healthOut ?? []).map((h) => `\tout: ${h.gateway} (service check: ${h.reason})`);
    if (r.nexthops.length === 1) {
      const n = r.nexthops[0]!;
      lines.push(`${head} via ${n.gateway}${n.dev ? ` dev ${n.dev}` : ''}${n.packets !== undefined ? `  measured ${n.packets} packets` : ''}`, ...out);
      continue;
    }
    lines.push(head);
    for (const n of r.nexthops) lines.push(`\tnexthop via ${n.gateway}${n.dev ? ` dev ${n.dev}` : ''} weight ${n.weight}${split(r, n)}`);
    lines.push(...out);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
