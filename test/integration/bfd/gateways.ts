/**
 * The gateways the kernel of a test namespace uses for one prefix (`ip -j route` / `ip -j nexthop`): through
 * a nexthop object or group, or from the route's own next hops. Sorted, for comparing.
 */
import type { Netlab } from '../../helpers/netns.js';

interface IpRoute { nhid?: number; gateway?: string; nexthops?: { gateway: string }[] }
interface IpNexthop { id: number; gateway?: string; group?: { id: number }[] }

export function kernelGateways(lab: Netlab, ns: string, prefix: string): string[] {
  const r = (JSON.parse(lab.exec(ns, 'ip', ['-j', 'route', 'show', prefix])) as IpRoute[])[0];
  if (!r) return [];
  if (r.nhid === undefined) return (r.nexthops?.map((n) => n.gateway) ?? (r.gateway ? [r.gateway] : [])).sort();
  const byId = new Map((JSON.parse(lab.exec(ns, 'ip', ['-j', 'nexthop', 'show'])) as IpNexthop[]).map((n) => [n.id, n]));
  const top = byId.get(r.nhid);
  return (top?.group ?? (top ? [{ id: top.id }] : [])).map((m) => byId.get(m.id)?.gateway ?? '?').sort();
}
