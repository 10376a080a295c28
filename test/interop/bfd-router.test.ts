/**
 * vipgate router running BFD (RFC 5880/5881/5882) with BIRD 2 and FRR 8 (bfdd) as the nodes, in namespaces:
 * both nodes announce the same VIP, the router installs it with two next hops; when a node fails hard (its
 * bridge port down, or every process of it stopped with SIGSTOP) its BFD session goes down, its BGP session is
 * taken down at once with Cease "BFD Down" (RFC 9384) while the 30 s hold timer still runs, and its next hop
 * leaves the router's kernel route. Also: a remote AdminDown is not a failure (RFC 5882 3.2).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Netlab, run, waitFor } from '../helpers/netns.js';
import { kernelGateways } from '../integration/bfd/gateways.js';
import { CLI, VipgateRouter } from '../helpers/vipgate.js';
import { execFileSync } from 'node:child_process';
import { BirdDaemon } from '../helpers/daemons/bird.js';
import { FrrDaemon } from '../helpers/daemons/frr.js';
import { waitPeerState } from '../helpers/daemons/types.js';

const ROUTER = '10.20.0.254';
const BIRD = '10.20.0.1';
const FRR = '10.20.0.2';
const VIP = '172.20.9.1';

const ROUTER_CONFIG = `
asn: 64513
routerId: ${ROUTER}
maximumPaths: 4
multipathRelax: true
neighbors:
  - { address: ${BIRD}, remoteAs: 65001, group: nodes }
  - { address: ${FRR}, remoteAs: 65002, group: nodes }
groups:
  nodes: { import: all, export: none, holdTime: 30, connectRetry: 1, bfd: { enabled: true, minRx: 100, minTx: 100, multiplier: 3 } }
`;

let lab: Netlab;
let hub: string;
let routerNs: string;
let birdNs: string;
let frrNs: string;
let router: VipgateRouter;
let bird: BirdDaemon;
let frr: FrrDaemon;

/** The gateways of VIP's route in the router's kernel. */
const gateways = (): string[] => kernelGateways(lab, routerNs, `${VIP}/32`);

/** Every process in a namespace gets `signal` (a whole node freezing or dying). */
function signalNamespace(ns: string, signal: NodeJS.Signals): void {
  for (const pid of run('ip', ['netns', 'pids', ns]).split(/\s+/).filter(Boolean)) process.kill(Number(pid), signal);
}

async function bothUp(): Promise<void> {
  await waitPeerState(bird, ROUTER);
  await waitPeerState(frr, ROUTER);
  await waitFor('VIP with both next hops in the router kernel', () => (gateways().length === 2 ? true : undefined), 30_000, 100);
  await waitFor('BIRD BFD session Up', async () => (new RegExp(`${ROUTER.replace(/\./g, '\\.')}\\s+\\S+\\s+Up`).test(await bird.birdc('show', 'bfd', 'sessions')) ? true : undefined), 20_000, 200);
  await waitFor('FRR BFD peer up', async () => ((JSON.parse(await frr.vtysh('show bfd peers json')) as { peer: string; status: string }[]).some((p) => p.peer === ROUTER && p.status === 'up') ? true : undefined), 20_000, 200);
}

beforeAll(async () => {
  lab = new Netlab();
  const seg = lab.segment('hub');
  hub = seg.ns;
  routerNs = lab.ns('rtr');
  birdNs = lab.ns('bird');
  frrNs = lab.ns('frr');
  seg.attach(routerNs, [`${ROUTER}/24`], 'r');
  seg.attach(birdNs, [`${BIRD}/24`], 'b');
  seg.attach(frrNs, [`${FRR}/24`], 'f');
  router = await VipgateRouter.start(lab, routerNs, ROUTER_CONFIG);
  bird = await BirdDaemon.start(lab, birdNs, { routerId: BIRD, as: 65001, neighbors: [{ address: ROUTER, as: 64513, holdTime: 30, bfd: true }], announce: [{ prefix: `${VIP}/32` }] });
  frr = await FrrDaemon.start(lab, frrNs, { routerId: FRR, as: 65002, neighbors: [{ address: ROUTER, as: 64513, holdTime: 30, bfd: true }], announce: [{ prefix: `${VIP}/32` }] });
  await bothUp();
}, 90_000);

afterAll(async () => {
  try { signalNamespace(frrNs, 'SIGCONT'); } catch { /* already gone */ }
  await bird?.stop().catch(() => undefined);
  await frr?.stop().catch(() => undefined);
  await router?.dispose();
  await lab?.cleanup();
});

describe('vipgate router BFD with BIRD and FRR nodes', () => {
  it('runs both BFD sessions at the agreed 100 ms x 3 (BIRD and FRR report the router Up)', async () => {
    const frrPeer = (JSON.parse(await frr.vtysh('show bfd peers json')) as { peer: string; status: string; 'remote-detect-multiplier': number; 'remote-transmit-interval': number; 'remote-receive-interval': number }[])
      .find((p) => p.peer === ROUTER)!;
    expect(frrPeer).toMatchObject({ status: 'up', 'remote-detect-multiplier': 3, 'remote-transmit-interval': 100, 'remote-receive-interval': 100 });
    expect(router.log()).toMatch(new RegExp(`BFD session with ${BIRD} up`));
    expect(router.log()).toMatch(new RegExp(`BFD session with ${FRR} up`));
    // `vipgate show bfd` (the CLI on the control socket) shows both sessions Up at 100 ms x 3
    const text = execFileSync(process.execPath, [CLI, 'show', 'bfd', '--socket', router.socket], { encoding: 'utf8' });
    for (const peer of [BIRD, FRR]) expect(text, text).toMatch(new RegExp(`^${peer.replace(/\./g, '\\.')}\\s+Up\\s+Up\\s+100\\s+300\\s`, 'm'));
  });

  it('BIRD node cut off (bridge port down): BFD takes its BGP session down with the hold timer running, its next hop leaves the kernel', async () => {
    const started = Date.now();
    lab.exec(hub, 'ip', ['link', 'set', lab.ifname('bb'), 'down']);
    await waitFor('BIRD next hop gone from the kernel route', () => (gateways().join() === FRR ? true : undefined), 10_000, 20);
    const elapsed = Date.now() - started;
    const peer = await router.peer(BIRD);
    expect(peer?.state).not.toBe('Established');
    expect(peer?.lastError).toMatch(/BFD down: Control Detection Time Expired/);
    console.log(`BIRD node cut: next hop out of the kernel after ${elapsed} ms (hold timer 30 s)`);
    lab.exec(hub, 'ip', ['link', 'set', lab.ifname('bb'), 'up']);
    await bothUp();
  }, 60_000);

  it('FRR node frozen (SIGSTOP of every process in it): same, and it comes back after SIGCONT', async () => {
    const started = Date.now();
    signalNamespace(frrNs, 'SIGSTOP');
    try {
      await waitFor('FRR next hop gone from the kernel route', () => (gateways().join() === BIRD ? true : undefined), 10_000, 20);
      console.log(`FRR node frozen: next hop out of the kernel after ${Date.now() - started} ms (hold timer 30 s)`);
      expect((await router.peer(FRR))?.lastError).toMatch(/BFD down/);
    } finally {
      signalNamespace(frrNs, 'SIGCONT');
    }
    await bothUp();
  }, 60_000);

  it('a node that disables its BFD session administratively (AdminDown) keeps its BGP session and next hop (RFC 5882 3.2)', async () => {
    const established = (await router.peer(FRR))!.establishedCount;
    await frr.vtysh('conf t', 'bfd', `peer ${ROUTER}`, 'shutdown');
    try {
      await waitFor('the router sees AdminDown', () => (/BFD session with 10\.20\.0\.2 down.*"remoteAdminDown":true|remoteAdminDown":true.*BFD session with 10\.20\.0\.2 down/.test(router.log()) ? true : undefined), 10_000, 100);
      const p = await router.peer(FRR);
      expect(p?.state).toBe('Established');
      expect(p?.establishedCount).toBe(established);
      expect(gateways()).toEqual([BIRD, FRR]);
    } finally {
      await frr.vtysh('conf t', 'bfd', `peer ${ROUTER}`, 'no shutdown');
    }
  }, 30_000);
});
