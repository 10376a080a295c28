/**
 * vipgate's BGP speaker against real BIRD 2 and GoBGP (Debian's bird2 and gobgpd) in namespaces made by the
 * test, with vipgate dialling and with the peer dialling: vipgate announces three IPv4 /32s and one IPv6 /128
 * with a community (RFC 1997), a large community (RFC 8092) and the link-bandwidth extended community, and
 * the peer's own CLI shows them with those attributes; the peer's routes show in vipgate's Adj-RIB-In; a
 * session reset re-establishes; a cut link (a bridge set down, carriers stay up) ends the session through
 * the hold timer (RFC 4271 6.5).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Netlab, waitFor } from '../helpers/netns.js';
import { BirdDaemon } from '../helpers/daemons/bird.js';
import { GobgpDaemon } from '../helpers/daemons/gobgp.js';
import { decodeLinkBandwidth, waitRoute, type BgpDaemon, type BgpRoute, type NeighborSpec } from '../helpers/daemons/types.js';
import { VipgateRouter } from '../helpers/vipgate.js';

let lab: Netlab | undefined;
const cleanups: (() => Promise<void>)[] = [];
const logs: (() => string)[] = [];
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') for (const l of logs) console.log(l());
  logs.length = 0;
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  await lab?.cleanup();
  lab = undefined;
});

const VIPS = ['172.20.1.1/32', '172.20.1.2/32', '172.20.1.3/32', 'fd00:172:20::1/128'];
const PEER_ROUTES = [{ prefix: '10.200.0.1/32', communities: ['64512:7'], largeCommunities: ['64512:3:4'], origin: 'igp' as const }];

function vipgateConfig(passive: boolean): string {
  const nets = VIPS.map((p) => `  - { prefix: "${p}", communities: ["64513:100"], largeCommunities: ["64513:1:2"], linkBandwidth: { mbps: 1000 } }`).join('\n');
  return `
asn: 64513
routerId: 10.0.0.1
listen: { address: "::" }
networks:
${nets}
neighbors:
  - { address: 10.0.0.2, remoteAs: 64512, holdTime: 3, connectRetry: 1, passive: ${passive}, import: all, export: all, families: [ipv4, ipv6] }
`;
}

type Starter = (lab: Netlab, ns: string, neighbor: NeighborSpec) => Promise<BgpDaemon>;

const PEERS: Record<string, Starter> = {
  'BIRD 2': (l, ns, n) => BirdDaemon.start(l, ns, { routerId: '10.0.0.2', as: 64512, neighbors: [n], announce: PEER_ROUTES }),
  GoBGP: (l, ns, n) => GobgpDaemon.start(l, ns, { routerId: '10.0.0.2', as: 64512, neighbors: [n] }, PEER_ROUTES),
};

function expectVipgateAttributes(r: BgpRoute): void {
  expect(r.asPath).toEqual([64513]);
  expect(r.communities).toEqual(['64513:100']);
  expect(r.largeCommunities).toEqual(['64513:1:2']);
  const lb = r.extCommunities.map(decodeLinkBandwidth).find((x) => x !== undefined);
  expect(lb).toEqual({ asn: 64513, bytesPerSecond: 125_000_000, transitive: false });
}

describe.each(Object.keys(PEERS))('vipgate and %s', (name) => {
  it.each([
    ['vipgate connects', false],
    ['the peer connects', true],
  ])('%s: routes both ways with their attributes, reset re-establishes, a cut link ends by hold timer', async (_how, vipgatePassive) => {
    lab = new Netlab();
    const seg = lab.segment('lan');
    const r = lab.ns('vg');
    const p = lab.ns('peer');
    seg.attach(r, ['10.0.0.1/24', 'fd00::1/64'], 'r');
    seg.attach(p, ['10.0.0.2/24', 'fd00::2/64'], 'p');
    const peer = await PEERS[name]!(lab, p, { address: '10.0.0.1', as: 64513, families: ['ipv4', 'ipv6'], passive: !vipgatePassive, holdTime: 3 });
    cleanups.push(() => peer.stop());
    const vg = await VipgateRouter.start(lab, r, vipgateConfig(vipgatePassive), ['--no-fib']);
    cleanups.push(() => vg.dispose());
    logs.push(() => `vipgate log:\n${vg.log().split('\n').slice(-60).join('\n')}`);

    await vg.waitPeerState('10.0.0.2', 'Established');
    // the peer's CLI shows vipgate's four routes with every attribute
    for (const prefix of VIPS) expectVipgateAttributes(await waitRoute(peer, prefix));
    const v6 = (await peer.routes()).find((x) => x.prefix === 'fd00:172:20::1/128')!;
    expect(v6.nextHops).toContain('fd00::1');
    // vipgate's Adj-RIB-In shows the peer's route with its attributes
    const got = await waitFor('the peer route in vipgate', async () => (await vg.received('10.0.0.2')).paths.find((x) => x.prefix === '10.200.0.1/32'));
    expect([got.asPath, got.communities, got.largeCommunities, got.nextHop]).toEqual(['64512', ['64512:7'], ['64512:3:4'], '10.0.0.2']);

    // a reset (Cease 6/4) brings the session back with the routes
    const before = (await vg.peer('10.0.0.2'))!.establishedCount;
    await vg.clear('10.0.0.2');
    await waitFor('session re-established after reset', async () => {
      const s = await vg.peer('10.0.0.2');
      return s?.state === 'Established' && s.establishedCount > before ? s : undefined;
    });
    await waitRoute(peer, VIPS[0]!);

    // cut the segment: both carriers stay up, so only the hold timer (3 s) can end the session
    lab.exec(seg.ns, 'ip', ['link', 'set', seg.bridge, 'down']);
    const down = await waitFor('session down by hold timer', async () => {
      const s = await vg.peer('10.0.0.2');
      return s && s.state !== 'Established' ? s : undefined;
    }, 15_000);
    expect(down.lastError).toMatch(/hold timer expired/);
    lab.exec(seg.ns, 'ip', ['link', 'set', seg.bridge, 'up']);
    await vg.waitPeerState('10.0.0.2', 'Established', 30_000);
  });
});
