/**
 * Proves the real-daemon harness itself, with no vipgate code: BIRD, GoBGP and FRR peer with each other in
 * namespaces made here, each side's CLI shows the other's announcements with their communities (RFC 1997),
 * large communities (RFC 8092) and extended communities (RFC 4360, link bandwidth), the capture helper
 * finds the sessions' messages in a tcpdump recording, and a cut link ends a session through the hold timer
 * (RFC 4271 §6.5) rather than through link-state detection.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Netlab, waitFor } from '../helpers/netns.js';
import { BirdDaemon } from '../helpers/daemons/bird.js';
import { GobgpDaemon } from '../helpers/daemons/gobgp.js';
import { FrrDaemon } from '../helpers/daemons/frr.js';
import { startCapture } from '../helpers/daemons/tcpdump.js';
import { decodeLinkBandwidth, linkBandwidthCommunity, routeTargetCommunity, waitPeerDown, waitPeerState, waitRoute, type BgpDaemon } from '../helpers/daemons/types.js';

let lab: Netlab | undefined;
const daemons: BgpDaemon[] = [];
async function started<T extends BgpDaemon>(d: Promise<T>): Promise<T> {
  const x = await d;
  daemons.push(x);
  return x;
}

afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop().catch(() => undefined);
  await lab?.cleanup();
  lab = undefined;
});

describe('real BGP daemons in namespaces', () => {
  it('BIRD and GoBGP peer and each shows the other\'s /32 with communities and large communities', async () => {
    lab = new Netlab();
    const a = lab.ns('bird');
    const b = lab.ns('gobgp');
    const { ifA } = lab.link(a, ['10.0.1.1/24'], b, ['10.0.1.2/24']);
    const capture = await startCapture(lab, a, ifA);
    let msgs;
    try {
      await birdAndGobgpExchange(lab, a, b);
    } finally {
      msgs = await capture.stop();
      capture.discard();
    }
    // both OPENs and at least one UPDATE each way were recorded and split at message boundaries
    for (const src of ['10.0.1.1', '10.0.1.2']) {
      // a connection collision (RFC 4271 §6.8) may show an OPEN on each of two connections
      expect(msgs.filter((m) => m.src === src && m.type === 1).length).toBeGreaterThanOrEqual(1);
      expect(msgs.some((m) => m.src === src && m.type === 2)).toBe(true);
      expect(msgs.filter((m) => m.src === src).every((m) => m.bytes.length === ((m.bytes[16]! << 8) | m.bytes[17]!))).toBe(true);
    }
  });

  it('FRR and BIRD peer over IPv4 and IPv6 and exchange communities, large communities and link bandwidth', async () => {
    lab = new Netlab();
    const a = lab.ns('bird');
    const c = lab.ns('frr');
    lab.link(a, ['10.0.2.1/24', 'fd00:2::1/64'], c, ['10.0.2.3/24', 'fd00:2::3/64']);
    const bird = await started(BirdDaemon.start(lab, a, {
      routerId: '10.0.2.1', as: 65001,
      neighbors: [{ address: '10.0.2.3', as: 65003 }, { address: 'fd00:2::3', as: 65003 }],
      announce: [
        { prefix: '192.0.2.1/32', communities: ['65001:100'], largeCommunities: ['65001:1:2'], linkBandwidth: { asn: 65001, bytesPerSecond: 1.25e8, transitive: true } },
        { prefix: '2001:db8::1/128', communities: ['65001:106'], largeCommunities: ['65001:6:2'] },
      ],
    }));
    const frr = await started(FrrDaemon.start(lab, c, {
      routerId: '10.0.2.3', as: 65003,
      neighbors: [{ address: '10.0.2.1', as: 65001 }, { address: 'fd00:2::1', as: 65001 }],
      announce: [
        { prefix: '192.0.2.3/32', communities: ['65003:100'], largeCommunities: ['65003:1:2'], routeTargets: ['65003:7'], linkBandwidth: { asn: 65003, bytesPerSecond: 2.5e8, transitive: true } },
        { prefix: '2001:db8::3/128', communities: ['65003:106'], largeCommunities: ['65003:6:2'] },
      ],
    }));
    for (const p of ['10.0.2.3', 'fd00:2::3']) expect((await waitPeerState(bird, p)).remoteAs).toBe(65003);
    for (const p of ['10.0.2.1', 'fd00:2::1']) expect((await waitPeerState(frr, p)).holdTime).toBe(3);

    const atBird = await waitRoute(bird, '192.0.2.3/32', '10.0.2.3');
    expect(atBird).toMatchObject({ asPath: [65003], nextHops: ['10.0.2.3'], communities: ['65003:100'], largeCommunities: ['65003:1:2'] });
    expect(atBird.extCommunities).toContainEqual(routeTargetCommunity('65003:7'));
    // FRR writes its own AS into the community and the bandwidth as bytes per second, type 0x00 by default
    expect(atBird.extCommunities).toContainEqual(linkBandwidthCommunity({ asn: 65003, bytesPerSecond: 2.5e8, transitive: true }));
    const atBird6 = await waitRoute(bird, '2001:db8::3/128', 'fd00:2::3');
    expect(atBird6).toMatchObject({ asPath: [65003], communities: ['65003:106'], largeCommunities: ['65003:6:2'] });
    expect(atBird6.nextHops[0]).toBe('fd00:2::3');

    const atFrr = await waitRoute(frr, '192.0.2.1/32', '10.0.2.1');
    expect(atFrr).toMatchObject({ asPath: [65001], nextHops: ['10.0.2.1'], communities: ['65001:100'], largeCommunities: ['65001:1:2'] });
    expect(atFrr.extCommunities.map(decodeLinkBandwidth)).toEqual([{ asn: 65001, bytesPerSecond: 1.25e8, transitive: true }]);
    expect(await waitRoute(frr, '2001:db8::1/128', 'fd00:2::1')).toMatchObject({ asPath: [65001], communities: ['65001:106'], largeCommunities: ['65001:6:2'] });
  });

  it('BIRD merges GoBGP\'s and FRR\'s paths into one ECMP kernel route; cutting the link ends both sessions by hold timer', async () => {
    lab = new Netlab();
    const seg = lab.segment('hub');
    const a = lab.ns('bird');
    const b = lab.ns('gobgp');
    const c = lab.ns('frr');
    seg.attach(a, ['10.0.3.1/24'], 'a');
    seg.attach(b, ['10.0.3.2/24'], 'b');
    seg.attach(c, ['10.0.3.3/24'], 'c');
    const bird = await started(BirdDaemon.start(lab, a, {
      routerId: '10.0.3.1', as: 65001, kernel: true,
      neighbors: [{ address: '10.0.3.2', as: 65002, holdTime: 3 }, { address: '10.0.3.3', as: 65003, holdTime: 3 }],
    }));
    // same /32 from both, with equal AS path length and origin, so that BIRD may merge them (merge paths on)
    const gobgp = await started(GobgpDaemon.start(lab, b, { routerId: '10.0.3.2', as: 65002, neighbors: [{ address: '10.0.3.1', as: 65001, holdTime: 3 }] },
      [{ prefix: '192.0.2.2/32' }, { prefix: '192.0.2.9/32', origin: 'igp' }]));
    const frr = await started(FrrDaemon.start(lab, c, {
      routerId: '10.0.3.3', as: 65003, neighbors: [{ address: '10.0.3.1', as: 65001, holdTime: 3 }], announce: [{ prefix: '192.0.2.3/32' }, { prefix: '192.0.2.9/32' }],
    }));
    await waitPeerState(bird, '10.0.3.2');
    await waitPeerState(bird, '10.0.3.3');
    await waitRoute(bird, '192.0.2.2/32', '10.0.3.2');
    await waitRoute(bird, '192.0.2.3/32', '10.0.3.3');
    const kernelRoute = (): string => lab!.exec(a, 'ip', ['route', 'show', '192.0.2.9/32']);
    const ecmp = await waitFor('an ECMP route for 192.0.2.9 in the BIRD namespace\'s kernel', () => {
      const r = kernelRoute();
      return r.includes('nexthop via 10.0.3.2') && r.includes('nexthop via 10.0.3.3') ? r : undefined;
    }, 20_000, 200);
    expect(ecmp).toMatch(/proto bird/);

    // the bridge goes down: no packet passes, but every member keeps carrier, so only the hold timer can notice
    lab.exec(seg.ns, 'ip', ['link', 'set', seg.bridge, 'down']);
    for (const p of ['10.0.3.2', '10.0.3.3']) expect((await waitPeerDown(bird, p, 20_000)).lastError).toMatch(/Hold timer expired/);
    expect((await waitPeerDown(frr, '10.0.3.1', 20_000)).lastError).toMatch(/[Hh]old [Tt]imer/);
    await waitPeerDown(gobgp, '10.0.3.1', 20_000);
    expect((await bird.routes()).filter((r) => r.fromPeer !== undefined)).toEqual([]);
    expect(kernelRoute()).toBe('');

    lab.exec(seg.ns, 'ip', ['link', 'set', seg.bridge, 'up']);
    await waitPeerState(bird, '10.0.3.2');
    await waitPeerState(bird, '10.0.3.3');
    await waitRoute(bird, '192.0.2.3/32', '10.0.3.3');
  });

  it('BIRD and FRR (bfdd) end the session because BFD went down, with a 30 s hold timer still running', async () => {
    lab = new Netlab();
    const seg = lab.segment('hub');
    const a = lab.ns('bird');
    const c = lab.ns('frr');
    seg.attach(a, ['10.0.4.1/24'], 'a');
    seg.attach(c, ['10.0.4.3/24'], 'c');
    const bird = await started(BirdDaemon.start(lab, a, { routerId: '10.0.4.1', as: 65001, neighbors: [{ address: '10.0.4.3', as: 65003, holdTime: 30, bfd: true }] }));
    const frr = await started(FrrDaemon.start(lab, c, { routerId: '10.0.4.3', as: 65003, neighbors: [{ address: '10.0.4.1', as: 65001, holdTime: 30, bfd: true }] }));
    await waitPeerState(bird, '10.0.4.3');
    await waitPeerState(frr, '10.0.4.1');
    await waitFor('the BFD session up in BIRD', async () => (/10\.0\.4\.3\s+\S+\s+Up/.test(await bird.birdc('show', 'bfd', 'sessions')) ? true : undefined), 20_000, 200);

    lab.exec(seg.ns, 'ip', ['link', 'set', seg.bridge, 'down']);
    expect((await waitPeerDown(bird, '10.0.4.3', 20_000)).lastError).toMatch(/BFD session down/);
    expect((await waitPeerDown(frr, '10.0.4.1', 20_000)).lastError).toMatch(/BFD/);
  });
});

async function birdAndGobgpExchange(lab: Netlab, a: string, b: string): Promise<void> {
    const bird = await started(BirdDaemon.start(lab, a, {
      routerId: '10.0.1.1', as: 65001,
      neighbors: [{ address: '10.0.1.2', as: 65002, holdTime: 3 }],
      announce: [{ prefix: '192.0.2.1/32', communities: ['65001:100'], largeCommunities: ['65001:1:2'], routeTargets: ['65001:7'] }],
    }));
    const gobgp = await started(GobgpDaemon.start(lab, b, {
      routerId: '10.0.1.2', as: 65002, neighbors: [{ address: '10.0.1.1', as: 65001, holdTime: 3 }],
    }, [{ prefix: '192.0.2.2/32', communities: ['65002:100', '65002:101'], largeCommunities: ['65002:1:2'], routeTargets: ['65002:7'] }]));

    expect((await waitPeerState(bird, '10.0.1.2')).holdTime).toBe(3);
    expect((await waitPeerState(gobgp, '10.0.1.1')).remoteAs).toBe(65001);

    const atGobgp = await waitRoute(gobgp, '192.0.2.1/32', '10.0.1.1');
    expect(atGobgp).toMatchObject({ asPath: [65001], nextHops: ['10.0.1.1'], communities: ['65001:100'], largeCommunities: ['65001:1:2'], best: true });
    expect(atGobgp.extCommunities).toEqual([routeTargetCommunity('65001:7')]);
    expect((await gobgp.adjIn('10.0.1.1')).map((r) => r.prefix)).toEqual(['192.0.2.1/32']);

    const atBird = await waitRoute(bird, '192.0.2.2/32', '10.0.1.2');
    expect(atBird).toMatchObject({ asPath: [65002], nextHops: ['10.0.1.2'], communities: ['65002:100', '65002:101'], largeCommunities: ['65002:1:2'], best: true });
    expect(atBird.extCommunities).toEqual([routeTargetCommunity('65002:7')]);
    // the locally originated route is reported without a peer
    expect((await bird.routes()).find((r) => r.prefix === '192.0.2.1/32')?.fromPeer).toBeUndefined();
}
