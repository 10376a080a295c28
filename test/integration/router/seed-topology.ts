/**
 * The seed's lab in namespaces made by the test: a router (k8s-rtr) at 192.168.10.254 on the node segment
 * and 192.168.20.254 towards a client (k8s-pc) at 192.168.20.1; nodes at .10, .101, .102, each with its
 * Service IPs on `lo` (there is no dummy interface here) and a tiny HTTP server answering with its name and
 * the client address it saw.
 */
import { Netlab } from '../../helpers/netns.js';

export const ROUTER = '192.168.10.254';
export const NODES = [
  { name: 'n1', address: '192.168.10.10' },
  { name: 'n2', address: '192.168.10.101' },
  { name: 'n3', address: '192.168.10.102' },
] as const;

export interface SeedLab {
  readonly lab: Netlab;
  readonly router: string;
  readonly client: string;
  readonly nodes: Record<string, string>;
  readonly segment: { ns: string; bridge: string };
}

const HTTP_SERVER = `
const name = process.argv[1];
require('node:http').createServer((q, s) => s.end(name + ' ' + q.socket.remoteAddress.replace('::ffff:', ''))).listen(80, '0.0.0.0');
`;

export function seedLab(vips: readonly string[]): SeedLab {
  const lab = new Netlab();
  const seg = lab.segment('lan');
  const router = lab.ns('rtr');
  const client = lab.ns('pc');
  seg.attach(router, [`${ROUTER}/24`], 'r');
  lab.link(router, ['192.168.20.254/24'], client, ['192.168.20.1/24'], 'c');
  lab.exec(client, 'ip', ['route', 'add', 'default', 'via', '192.168.20.254']);
  for (const [k, v] of Object.entries({ 'net.ipv4.ip_forward': '1', 'net.ipv4.fib_multipath_hash_policy': '1', 'net.ipv4.conf.all.rp_filter': '2' })) {
    lab.exec(router, 'sysctl', ['-qw', `${k}=${v}`]);
  }
  const nodes: Record<string, string> = {};
  for (const n of NODES) {
    const ns = lab.ns(n.name);
    seg.attach(ns, [`${n.address}/24`], n.name);
    lab.exec(ns, 'ip', ['route', 'add', 'default', 'via', ROUTER]);
    for (const vip of vips) lab.exec(ns, 'ip', ['addr', 'add', `${vip}/32`, 'dev', 'lo']);
    lab.spawn(ns, process.execPath, ['-e', HTTP_SERVER, n.name]);
    nodes[n.name] = ns;
  }
  return { lab, router, client, nodes, segment: { ns: seg.ns, bridge: seg.bridge } };
}

/** `count` HTTP requests from the client to `vip`, each from a new source port; returns "name client" answers. */
export function requestsFromClient(s: SeedLab, vip: string, count: number): string[] {
  const script = `
(async () => {
  const out = [];
  for (let i = 0; i < ${count}; i++) {
    const c = new AbortController(); const t = setTimeout(() => c.abort(), 2000);
    try { out.push(await (await fetch('http://${vip}/', { signal: c.signal, headers: { connection: 'close' } })).text()); }
    catch (e) { out.push('error ' + e.name); } finally { clearTimeout(t); }
  }
  console.log(JSON.stringify(out));
})();`;
  return JSON.parse(s.lab.exec(s.client, process.execPath, ['-e', script])) as string[];
}

export interface KernelRoute { dst: string; nhid?: number; protocol?: string; metric?: number; nexthops?: { gateway: string; weight: number }[] }
export interface KernelNexthop { id: number; gateway?: string; group?: { id: number; weight?: number }[] }

export function kernelRoutes(s: SeedLab): KernelRoute[] {
  return JSON.parse(s.lab.exec(s.router, 'ip', ['-j', 'route', 'show', 'proto', '201'])) as KernelRoute[];
}

export function kernelNexthops(s: SeedLab): KernelNexthop[] {
  return JSON.parse(s.lab.exec(s.router, 'ip', ['-j', 'nexthop', 'show'])) as KernelNexthop[];
}

/** The gateways and weights the kernel uses for `dst`, resolved through its nexthop group. */
export function gatewaysOf(s: SeedLab, dst: string): { gateway: string; weight: number }[] | undefined {
  const route = kernelRoutes(s).find((r) => r.dst === dst);
  if (!route) return undefined;
  const nhs = kernelNexthops(s);
  const byId = new Map(nhs.map((n) => [n.id, n]));
  const top = route.nhid !== undefined ? byId.get(route.nhid) : undefined;
  if (!top) return [];
  const members = top.group ?? [{ id: top.id, weight: 1 }];
  return members.map((m) => ({ gateway: byId.get(m.id)?.gateway ?? '?', weight: m.weight ?? 1 }))
    .sort((a, b) => a.gateway.localeCompare(b.gateway));
}
