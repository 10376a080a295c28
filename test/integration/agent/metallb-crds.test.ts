/**
 * `--metallb-namespace`: MetalLB's objects read from the API server (MetallbConfigFeed on the real
 * @kubernetes/client-node, against fake-apiserver.ts) drive what the agent announces to two minimal BGP
 * routers on loopback addresses. Covered: nothing before the objects form a valid configuration; an
 * IPAddressPool put → its Service's address announced; a BGPAdvertisement changed → the routes again with
 * the community, the sessions untouched; a BGPPeer deleted → Cease 6/3 to that router only; an invalid
 * BGPPeer → nothing changes and the log names the object's field; a BGPPeer's hold time changed → Cease
 * 6/6; an IPAddressPool deleted → its address withdrawn; vipgate's settings from the side file, or their
 * defaults without one; a kind that fails to list is listed again after the backoff.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '../../../src/agent/agent.js';
import { KubernetesSource } from '../../../src/agent/source/kubernetes.js';
import { MetallbConfigFeed, METALLB_RESOURCES, metallbPath } from '../../../src/agent/source/metallb.js';
import type { Source } from '../../../src/agent/source/source.js';
import { FakeClock } from '../../../src/lib/clock.js';
import { waitFor } from '../../helpers/netns.js';
import { COLLECTIONS, FakeApiServer, fakeKubeConfig, type Collection } from './fake-apiserver.js';
import type { LoopbackRouter } from './loopback-router.js';
import { reloadFixture, tableIs as table } from './reload-fixture.js';

const NS = 'metallb-system';
/** The fake server's collection of each kind. */
const COLLECTION: Record<(typeof METALLB_RESOURCES)[number]['kind'], Collection> = {
  IPAddressPool: 'ipaddresspools', BGPPeer: 'bgppeers', BGPAdvertisement: 'bgpadvertisements', BFDProfile: 'bfdprofiles', Community: 'communities',
};
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined); });

const service = (name: string, ip: string) => ({
  metadata: { name, namespace: 'default' },
  spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }], selector: { app: name } },
  status: { loadBalancer: { ingress: [{ ip }] } },
});
const obj = (name: string, spec: Record<string, unknown>) => ({ metadata: { name, namespace: NS }, spec });
const peerSpec = (r: LoopbackRouter, extra: Record<string, unknown> = {}) => ({ myASN: 64512, peerASN: 64513, peerAddress: r.host, peerPort: r.port, routerID: '10.0.0.1', ...extra });

describe('MetalLB objects from the API server', () => {
  it('the feed watches the paths MetalLB serves', () => {
    for (const r of METALLB_RESOURCES) expect(metallbPath(NS, r)).toBe(COLLECTIONS[COLLECTION[r.kind]].path);
  });

  it('a kind that fails to list (CRD not installed yet) is listed again after the backoff; no settings file: defaults', async () => {
    const api = new FakeApiServer();
    await api.start();
    cleanups.push(() => api.stop());
    api.put('ipaddresspools', obj('default', { addresses: ['172.20.1.0/24'] }));
    api.put('bgppeers', obj('r1', { myASN: 64512, peerASN: 64513, peerAddress: '127.0.0.1', peerPort: 1790 }));
    api.fail.push({ path: COLLECTIONS.bfdprofiles.path, watch: false, status: 404 });
    const { log } = await reloadFixture(cleanups);
    const feed = new MetallbConfigFeed(fakeKubeConfig(api.url), log, { namespace: NS, debounceMs: 20 });
    cleanups.push(() => feed.close());
    const cfg = await feed.first();
    const lists = api.requests.filter((r) => r.path === COLLECTIONS.bfdprofiles.path && r.query['watch'] !== 'true');
    expect(lists).toHaveLength(2);
    expect(cfg).toMatchObject({ pools: [{ name: 'default' }], peers: [{ name: 'r1', port: 1790 }], gracefulShutdown: { drainSeconds: 5 }, shutdown: 'auto' });
  });

  it('passwordSecret: the Secret is read with a GET in the namespace (nothing listed), and read again: a rotated password is a new configuration', async () => {
    const api = new FakeApiServer();
    await api.start();
    cleanups.push(() => api.stop());
    const b64 = (t: string) => Buffer.from(t).toString('base64');
    api.secrets.set(`${NS}/bgp-auth`, { metadata: { name: 'bgp-auth', namespace: NS }, type: 'kubernetes.io/basic-auth', data: { password: b64('first') } });
    api.put('ipaddresspools', obj('default', { addresses: ['172.20.1.0/24'] }));
    api.put('bgppeers', obj('r1', { myASN: 64512, peerASN: 64513, peerAddress: '127.0.0.1', passwordSecret: { name: 'bgp-auth', namespace: NS } }));
    const { log } = await reloadFixture(cleanups);
    const feed = new MetallbConfigFeed(fakeKubeConfig(api.url), log, { namespace: NS, debounceMs: 20, secretRefreshMs: 100 });
    cleanups.push(() => feed.close());
    const configs: string[] = [];
    const first = await feed.first();
    feed.watch((c) => configs.push(c.peers[0]!.password ?? ''));
    expect(first.peers[0]!.password).toBe('first');
    const secretRequests = api.requests.filter((r) => r.path.includes('/secrets'));
    expect(secretRequests.length).toBeGreaterThan(0);
    expect(new Set(secretRequests.map((r) => `${r.method} ${r.path}`))).toEqual(new Set([`GET /api/v1/namespaces/${NS}/secrets/bgp-auth`]));
    api.secrets.set(`${NS}/bgp-auth`, { metadata: { name: 'bgp-auth', namespace: NS }, type: 'kubernetes.io/basic-auth', data: { password: b64('rotated') } });
    await waitFor('the rotated password', () => (configs.includes('rotated') ? true : undefined), 10_000, 10);
    expect(configs).toEqual(['rotated']);
  });

  it('put, changed and deleted objects change what the agent announces', async () => {
    const api = new FakeApiServer();
    await api.start();
    cleanups.push(() => api.stop());
    const { r1, r2, dir, log, lines } = await reloadFixture(cleanups);
    const settingsFile = join(dir, 'settings.yaml');
    writeFileSync(settingsFile, 'gracefulRestart: { enabled: false }\ngracefulShutdown: { drainSeconds: 1 }\n');

    api.put('nodes', { metadata: { name: 'n1', labels: {} }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
    api.put('services', service('web', '172.20.1.5'));
    api.put('services', service('api', '172.20.2.5'));
    for (const name of ['web', 'api']) {
      api.put('endpointslices', {
        metadata: { name: `${name}-1`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
        addressType: 'IPv4', endpoints: [{ addresses: ['10.42.0.1'], conditions: { ready: true }, nodeName: 'n1' }],
      });
    }
    const kc = fakeKubeConfig(api.url);
    const feed = new MetallbConfigFeed(kc, log, { namespace: NS, settingsFile, debounceMs: 20 });
    cleanups.push(() => feed.close());

    // no objects yet: no configuration; a BGPPeer with a bad field makes none either (the log names the field)
    let first: Awaited<ReturnType<typeof feed.first>> | undefined;
    const firstDone = feed.first().then((c) => { first = c; });
    await waitFor('the five MetalLB watches', () => (METALLB_RESOURCES.every((r) => api.watchCount(COLLECTION[r.kind]) === 1) ? true : undefined), 10_000, 10);
    api.put('bgppeers', obj('r0', { ...peerSpec(r1), peerASN: 'sixty' }));
    await waitFor('the rejection logged', () => lines.find((l) => l['field'] === 'BGPPeer/r0.spec.peerASN'), 10_000, 10);
    api.put('ipaddresspools', obj('default', { addresses: ['172.20.1.0/24'] }));
    api.put('bgppeers', obj('r1', peerSpec(r1)));
    api.put('bgppeers', obj('r2', peerSpec(r2)));
    api.put('bgpadvertisements', obj('all', {}));
    await new Promise((r) => setTimeout(r, 100));
    expect(first).toBeUndefined();
    api.remove('bgppeers', NS, 'r0');
    await firstDone;
    expect(first).toMatchObject({ format: 'metallb-crds', gracefulShutdown: { drainSeconds: 1 }, gracefulRestart: { enabled: false }, peers: [{ name: 'r1' }, { name: 'r2' }] });

    // a follower agent (no Lease elector): it announces what the Services' status says
    const k8s = new KubernetesSource(kc, log, { namespace: 'vipgate-system', name: 'vipgate-ipam', durationSeconds: 15, identity: 'n1' }, 5);
    const source: Source = { kind: 'kubernetes', start: (on) => k8s.start(on), stop: () => k8s.stop() };
    const agent = new Agent({ node: 'n1', config: first!, source, clock: new FakeClock(), log });
    cleanups.push(() => agent.stop());
    await agent.start();
    feed.watch((c) => agent.reconfigure(c));
    await waitFor('web at r1', table(r1, ['172.20.1.5/32']), 10_000, 10);
    await waitFor('web at r2', table(r2, ['172.20.1.5/32']), 10_000, 10);

    // a pool for api's address
    api.put('ipaddresspools', obj('extra', { addresses: ['172.20.2.0/24'] }));
    await waitFor('api at r1', table(r1, ['172.20.1.5/32', '172.20.2.5/32']), 10_000, 10);
    await waitFor('api at r2', table(r2, ['172.20.1.5/32', '172.20.2.5/32']), 10_000, 10);
    expect(r1.updates().at(-1)).toEqual([['172.20.2.5/32'], [], []]);

    // the advertisement changed: a Community alias, the routes sent again with it
    api.put('communities', obj('names', { communities: [{ name: 'edge', value: '64512:100' }] }));
    api.put('bgpadvertisements', obj('all', { communities: ['edge'] }));
    const community = 64512 * 65536 + 100;
    await waitFor('the community at r1', () => (r1.updates().some((u) => u[2].includes(community) && u[0].length === 2) ? true : undefined), 10_000, 10);
    expect([r1.opens(), r2.opens(), r1.notifications(), r2.notifications()]).toEqual([1, 1, [], []]);

    // r2's BGPPeer deleted
    api.remove('bgppeers', NS, 'r2');
    await waitFor('Cease 6/3 at r2', () => (r2.notifications().length > 0 ? true : undefined), 10_000, 10);
    expect(r2.notifications()).toEqual([[6, 3]]);
    expect([r1.opens(), r1.notifications()]).toEqual([1, []]);

    // an invalid BGPPeer: logged with its field, nothing changes
    api.put('bgppeers', obj('bad', { myASN: 64512, peerASN: 64513, peerAddress: '127.0.0.3', holdTime: '1s' }));
    await waitFor('the invalid BGPPeer logged', () => lines.find((l) => l['field'] === 'BGPPeer/bad.spec.holdTime'), 10_000, 10);
    expect([agent.config.peers.map((p) => p.name), agent.announcer.peers().map((p) => p.name)]).toEqual([['r1'], ['r1']]);
    api.remove('bgppeers', NS, 'bad');
    // a hold time change resets r1's session (Cease 6/6); the extra pool deleted withdraws api
    api.put('bgppeers', obj('r1', peerSpec(r1, { holdTime: '30s' })));
    await waitFor('Cease 6/6 at r1', () => (r1.notifications().length > 0 ? true : undefined), 10_000, 10);
    expect(r1.notifications()).toEqual([[6, 6]]);
    await waitFor('r1 again with both routes', () => (r1.opens() === 2 && r1.table().length === 2 ? true : undefined), 10_000, 10);
    expect(r1.agentOpen?.holdTime).toBe(30);
    api.remove('ipaddresspools', NS, 'extra');
    await waitFor('api withdrawn', table(r1, ['172.20.1.5/32']), 10_000, 10);
    expect(r1.updates().at(-1)).toEqual([[], ['172.20.2.5/32'], []]);

    // vipgate's settings file edited: in force without a session change
    writeFileSync(settingsFile, 'gracefulRestart: { enabled: false }\ngracefulShutdown: { drainSeconds: 4 }\n');
    await waitFor('the new drain time', () => (agent.config.gracefulShutdown.drainSeconds === 4 ? true : undefined), 10_000, 10);
    expect([r1.opens(), r1.notifications()]).toEqual([2, [[6, 6]]]);
  });
});
