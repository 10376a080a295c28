/**
 * The next hops and weights the kernel of a namespace uses for one prefix, read with `ip -j route` and,
 * for routes on nexthop objects, `ip -j nexthop` (groups resolved to their members' gateways).
 */
import { runCli } from '../../helpers/daemons/process.js';

export interface KernelHop { readonly via: string; readonly weight: number }

interface IpRoute { dst: string; gateway?: string; nhid?: number; nexthops?: { gateway?: string; weight?: number }[] }
interface IpNexthop { id: number; gateway?: string; group?: { id: number; weight?: number }[] }

async function json<T>(ns: string, args: string[]): Promise<T> {
  return JSON.parse((await runCli('ip', ['-j', ...args], ns)) || '[]') as T;
}

/** "via*weight" strings sorted, e.g. ["192.168.10.10*191", "192.168.10.101*64"]; [] when there is no route. */
export async function kernelHops(ns: string, prefix: string): Promise<string[]> {
  const v6 = prefix.includes(':');
  const routes = await json<IpRoute[]>(ns, [...(v6 ? ['-6'] : []), 'route', 'show', prefix]);
  const r = routes[0];
  if (!r) return [];
  let hops: KernelHop[];
  if (r.nhid !== undefined) {
    const [nh] = await json<IpNexthop[]>(ns, ['nexthop', 'show', 'id', String(r.nhid)]);
    const members = nh?.group ?? [{ id: r.nhid, weight: 1 }];
    hops = [];
    for (const m of members) {
      const [one] = await json<IpNexthop[]>(ns, ['nexthop', 'show', 'id', String(m.id)]);
      hops.push({ via: one?.gateway ?? '?', weight: m.weight ?? 1 });
    }
  } else if (r.nexthops) {
    hops = r.nexthops.map((h) => ({ via: h.gateway ?? '?', weight: h.weight ?? 1 }));
  } else {
    hops = [{ via: r.gateway ?? '?', weight: 1 }];
  }
  return hops.map((h) => `${h.via}*${h.weight}`).sort();
}
