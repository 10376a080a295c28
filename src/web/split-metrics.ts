/**
 * The measured traffic split on /metrics: packets and bytes the router forwarded to each installed route
 * through each of its next hops (the router's nft counters, since it started), beside the weight that was
 * intended, so that `rate(vipgate_nexthop_packets_total[5m])` over a prefix's next hops is the real split.
 */
import type { Registry } from 'prom-client';
import type { KernelRouteView, RouterStatusSource } from '../control/views.js';
import { sampled, type Sample } from '../metrics/registry.js';

type Labels = 'prefix' | 'gateway';

function perNexthop(routes: readonly KernelRouteView[], value: (h: KernelRouteView['nexthops'][number]) => number | undefined): Sample<Labels>[] {
  return routes.flatMap((r) => r.nexthops.flatMap((h): Sample<Labels>[] => {
    const v = value(h);
    return v === undefined ? [] : [[{ prefix: r.prefix, gateway: h.gateway }, v]];
  }));
}

export function splitMetrics(registry: Registry, source: RouterStatusSource): void {
  const labelNames: Labels[] = ['prefix', 'gateway'];
  sampled(registry, 'counter', {
    name: 'vipgate_nexthop_packets_total', help: 'Packets forwarded to a route through one of its next hops (nft counters, since the router started)', labelNames,
    read: async () => perNexthop(await source.routes(), (h) => h.packets),
  });
  sampled(registry, 'counter', {
    name: 'vipgate_nexthop_bytes_total', help: 'Bytes forwarded to a route through one of its next hops (nft counters, since the router started)', labelNames,
    read: async () => perNexthop(await source.routes(), (h) => h.bytes),
  });
  sampled(registry, 'gauge', {
    name: 'vipgate_nexthop_weight', help: 'The weight of a next hop in its route\'s group (the intended split)', labelNames,
    read: async () => perNexthop(await source.routes(), (h) => h.weight),
  });
}
