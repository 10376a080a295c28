/**
 * Export towards an upstream router (the seed's client side): vipgate router with three node speakers
 * announces its `network` and the Service pool aggregate (`aggregate-address 172.20.1.0/24 summary-only`) to
 * a real BIRD upstream; BIRD's own CLI shows the aggregate with our AS, and none of the /32s; when the last
 * node leaves, the aggregate is withdrawn; nothing learned from the upstream is sent to the nodes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/netns.js';
import { BirdDaemon } from '../../helpers/daemons/bird.js';
import { waitNoRoute, waitRoute } from '../../helpers/daemons/types.js';
import { CLI, VipgateRouter } from '../../helpers/vipgate.js';
import { execFileSync } from 'node:child_process';
import { hostname } from 'node:os';
import { NODES, ROUTER, seedLab, type SeedLab } from './seed-topology.js';

const ROUTER_CONFIG = `
asn: 64513
routerId: ${ROUTER}
maximumPaths: 4
networks: [10.1.1.0/24]
aggregates: [{ prefix: 172.20.1.0/24, summaryOnly: true }]
neighbors:
  - { range: 192.168.10.0/24, remoteAs: 64512, group: nodes }
  - { address: 192.168.20.1, remoteAs: 65000, import: all, export: all, holdTime: 9, connectRetry: 1 }
groups:
  nodes: { import: { prefixes: ["172.20.1.0/24 le 32"] }, holdTime: 9 }
fib: { startupHold: 0 }
`;

const nodeConfig = (address: string) => `
asn: 64512
routerId: ${address}
listen: { enabled: false }
networks: ["172.20.1.1/32", "172.20.1.2/32"]
neighbors:
  - { address: ${ROUTER}, remoteAs: 64513, export: all, import: all, holdTime: 9, connectRetry: 1 }
`;

let s: SeedLab;
let router: VipgateRouter;
let bird: BirdDaemon;
const speakers: VipgateRouter[] = [];

beforeAll(async () => {
  s = seedLab(['172.20.1.1', '172.20.1.2']);
  bird = await BirdDaemon.start(s.lab, s.client, {
    routerId: '192.168.20.1', as: 65000, neighbors: [{ address: '192.168.20.254', as: 64513, holdTime: 9 }],
    announce: [{ prefix: '198.18.0.0/15', origin: 'igp' }],
  });
  router = await VipgateRouter.start(s.lab, s.router, ROUTER_CONFIG);
  for (const n of NODES) speakers.push(await VipgateRouter.start(s.lab, s.nodes[n.name]!, nodeConfig(n.address), ['--no-fib']));
}, 60_000);

afterAll(async () => {
  for (const sp of speakers) await sp.dispose();
  await router?.dispose();
  await bird?.stop();
  await s?.lab.cleanup();
});

describe('export to an upstream router', () => {
  it('sends the network and the pool aggregate (summary-only), never the /32s', async () => {
    const agg = await waitRoute(bird, '172.20.1.0/24', '192.168.20.254');
    expect(agg.asPath).toEqual([64513]);
    expect((await waitRoute(bird, '10.1.1.0/24')).asPath).toEqual([64513]);
    const prefixes = (await bird.routes()).map((r) => r.prefix);
    expect(prefixes.filter((p) => p.startsWith('172.20.1.') && p.endsWith('/32'))).toEqual([]);
    // the router itself has the /32s with three next hops
    const table = await router.table('172.20.1.1/32');
    expect(table.paths.filter((p) => p.best || p.multipath).length).toBe(3);
    // the node speakers (vipgate too) name themselves in the hostname capability, as FRR does
    expect((await router.peer('192.168.10.10'))?.hostname).toBe(hostname());
  });

  it('sends nothing learned from the upstream to the nodes (RFC 8212: the node group has no export policy)', async () => {
    await waitFor('upstream route in the router', async () => (await router.table()).paths.find((p) => p.prefix === '198.18.0.0/15'));
    const n1 = speakers[0]!;
    const got = await n1.received(ROUTER);
    expect(got.paths).toEqual([]);
    // and the router's own Adj-RIB-Out towards that node says the same
    expect((await router.advertised('192.168.10.10')).paths).toEqual([]);
  });

  it('`show ip bgp neighbors X advertised-routes` shows the Adj-RIB-Out as sent: the aggregate and the network, our AS prepended, next hop self', async () => {
    const sent = await router.advertised('192.168.20.1');
    expect(sent.paths.map((p) => [p.prefix, p.asPath, p.nextHop])).toEqual([
      ['10.1.1.0/24', '64513', '192.168.20.254'],
      ['172.20.1.0/24', '64513', '192.168.20.254'],
    ]);
    const text = execFileSync(process.execPath, [CLI, 'show', 'ip', 'bgp', 'neighbors', '192.168.20.1', 'advertised-routes', '--socket', router.socket], { encoding: 'utf8' });
    expect(text).toContain('172.20.1.0/24');
    expect(text).not.toContain('172.20.1.1/32');
  });

  it('withdraws the aggregate when the last contributing route goes', async () => {
    for (const sp of speakers) await sp.stop('SIGTERM');
    await waitNoRoute(bird, '172.20.1.0/24', '192.168.20.254');
    expect((await bird.routes()).map((r) => r.prefix)).toContain('10.1.1.0/24');
  });
});
