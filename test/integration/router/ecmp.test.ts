/**
 * The seed's k8s-rtr, for real: `vipgate router` in a namespace with three node namespaces on one segment,
 * the nodes running vipgate speakers (`vipgate router --no-fib` announcing their Service IPs). The router's
 * kernel (nexthop objects, `ip -j route` / `ip -j nexthop`) holds each /32 with one next hop per node that
 * announces it, weighted by link bandwidth where every path carries it; a client behind the router reaches a
 * VIP on several nodes with its address preserved; a hijack is refused; a kill -9 and restart of the router
 * changes no route (watched with `ip monitor`); a node that leaves takes only its own next hop away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/netns.js';
import { VipgateRouter } from '../../helpers/vipgate.js';
import { gatewaysOf, kernelRoutes, NODES, requestsFromClient, ROUTER, seedLab, type SeedLab } from './seed-topology.js';

const VIP1 = '172.20.1.1';
const VIP2 = '172.20.1.2';
const VIP4 = '172.20.1.4';

const ROUTER_CONFIG = `
asn: 64513
routerId: ${ROUTER}
maximumPaths: 4
networks: [10.1.1.0/24]
neighbors:
  - { range: 192.168.10.0/24, remoteAs: 64512, group: nodes }
groups:
  nodes: { import: { prefixes: ["172.20.1.0/24 le 32"] }, maxPrefix: 1000, holdTime: 9 }
`;

/** n1 and n2 announce VIP1, VIP2 and VIP4 (VIP4 with link bandwidth 1:3) and n1 tries a hijack; n3 only VIP1. */
function nodeConfig(name: string, address: string): string {
  const lb: Record<string, number> = { n1: 1000, n2: 3000 };
  const nets = name === 'n3' ? [`"${VIP1}/32"`] : [
    `"${VIP1}/32"`, `"${VIP2}/32"`, `{ prefix: "${VIP4}/32", linkBandwidth: { mbps: ${lb[name]} } }`,
    ...(name === 'n1' ? ['"0.0.0.0/0"', '"192.168.20.0/24"'] : []),
  ];
  return `
asn: 64512
routerId: ${address}
listen: { enabled: false }
networks: [${nets.join(', ')}]
neighbors:
  - { address: ${ROUTER}, remoteAs: 64513, export: all, import: none, holdTime: 9, connectRetry: 1 }
`;
}

let s: SeedLab;
let router: VipgateRouter;
const speakers: Record<string, VipgateRouter> = {};

beforeAll(async () => {
  s = seedLab([VIP1, VIP2, VIP4]);
  router = await VipgateRouter.start(s.lab, s.router, ROUTER_CONFIG);
  for (const n of NODES) speakers[n.name] = await VipgateRouter.start(s.lab, s.nodes[n.name]!, nodeConfig(n.name, n.address), ['--no-fib']);
  await waitFor('three established node sessions', async () => {
    const sum = await router.summary();
    return sum.peers.filter((p) => p.state === 'Established').length === 3 ? sum : undefined;
  });
}, 60_000);

afterAll(async () => {
  for (const sp of Object.values(speakers)) await sp.dispose();
  await router?.dispose();
  await s?.lab.cleanup();
});

const gw = (...addrs: string[]) => addrs.map((gateway) => ({ gateway, weight: 1 })).sort((a, b) => a.gateway.localeCompare(b.gateway));

describe('vipgate router with three vipgate node speakers', () => {
  it('installs each /32 once per announcing node, in nexthop groups, with link-bandwidth weights', async () => {
    await waitFor('VIP1 with three next hops', () => (gatewaysOf(s, VIP1)?.length === 3 ? true : undefined));
    expect(gatewaysOf(s, VIP1)).toEqual(gw('192.168.10.10', '192.168.10.101', '192.168.10.102'));
    // n3 announces only VIP1: a two-member group
    await waitFor('VIP2 with two next hops', () => (gatewaysOf(s, VIP2)?.length === 2 ? true : undefined));
    expect(gatewaysOf(s, VIP2)).toEqual(gw('192.168.10.10', '192.168.10.101'));
    // link bandwidth 1000 and 3000 Mbit/s: weights in that ratio
    const w = gatewaysOf(s, VIP4)!;
    expect(w.map((x) => x.gateway)).toEqual(['192.168.10.10', '192.168.10.101']);
    expect(w[1]!.weight / w[0]!.weight).toBeCloseTo(3, 1);
    const route = kernelRoutes(s).find((r) => r.dst === VIP1)!;
    expect(route.nhid).toBeGreaterThan(0);
    expect(route.metric).toBe(20);
    // `vipgate show routes` is a kernel dump: the same group id and gateways as `ip -j`
    const view = (await router.routes()).find((r) => r.prefix === `${VIP1}/32`)!;
    expect(view.nexthopGroup).toBe(route.nhid);
    expect(view.nexthops.map((n) => n.gateway).sort()).toEqual(['192.168.10.10', '192.168.10.101', '192.168.10.102']);
    const v4 = (await router.routes()).find((r) => r.prefix === `${VIP4}/32`)!;
    expect(v4.nexthops.map((n) => n.weight).sort((a, b) => a - b)).toEqual(w.map((x) => x.weight).sort((a, b) => a - b));
  });

  it('a client behind the router reaches the VIP on several nodes, its address preserved', () => {
    const answers = requestsFromClient(s, VIP1, 40);
    expect(answers.filter((a) => a.startsWith('error'))).toEqual([]);
    const names = new Set(answers.map((a) => a.split(' ')[0]));
    expect(names.size).toBeGreaterThanOrEqual(2);
    expect(new Set(answers.map((a) => a.split(' ')[1]))).toEqual(new Set(['192.168.20.1']));
  });

  it('measures the split: the router\'s counters per next hop follow the nodes that answered', async () => {
    const before = (await router.routes()).find((r) => r.prefix === `${VIP1}/32`)!;
    const answers = requestsFromClient(s, VIP1, 30);
    const byNode = new Map<string, number>();
    for (const a of answers) byNode.set(a.split(' ')[0]!, (byNode.get(a.split(' ')[0]!) ?? 0) + 1);
    const after = (await waitFor('the counters read after the requests', async () => {
      const r = (await router.routes()).find((x) => x.prefix === `${VIP1}/32`)!;
      const total = r.nexthops.reduce((t, h) => t + (h.packets ?? 0), 0) - before.nexthops.reduce((t, h) => t + (h.packets ?? 0), 0);
      return total >= answers.length * 4 ? r : undefined;
    }, 5000, 100));
    // each request is a TCP connection of its own: SYN, ACK, request, FIN, ACK at least, all through the router
    for (const n of NODES) {
      const delta = (after.nexthops.find((h) => h.gateway === n.address)!.packets ?? 0) - (before.nexthops.find((h) => h.gateway === n.address)!.packets ?? 0);
      const k = byNode.get(n.name) ?? 0;
      expect(delta, `${n.name}: ${k} answers`).toBeGreaterThanOrEqual(k * 4);
      if (k === 0) expect(delta).toBe(0);
      expect(after.nexthops.find((h) => h.gateway === n.address)!.bytes).toBeGreaterThanOrEqual(delta * 40);
    }
  });

  it('refuses a hijack: a node announcing 0.0.0.0/0 or the client LAN is logged and not installed', async () => {
    const table = await router.table();
    expect(table.paths.map((p) => p.prefix)).not.toContain('0.0.0.0/0');
    expect(table.paths.map((p) => p.prefix)).not.toContain('192.168.20.0/24');
    expect(kernelRoutes(s).map((r) => r.dst)).not.toContain('default');
    expect(router.log()).toMatch(/route refused.*"prefix":"0\.0\.0\.0\/0"|"prefix":"0\.0\.0\.0\/0".*route refused/);
    const n1 = (await router.summary()).peers.find((p) => p.address === '192.168.10.10')!;
    expect(n1.prefixesReceived - n1.prefixesAccepted).toBe(2);
  });

  it('kill -9 and restart of the router deletes or re-adds no unchanged route', async () => {
    const before = JSON.stringify(kernelRoutes(s));
    const monitor = s.lab.spawn(s.router, 'ip', ['monitor', 'route', 'nexthop']);
    let events = '';
    monitor.stdout!.on('data', (d: Buffer) => { events += d.toString(); });
    await router.stop('SIGKILL');
    await router.launch();
    await waitFor('sessions back after restart', async () => {
      const sum = await router.summary();
      return sum.peers.filter((p) => p.state === 'Established').length === 3 && sum.ribEntries >= 4 ? sum : undefined;
    }, 30_000);
    await new Promise((r) => setTimeout(r, 1500));
    monitor.kill();
    expect(events).toBe('');
    expect(JSON.stringify(kernelRoutes(s))).toBe(before);
  });

  it('a node that leaves takes only its own next hop away', async () => {
    await speakers.n3!.stop('SIGTERM');
    await waitFor('VIP1 down to two next hops', () => (gatewaysOf(s, VIP1)?.length === 2 ? true : undefined));
    expect(gatewaysOf(s, VIP1)).toEqual(gw('192.168.10.10', '192.168.10.101'));
    expect(gatewaysOf(s, VIP2)).toEqual(gw('192.168.10.10', '192.168.10.101'));
    const answers = requestsFromClient(s, VIP1, 10);
    expect(answers.every((a) => a.startsWith('n1 ') || a.startsWith('n2 '))).toBe(true);
  });
});
