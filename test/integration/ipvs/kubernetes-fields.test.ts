/**
 * What IPVS needs, through the Kubernetes source (the real @kubernetes/client-node 1.4 against the list/
 * watch server of test/integration/agent/fake-apiserver.ts): endpoint addresses, slice ports and address
 * type, Service port names, target and node ports, vipgate.io/ annotations and sessionAffinity ClientIP,
 * both from the initial list (the client's typed deserialisation) and from watch events; and the desired
 * virtual services the agent's IPVS data plane makes of that snapshot.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { desiredFromSnapshot } from '../../../src/agent/ipvs/from-snapshot.js';
import type { Snapshot } from '../../../src/agent/model.js';
import { KubernetesSource } from '../../../src/agent/source/kubernetes.js';
import { silentLogger } from '../../../src/lib/log.js';
import { IP_VS_SVC_F_PERSISTENT } from '../../../src/wire/netlink/ipvs/constants.js';
import { waitFor } from '../../helpers/netns.js';
import { FakeApiServer } from '../agent/fake-apiserver.js';

const service = (scheduler: string) => ({
  metadata: { name: 'web', namespace: 'shop', annotations: { 'vipgate.io/ipvs-scheduler': scheduler, 'other.example/x': 'y' } },
  spec: {
    type: 'LoadBalancer', selector: { app: 'web' },
    ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http', nodePort: 30080 }],
    sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 900 } },
  },
  status: { loadBalancer: { ingress: [{ ip: '172.20.1.10' }] } },
});
const slice = (addresses: string[]) => ({
  metadata: { name: 'web-1', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  endpoints: addresses.map((a, i) => ({ addresses: [a], conditions: { ready: true }, nodeName: `n${i + 1}` })),
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

describe('Kubernetes source: the fields IPVS needs', () => {
  it('come through the list and the watch, and make the expected virtual service', async () => {
    const api = new FakeApiServer();
    await api.start();
    cleanups.push(() => api.stop());
    api.put('services', service('wlc'));
    api.put('endpointslices', slice(['10.42.0.1', '10.42.1.1']));
    api.put('nodes', { metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: api.url, skipTLSVerify: true }], users: [{ name: 'agent' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'agent' }], currentContext: 'fake',
    });
    const source = new KubernetesSource(kc, silentLogger(), { namespace: 'vipgate-system', name: 'vipgate-ipam', durationSeconds: 15, identity: 'n1' }, 5);
    const snapshots: Snapshot[] = [];
    await source.start((s) => snapshots.push(s));
    cleanups.push(() => source.stop());

    const listed = await waitFor('first snapshot', () => snapshots.at(-1), 10_000, 20);
    const web = listed!.services[0]!;
    expect(web.ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http', nodePort: 30080 }]);
    expect(web.annotations).toEqual({ 'vipgate.io/ipvs-scheduler': 'wlc' });
    expect(web.sessionAffinity).toEqual({ timeoutSeconds: 900 });
    expect(listed!.slices[0]).toMatchObject({ addressType: 'IPv4', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] });
    expect(listed!.slices[0]!.endpoints.map((e) => e.addresses)).toEqual([['10.42.0.1'], ['10.42.1.1']]);
    const first = desiredFromSnapshot(listed!, { node: 'n1', externalIPs: false }).services;
    expect(first.map((s) => ({ key: s.key, scheduler: s.scheduler, flags: s.flags, timeout: s.timeout, to: s.destinations.map((d) => `${d.address}:${d.port}`) }))).toEqual([
      { key: { protocol: 'tcp', address: '172.20.1.10', port: 80 }, scheduler: 'wlc', flags: IP_VS_SVC_F_PERSISTENT, timeout: 900, to: ['10.42.0.1:8080', '10.42.1.1:8080'] },
    ]);

    // watch events (plain JSON, not the list's typed objects) carry the same fields
    api.put('services', service('sh'));
    api.put('endpointslices', slice(['10.42.2.1']));
    const watched = await waitFor('watch events', () => {
      const s = snapshots.at(-1)!;
      return s.services[0]!.annotations?.['vipgate.io/ipvs-scheduler'] === 'sh' && s.slices[0]!.endpoints.length === 1 ? s : undefined;
    }, 10_000, 20);
    const now = desiredFromSnapshot(watched!, { node: 'n1', externalIPs: false }).services;
    expect(now.map((s) => [s.scheduler, s.timeout, s.destinations.map((d) => `${d.address}:${d.port}`)])).toEqual([['sh', 900, ['10.42.2.1:8080']]]);
  });
});
