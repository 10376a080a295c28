/**
 * The measured traffic split: the kernel's counters per destination address and next hop (nft-table.ts)
 * folded onto the routes the router installed. Each destination counts for the most specific installed
 * prefix that holds it (a /32 Service IP, or the aggregate route it falls in), and each of that route's next
 * hops gets the packets and bytes forwarded through it since the router started; a next hop the route no
 * longer has keeps nothing in the view (its counts stay in the kernel until the next start).
 */
import { addressInPrefix, formatAddress, parseAddress, parsePrefix, type Prefix } from '../lib/address.js';
import type { KernelRouteView } from '../control/views.js';
import type { SplitCounter } from './nft-table.js';

/** `routes` with packets and bytes on each next hop (0 for one the counters have not seen). */
export function withMeasuredSplit(routes: readonly KernelRouteView[], counters: readonly SplitCounter[]): KernelRouteView[] {
  // host routes (the Service IPs) by address; the few shorter prefixes searched, most specific first
  const hosts = new Map<string, KernelRouteView>();
  const shorter: [Prefix, KernelRouteView][] = [];
  for (const r of routes) {
    const p = parsePrefix(r.prefix);
    if (p.len === p.addr.length * 8) hosts.set(formatAddress(p.addr), r); else shorter.push([p, r]);
  }
  shorter.sort((a, b) => b[0].len - a[0].len);
  const totals = new Map<KernelRouteView, Map<string, { packets: number; bytes: number }>>();
  for (const c of counters) {
    const addr = parseAddress(c.destination);
    const route = hosts.get(formatAddress(addr)) ?? shorter.find(([p]) => addressInPrefix(addr, p))?.[1];
    if (!route) continue;
    const perHop = totals.get(route) ?? new Map<string, { packets: number; bytes: number }>();
    totals.set(route, perHop);
    const t = perHop.get(c.nexthop) ?? { packets: 0, bytes: 0 };
    perHop.set(c.nexthop, { packets: t.packets + c.packets, bytes: t.bytes + c.bytes });
  }
  return routes.map((r) => {
    const perHop = totals.get(r);
    return { ...r, nexthops: r.nexthops.map((h) => ({ ...h, packets: perHop?.get(h.gateway)?.packets ?? 0, bytes: perHop?.get(h.gateway)?.bytes ?? 0 })) };
  });
}
