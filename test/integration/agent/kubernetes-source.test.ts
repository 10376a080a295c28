/**
 * The Kubernetes source (informers of @kubernetes/client-node 1.4, the real library) against a minimal
 * list/watch API server written in this test (fake-apiserver.ts). That server is the only stand-in:
 * everything on the client side — KubeConfig, ListWatch, Watch, the generated API clients, our
 * source, Lease elector and Agent — is the production code. Covered: nothing emitted before all three
 * collections have listed; watch events; resourceVersion carried across reconnects and moved on by
 * BOOKMARK events; 410 Gone → relist, with changes made during the gap (a deletion too); a failing watch
 * retried while the last snapshot stays; status.loadBalancer.ingress written by merge patch; Lease
 * election (create, follow, take over an expired Lease, lose it); the leader agent assigning and every
 * agent announcing what the status says.
 */
import { CoordinationV1Api } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '../../../src/agent/agent.js';
import { parseAgentConfig } from '../../../src/agent/config/load.js';
import { LeaseElector, leaseDecision } from '../../../src/agent/k8s/lease.js';
import type { Snapshot } from '../../../src/agent/model.js';
import { KubernetesSource } from '../../../src/agent/source/kubernetes.js';
import { FakeClock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/log.js';
import { formatPrefix } from '../../../src/lib/address.js';
import { waitFor } from '../../helpers/netns.js';
import { FakeApiServer, fakeKubeConfig } from './fake-apiserver.js';

const LEASE = { namespace: 'vipgate-system', name: 'vipgate-ipam', durationSeconds: 15 };


const service = (name: string, extra: Record<string, unknown> = {}) => ({
  metadata: { name, namespace: 'default' },
  spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }], selector: { app: name }, ...extra },
});
const nodeObj = (name: string) => ({ metadata: { name, labels: { 'kubernetes.io/hostname': name } }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
const sliceObj = (svc: string, nodes: string[]) => ({
  metadata: { name: `${svc}-1`, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
  addressType: 'IPv4', endpoints: nodes.map((n, i) => ({ addresses: [`10.42.0.${i + 1}`], conditions: { ready: true }, nodeName: n })),
});

let api: FakeApiServer | undefined;
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
  await api?.stop();
  api = undefined;
});

async function startApi(): Promise<FakeApiServer> {
  const server = new FakeApiServer();
  api = server;
  await server.start();
  return server;
}

async function startSource(api: FakeApiServer): Promise<{ source: KubernetesSource; snapshots: Snapshot[]; last: () => Snapshot | undefined }> {
  const source = new KubernetesSource(fakeKubeConfig(api.url), silentLogger(), { ...LEASE, identity: 'n1' }, 5);
  const snapshots: Snapshot[] = [];
  await source.start((s) => snapshots.push(s));
  stops.push(() => source.stop());
  return { source, snapshots, last: () => snapshots.at(-1) };
}

const watchesOf = (path: string) => api!.requests.filter((r) => r.path === path && r.query['watch'] === 'true');
const listsOf = (path: string) => api!.requests.filter((r) => r.path === path && r.query['watch'] !== 'true');

describe('Kubernetes source against a list/watch server', () => {
  it('emits nothing before every collection has listed, then a full snapshot; watch events follow', async () => {
    const api = await startApi();
    api.put('services', service('web'));
    api.put('nodes', nodeObj('n1'));
    api.fail.push({ path: '/apis/discovery.k8s.io/v1/endpointslices', watch: false, status: 503 });
    const { snapshots, last } = await startSource(api);
    // EndpointSlices failed to list: no snapshot, even though Services and Nodes are there
    await waitFor('the three watches or the retry', () => (watchesOf('/api/v1/services').length > 0 && watchesOf('/api/v1/nodes').length > 0 ? true : undefined));
    expect(snapshots).toHaveLength(0);
    // the source retries the list after its backoff (1 s) and only then emits
    await waitFor('first snapshot', () => last(), 10_000, 20);
    expect(last()!.services.map((s) => s.name)).toEqual(['web']);
    expect(last()!.nodes.map((n) => n.name)).toEqual(['n1']);
    api.put('endpointslices', sliceObj('web', ['n1', 'n1']));
    const s = await waitFor('slice event', () => (last()!.slices.length === 1 ? last() : undefined));
    expect(s!.slices[0]!.endpoints).toEqual([{ ready: true, nodeName: 'n1', addresses: ['10.42.0.1'] }, { ready: true, nodeName: 'n1', addresses: ['10.42.0.2'] }]);
  });

  it('resumes a closed watch from the last resourceVersion, moved on by BOOKMARK events', async () => {
    const api = await startApi();
    api.put('services', service('web'));
    const { last } = await startSource(api);
    await waitFor('snapshot', () => last());
    await waitFor('services watch open', () => (api.watchCount('services') === 1 ? true : undefined));
    const firstWatch = watchesOf('/api/v1/services')[0]!;
    expect(firstWatch.query['resourceVersion']).toBe(String(api.resourceVersion));
    // other collections move the global resourceVersion on; a bookmark tells the services watcher
    api.put('nodes', nodeObj('n1'));
    api.put('nodes', nodeObj('n2'));
    api.bookmark('services');
    const bookmarked = api.resourceVersion;
    await new Promise((r) => setTimeout(r, 100));
    api.closeWatches('services');
    const again = await waitFor('re-watch', () => watchesOf('/api/v1/services')[1]);
    expect(again.query['resourceVersion']).toBe(String(bookmarked));
    expect(listsOf('/api/v1/services')).toHaveLength(1); // no relist needed
  });

  it('410 Gone: lists again and sees what changed meanwhile, deletions included', async () => {
    const api = await startApi();
    api.put('services', service('web'));
    api.put('services', service('old'));
    const { last } = await startSource(api);
    await waitFor('snapshot', () => (last()?.services.length === 2 ? true : undefined));
    await waitFor('services watch open', () => (api.watchCount('services') === 1 ? true : undefined));
    // while the watch is down, changes happen and history is compacted past the client's resourceVersion
    api.closeWatches('services');
    api.remove('services', 'default', 'old');
    api.put('services', service('new'));
    api.compactedBefore = api.resourceVersion;
    const s = await waitFor('relisted snapshot', () => {
      const names = last()!.services.map((x) => x.name).sort();
      return JSON.stringify(names) === '["new","web"]' ? names : undefined;
    });
    expect(s).toEqual(['new', 'web']);
    expect(listsOf('/api/v1/services')).toHaveLength(2);
    expect(watchesOf('/api/v1/services').at(-1)!.query['resourceVersion']).toBe(String(api.resourceVersion));
  });

  it('a failing watch is retried; the last snapshot stays meanwhile', async () => {
    const api = await startApi();
    api.put('services', service('web'));
    const { snapshots, last } = await startSource(api);
    await waitFor('snapshot', () => last());
    await waitFor('services watch open', () => (api.watchCount('services') === 1 ? true : undefined));
    const before = snapshots.length;
    api.fail.push({ path: '/api/v1/services', watch: true, status: 503 });
    api.closeWatches('services');
    await waitFor('failed re-watch', () => (watchesOf('/api/v1/services').length >= 2 ? true : undefined));
    expect(snapshots.length).toBe(before);
    expect(last()!.services.map((x) => x.name)).toEqual(['web']);
    api.put('services', service('later'));
    await waitFor('recovered after the backoff', () => (last()!.services.length === 2 ? true : undefined), 10_000);
  });

  it('writes status.loadBalancer.ingress as a merge patch, with the ipMode asked for', async () => {
    const api = await startApi();
    api.put('services', service('web'));
    const { source, last } = await startSource(api);
    await source.status.writeIngress('default', 'web', ['172.20.1.1', 'fd00:172:20::1'], 'VIP');
    await source.status.writeIngress('default', 'web', ['172.20.1.1'], 'Proxy');
    const patches = api.requests.filter((r) => r.method === 'PATCH');
    expect(patches.map((p) => [p.path, p.contentType])).toEqual([
      ['/api/v1/namespaces/default/services/web/status', 'application/merge-patch+json'], ['/api/v1/namespaces/default/services/web/status', 'application/merge-patch+json']]);
    expect(patches.map((p) => p.body)).toEqual([
      { status: { loadBalancer: { ingress: [{ ip: '172.20.1.1', ipMode: 'VIP' }, { ip: 'fd00:172:20::1', ipMode: 'VIP' }] } } },
      { status: { loadBalancer: { ingress: [{ ip: '172.20.1.1', ipMode: 'Proxy' }] } } },
    ]);
    // the watch brings the ipMode back into the snapshot
    await waitFor('ipMode in the snapshot', () => (last()?.services[0]?.ingressIpModes?.['172.20.1.1'] === 'Proxy' ? true : undefined));
  });

  it('reads the API server\'s version with GET /version (k3s writes minor "31+")', async () => {
    const api = await startApi();
    api.version = { ...api.version, minor: '31+', gitVersion: 'v1.31.4+k3s1' };
    const { source } = await startSource(api);
    await waitFor('version', () => source.apiServerVersion());
    expect(source.apiServerVersion()).toEqual({ major: 1, minor: 31, gitVersion: 'v1.31.4+k3s1' });
  });
});

describe('Lease election', () => {
  it('the rule: create, renew own, follow a fresh holder, take an expired one', () => {
    const lease = (holder: string, renewedMsAgo: number) => ({ spec: { holderIdentity: holder, leaseDurationSeconds: 15, renewTime: new Date(1_000_000 - renewedMsAgo) } });
    expect(leaseDecision(undefined, 'a', 1_000_000)).toBe('create');
    expect(leaseDecision(lease('a', 60_000), 'a', 1_000_000)).toBe('renew');
    expect(leaseDecision(lease('b', 14_000), 'a', 1_000_000)).toBe('follow');
    expect(leaseDecision(lease('b', 16_000), 'a', 1_000_000)).toBe('take');
  });

  it('two agents: one leads, the other follows, takes over when the Lease expires, and the first then follows', async () => {
    const api = await startApi();
    const coord = fakeKubeConfig(api.url).makeApiClient(CoordinationV1Api);
    let now = Date.now();
    const a = new LeaseElector(coord, { ...LEASE, identity: 'n1' }, silentLogger(), () => now);
    const b = new LeaseElector(coord, { ...LEASE, identity: 'n2' }, silentLogger(), () => now);
    const seen: string[] = [];
    // drive rounds by hand: start() would schedule them on real timers
    (a as unknown as { changed: (l: boolean) => void }).changed = (l) => seen.push(`n1 ${l}`);
    (b as unknown as { changed: (l: boolean) => void }).changed = (l) => seen.push(`n2 ${l}`);
    stops.push(() => a.stop(), () => b.stop());
    await a.round();
    await b.round();
    expect(seen).toEqual(['n1 true']);
    now += 16_000; // n1 stopped renewing
    await b.round();
    await a.round();
    expect(seen).toEqual(['n1 true', 'n2 true', 'n1 false']);
    expect((api.leases.get('vipgate-system/vipgate-ipam')!['spec'] as { holderIdentity: string; leaseTransitions: number })).toMatchObject({ holderIdentity: 'n2', leaseTransitions: 1 });
  });
});

describe('Agent on the Kubernetes source', () => {
  it('the leader assigns and writes the status; announcements follow the status', async () => {
    const api = await startApi();
    api.put('nodes', nodeObj('n1'));
    api.put('services', service('web'));
    api.put('services', service('asked', { loadBalancerIP: '172.20.1.77' }));
    api.put('services', service('internal', { type: 'ClusterIP' }));
    // Cluster Services are announced while they have a ready endpoint somewhere
    api.put('endpointslices', sliceObj('web', ['n1']));
    api.put('endpointslices', sliceObj('asked', ['n2']));
    const config = parseAgentConfig(`
asn: 64512
routerId: 10.0.0.1
peers: [{ address: 127.0.0.1, port: 9, asn: 64513, connectRetry: 60 }]
pools: [{ name: default, addresses: [172.20.1.0/24], avoidBuggyIPs: true }]
`);
    const source = new KubernetesSource(fakeKubeConfig(api.url), silentLogger(), { ...LEASE, identity: 'n1' }, 5);
    const agent = new Agent({ node: 'n1', config, source, clock: new FakeClock(), log: silentLogger() });
    stops.push(() => agent.stop());
    await agent.start();
    const ingress = (name: string) => JSON.stringify((api.get('services', 'default', name)?.['status'] as { loadBalancer?: unknown } | undefined)?.loadBalancer ?? null);
    await waitFor('status written', () => (ingress('web') !== 'null' && ingress('asked') !== 'null' ? true : undefined));
    expect(agent.isLeader).toBe(true);
    expect(ingress('web')).toBe('{"ingress":[{"ip":"172.20.1.1","ipMode":"VIP"}]}');
    expect(ingress('asked')).toBe('{"ingress":[{"ip":"172.20.1.77","ipMode":"VIP"}]}');
    expect(ingress('internal')).toBe('null');
    const routes = await waitFor('announcements from the status', () => {
      const list = agent.announcer.desired().get('127.0.0.1')?.map((r) => formatPrefix(r.prefix));
      return list?.length === 2 ? list : undefined;
    });
    expect(routes).toEqual(['172.20.1.1/32', '172.20.1.77/32']);
    // the Service goes away: its route goes
    api.remove('services', 'default', 'web');
    await waitFor('withdrawn', () => (agent.announcer.desired().get('127.0.0.1')?.length === 1 ? true : undefined));
  });
});
