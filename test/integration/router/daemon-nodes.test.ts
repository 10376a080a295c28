/**
 * vipgate router with real BIRD and GoBGP as the node speakers (what MetalLB, kube-vip, Calico and Cilium
 * run on the nodes): each VIP goes into the kernel with one next hop per announcing node; a withdrawal
 * from one daemon takes only its next hop away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/netns.js';
import { BirdDaemon } from '../../helpers/daemons/bird.js';
import { GobgpDaemon } from '../../helpers/daemons/gobgp.js';
import type { BgpDaemon } from '../../helpers/daemons/types.js';
import { VipgateRouter } from '../../helpers/vipgate.js';
import { gatewaysOf, NODES, ROUTER, seedLab, type SeedLab } from './seed-topology.js';

const VIP = '172.20.1.1';
const ROUTER_CONFIG = `
asn: 64513
routerId: ${ROUTER}
maximumPaths: 4
neighbors:
  - { range: 192.168.10.0/24, remoteAs: 64512, group: nodes }
groups:
  nodes: { import: { prefixes: ["172.20.1.0/24 le 32"] }, holdTime: 9 }
fib: { startupHold: 0 }
`;

let s: SeedLab;
let router: VipgateRouter;
let gobgp: GobgpDaemon;
const daemons: BgpDaemon[] = [];

beforeAll(async () => {
  s = seedLab([VIP]);
  router = await VipgateRouter.start(s.lab, s.router, ROUTER_CONFIG);
  const announce = [{ prefix: `${VIP}/32`, communities: ['64512:1'], origin: 'igp' as const }];
  const neighbor = { address: ROUTER, as: 64513, holdTime: 9 };
  daemons.push(await BirdDaemon.start(s.lab, s.nodes.n1!, { routerId: NODES[0].address, as: 64512, neighbors: [neighbor], announce }));
  gobgp = await GobgpDaemon.start(s.lab, s.nodes.n2!, { routerId: NODES[1].address, as: 64512, neighbors: [neighbor] }, announce);
  daemons.push(gobgp);
  daemons.push(await BirdDaemon.start(s.lab, s.nodes.n3!, { routerId: NODES[2].address, as: 64512, neighbors: [neighbor], announce }));
}, 60_000);

afterAll(async () => {
  for (const d of daemons) await d.stop().catch(() => undefined);
  await router?.dispose();
  await s?.lab.cleanup();
});

describe('vipgate router with BIRD and GoBGP nodes', () => {
  it('installs the VIP with three next hops, and a GoBGP withdrawal leaves the two BIRD next hops', async () => {
    await waitFor('VIP with three next hops', () => (gatewaysOf(s, VIP)?.length === 3 ? true : undefined), 30_000);
    expect(gatewaysOf(s, VIP)!.map((g) => g.gateway)).toEqual(['192.168.10.10', '192.168.10.101', '192.168.10.102']);
    await gobgp.withdraw(`${VIP}/32`);
    await waitFor('VIP with two next hops', () => (gatewaysOf(s, VIP)?.length === 2 ? true : undefined));
    expect(gatewaysOf(s, VIP)!.map((g) => g.gateway)).toEqual(['192.168.10.10', '192.168.10.102']);
  });
});
