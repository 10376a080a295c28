/**
 * Next-hop probing in namespaces: vipgate router with two BIRD nodes that run no BFD, both announcing one VIP;
 * the router pings each next hop every 100 ms (raw ICMP sockets). A node whose bridge port stops forwarding misses 3
 * probes and its next hop leaves the router's kernel route while its BGP session (hold timer 30 s) stays
 * Established; when the port forwards again, 2 answers bring the next hop back without a session flap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Netlab, waitFor } from '../../helpers/netns.js';
import { kernelGateways } from './gateways.js';
import { nodesRouterConfig } from './router-config.js';
import { VipgateRouter } from '../../helpers/vipgate.js';
import { BirdDaemon } from '../../helpers/daemons/bird.js';
import { waitPeerState } from '../../helpers/daemons/types.js';

const ROUTER = '10.21.0.254';
const N1 = '10.21.0.1';
const N2 = '10.21.0.2';
const VIP = '172.20.8.1';

let lab: Netlab;
let hub: string;
let routerNs: string;
let router: VipgateRouter;
const nodes: BirdDaemon[] = [];


const gateways = (): string[] => kernelGateways(lab, routerNs, `${VIP}/32`);

beforeAll(async () => {
  lab = new Netlab();
  const seg = lab.segment('hub');
  hub = seg.ns;
  routerNs = lab.ns('rtr');
  seg.attach(routerNs, [`${ROUTER}/24`], 'r');
  router = await VipgateRouter.start(lab, routerNs, nodesRouterConfig(ROUTER, [N1, N2], 'holdTime: 30, probe: { enabled: true, intervalMs: 100, misses: 3, recovers: 2 }'));
  for (const [i, address] of [N1, N2].entries()) {
    const ns = lab.ns(`n${i + 1}`);
    seg.attach(ns, [`${address}/24`], `n${i + 1}`);
    nodes.push(await BirdDaemon.start(lab, ns, { routerId: address, as: 65001, neighbors: [{ address: ROUTER, as: 64513, holdTime: 30 }], announce: [{ prefix: `${VIP}/32` }] }));
  }
  for (const n of nodes) await waitPeerState(n, ROUTER);
  await waitFor('VIP with both next hops', () => (gateways().length === 2 ? true : undefined), 30_000, 100);
}, 90_000);

afterAll(async () => {
  for (const n of nodes) await n.stop().catch(() => undefined);
  await router?.dispose();
  await lab?.cleanup();
});

describe('next-hop probing', () => {
  it('a node cut off leaves the kernel route after 3 missed probes, its session still up; it comes back after 2 answers', async () => {
    const before = (await router.peer(N1))!.establishedCount;
    const started = Date.now();
    // the bridge port stops forwarding (STP state disabled) while n1 keeps its carrier, so that BIRD does not
    // end the session itself on a link down: a silent partition
    lab.exec(hub, 'bridge', ['link', 'set', 'dev', lab.ifname('n1b'), 'state', '0']);
    try {
      await waitFor('n1 out of the route', () => (gateways().join() === N2 ? true : undefined), 10_000, 20);
      console.log(`probing 100 ms x 3: next hop out of the kernel after ${Date.now() - started} ms (hold timer 30 s)`);
      const p = await router.peer(N1);
      expect(p?.state).toBe('Established');
      expect(router.log()).toMatch(/next hop 10\.21\.0\.1 stopped answering probes/);
    } finally {
      lab.exec(hub, 'bridge', ['link', 'set', 'dev', lab.ifname('n1b'), 'state', '3']);
    }
    await waitFor('n1 back in the route', () => (gateways().length === 2 ? true : undefined), 10_000, 50);
    expect(gateways()).toEqual([N1, N2]);
    const p = await router.peer(N1);
    expect(p?.state).toBe('Established');
    expect(p?.establishedCount).toBe(before);
    expect(router.log()).toMatch(/next hop 10\.21\.0\.1 answers probes again/);
  }, 40_000);
});
