/**
 * Multihop BFD (RFC 5883) between `vipgate agent` and FRR 8 (bgpd + bfdd), one router hop apart, in
 * namespaces: the agent reads MetalLB's CRDs (a BGPPeer with ebgpMultiHop and a bfdProfile of 100 ms x 3),
 * FRR peers with `ebgp-multihop` and `bfd`. Shown: both BGP sessions come up, FRR reports the BFD session
 * Up as multihop at the agent's timers, and the agent reports it Up; when the hop in the middle stops
 * forwarding, BFD takes the agent's BGP session down with "BFD down" long before the 30 s hold time, and
 * both come back when forwarding does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrrDaemon } from '../helpers/daemons/frr.js';
import { waitPeerState } from '../helpers/daemons/types.js';
import { lbService, manifests, readyEndpoints, readyNode } from '../helpers/manifests.js';
import { isRoot, Netlab, waitFor } from '../helpers/netns.js';
import { VipgateAgent } from '../helpers/vipgate-agent.js';

const AGENT = '10.87.0.2';
const FRR = '10.88.0.2';
const VIP = '172.20.7.1';

const SERVICES = manifests(readyNode('n1'), lbService('web', { ip: VIP }), readyEndpoints('web', 'n1'));

// MetalLB's objects as a MetalLB user writes them, plus vipgate's shutdown setting
const CONFIG = `apiVersion: metallb.io/v1beta1
kind: BFDProfile
metadata: { name: fast, namespace: metallb-system }
spec: { receiveInterval: 100, transmitInterval: 100, detectMultiplier: 3 }
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: { name: frr, namespace: metallb-system }
spec: { myASN: 64512, peerASN: 64513, peerAddress: ${FRR}, sourceAddress: ${AGENT}, routerID: ${AGENT}, holdTime: 30s, connectTime: 1s, ebgpMultiHop: true, bfdProfile: fast }
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: pool, namespace: metallb-system }
spec: { addresses: [172.20.7.0/24] }
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: { name: all, namespace: metallb-system }
`;

interface FrrBfdPeer { peer: string; local?: string; multihop: boolean; status: string; 'remote-transmit-interval': number; 'remote-receive-interval': number; 'remote-detect-multiplier': number }

describe.runIf(isRoot())('multihop BFD: vipgate agent and FRR one hop apart', () => {
  const lab = new Netlab();
  const work = VipgateAgent.workDir(SERVICES);
  let agent: VipgateAgent;
  let frr: FrrDaemon;
  let mid: string;
  const frrPeer = async (): Promise<FrrBfdPeer | undefined> => (JSON.parse(await frr.vtysh('show bfd peers json')) as FrrBfdPeer[]).find((p) => p.peer === AGENT);

  beforeAll(async () => {
    const agentNs = lab.ns('agent');
    mid = lab.ns('mid');
    const frrNs = lab.ns('frr');
    lab.link(agentNs, [`${AGENT}/24`], mid, ['10.87.0.1/24'], 'a');
    lab.link(mid, ['10.88.0.1/24'], frrNs, [`${FRR}/24`], 'f');
    lab.exec(mid, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    lab.exec(agentNs, 'ip', ['route', 'add', 'default', 'via', '10.87.0.1']);
    lab.exec(frrNs, 'ip', ['route', 'add', 'default', 'via', '10.88.0.1']);
    frr = await FrrDaemon.start(lab, frrNs, { routerId: FRR, as: 64513, neighbors: [{ address: AGENT, as: 64512, holdTime: 30, multihop: 5, localAddress: FRR, bfd: true }] });
    agent = new VipgateAgent(lab, agentNs, 'n1', work.dir, work.services);
    agent.writeConfig(CONFIG);
    agent.launch();
  }, 60_000);

  afterAll(async () => {
    await agent?.stop('SIGKILL', 1000).catch(() => undefined);
    await frr?.stop().catch(() => undefined);
    await lab.cleanup();
    work.remove();
  });

  const bothUp = async (): Promise<void> => {
    await waitPeerState(frr, AGENT, 'Established', 30_000).catch((e: Error) => { throw new Error(`${e.message}\n${agent.tail()}`); });
    await waitFor('FRR BFD peer up', async () => ((await frrPeer())?.status === 'up' ? true : undefined), 20_000, 200);
    await waitFor('agent BFD Up', async () => ((await agent.view()).peers[0]?.bfd?.state === 'Up' ? true : undefined), 20_000, 200);
  };

  it('comes up as a multihop session at the agent\'s 100 ms x 3, and the route is at FRR', async () => {
    await bothUp();
    // read while Up at the fast rate (on a loaded machine 100 ms x 3 may flap once and start over at 1 s)
    const peer = await waitFor('FRR: the session Up at 100 ms', async () => {
      const p = await frrPeer();
      return p?.status === 'up' && p['remote-transmit-interval'] === 100 ? p : undefined;
    }, 20_000, 100);
    expect(peer).toMatchObject({ multihop: true, local: FRR, status: 'up', 'remote-transmit-interval': 100, 'remote-receive-interval': 100, 'remote-detect-multiplier': 3 });
    const routes = await waitFor('the VIP at FRR', async () => ((await frr.routes()).some((r) => r.prefix === `${VIP}/32`) ? true : undefined), 20_000, 200);
    expect(routes).toBe(true);
  }, 90_000);

  it('the hop in the middle stops forwarding: BFD takes the BGP session down well before the hold time; back when it forwards again', async () => {
    await bothUp();
    lab.exec(mid, 'nft', ['-f', '-'], 'table inet vgdrop {\n  chain f { type filter hook forward priority 0; policy drop; }\n}\n');
    const cut = Date.now();
    try {
      const view = await waitFor('the agent\'s session down', async () => {
        const p = (await agent.view()).peers[0];
        return p && p.state !== 'Established' ? p : undefined;
      }, 10_000, 20);
      const elapsed = Date.now() - cut;
      console.log(`multihop BFD: the agent's BGP session down ${elapsed} ms after forwarding stopped (hold time 30 s): ${view.lastError}`);
      expect(view.lastError).toMatch(/BFD down: Control Detection Time Expired/);
      expect(elapsed).toBeLessThan(30_000);
      await waitFor('FRR BFD peer down', async () => ((await frrPeer())?.status === 'down' ? true : undefined), 10_000, 100);
    } finally {
      lab.exec(mid, 'nft', ['delete', 'table', 'inet', 'vgdrop']);
    }
    await bothUp();
  }, 90_000);
});
