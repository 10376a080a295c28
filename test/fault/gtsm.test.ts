/**
 * GTSM (RFC 5082) per neighbor: with `ttlSecurity: 1` the router sends with TTL 255 and sets IP_MINTTL 255,
 * so a peer one router hop away (its packets arrive with TTL 254) is refused while a directly connected one
 * establishes. Peers are vipgate routers too (ttlSecurity on their side as well, so they send with TTL 255);
 * the middle namespace forwards and decrements the TTL. The kernel's TcpExtTCPMinTTLDrop counter shows the
 * drops are GTSM's doing, and the same far peer without GTSM (ebgpMultihop 2 on both sides) establishes, so
 * the refusal comes from the TTL check and not from the topology.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, Netlab, waitFor } from '../helpers/netns.js';
import { VipgateRouter } from '../helpers/vipgate.js';

const RTR = { near: '10.81.0.1', far: '10.82.0.1' };
const NEAR = '10.81.0.2';
const FAR = '10.83.0.2';

function peerYaml(asn: number, id: string, router: string, session: string): string {
  return [
    `asn: ${asn}`, `routerId: ${id}`, 'networks: [192.0.2.0/24]', 'neighbors:',
    `  - { address: ${router}, remoteAs: 64513, import: none, export: all, connectRetry: 1, ${session} }`, '',
  ].join('\n');
}

function routerYaml(farSession: string): string {
  return [
    'asn: 64513', `routerId: ${RTR.near}`, 'neighbors:',
    `  - { address: ${NEAR}, remoteAs: 65001, import: all, connectRetry: 1, ttlSecurity: 1 }`,
    `  - { address: ${FAR}, remoteAs: 65002, import: all, connectRetry: 1, ${farSession} }`, '',
  ].join('\n');
}

/** The peer's network in the router's table, from that peer only. */
function waitRouteFrom(router: VipgateRouter, peer: string): Promise<unknown> {
  return waitFor(`192.0.2.0/24 from ${peer}`, async () => {
    const peers = (await router.table('192.0.2.0/24')).paths.map((p) => p.peer);
    return peers.length === 1 && peers[0] === peer ? true : undefined;
  }, 10_000);
}

function minTtlDrops(lab: Netlab, ns: string): number {
  const m = /TcpExtTCPMinTTLDrop\s+(\d+)/.exec(lab.exec(ns, 'nstat', ['-az', 'TcpExtTCPMinTTLDrop']));
  return m ? Number(m[1]) : 0;
}

describe.runIf(isRoot())('GTSM (RFC 5082): ttlSecurity refuses a peer two hops away', () => {
  const lab = new Netlab();
  const routers: VipgateRouter[] = [];
  let rtr: string;
  let near: string;
  let far: string;

  beforeAll(() => {
    rtr = lab.ns('rtr');
    near = lab.ns('near');
    const mid = lab.ns('mid');
    far = lab.ns('far');
    lab.link(rtr, [`${RTR.near}/24`], near, [`${NEAR}/24`], 'n');
    lab.link(rtr, [`${RTR.far}/24`], mid, ['10.82.0.2/24'], 'm');
    lab.link(mid, ['10.83.0.1/24'], far, [`${FAR}/24`], 'f');
    lab.exec(mid, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    lab.exec(rtr, 'ip', ['route', 'add', '10.83.0.0/24', 'via', '10.82.0.2']);
    lab.exec(far, 'ip', ['route', 'add', 'default', 'via', '10.83.0.1']);
  });

  afterAll(async () => {
    for (const r of routers) await r.dispose();
    await lab.cleanup();
  });

  const start = async (ns: string, yaml: string, args: readonly string[] = ['--no-fib']): Promise<VipgateRouter> => {
    const r = await VipgateRouter.start(lab, ns, yaml, args);
    routers.push(r);
    return r;
  };

  it('the direct peer establishes, the one behind a router does not (its segments are dropped by IP_MINTTL)', async () => {
    const router = await start(rtr, routerYaml('ttlSecurity: 1'));
    await start(near, peerYaml(65001, NEAR, RTR.near, 'ttlSecurity: 1'));
    const farPeer = await start(far, peerYaml(65002, FAR, RTR.far, 'ttlSecurity: 1'));
    const dropsBefore = minTtlDrops(lab, rtr);

    await router.waitPeerState(NEAR, 'Established');
    await waitRouteFrom(router, NEAR);
    // keep watching while both keep trying (connect retry 1 s): the far session must never come up
    const seen = new Set<string>();
    for (let i = 0; i < 25; i++) {
      seen.add((await router.peer(FAR))?.state ?? 'absent');
      seen.add((await farPeer.peer(RTR.far))?.state ?? 'absent');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(seen.has('Established')).toBe(false);
    await waitFor('GTSM drops counted in the router namespace', () => (minTtlDrops(lab, rtr) > dropsBefore ? true : undefined), 10_000);
  }, 60_000);

  it('the same far peer without GTSM (ebgpMultihop 2 both sides) establishes: the refusal was the TTL check', async () => {
    for (const r of routers.splice(0)) await r.dispose();
    const router = await start(rtr, routerYaml('ebgpMultihop: 2'));
    await start(far, peerYaml(65002, FAR, RTR.far, 'ebgpMultihop: 2'));
    await router.waitPeerState(FAR, 'Established');
    await waitRouteFrom(router, FAR);
  }, 60_000);
});
