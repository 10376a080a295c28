/**
 * The state the agent writes into Kubernetes, end to end on the real @kubernetes/client-node against the
 * fake API server (which records every request): the agent on the Kubernetes source leads the Lease,
 * assigns, and its StateReporter writes. Each case asserts the writes the server saw: Events on the
 * Services (IPAllocated, AllocationFailed with the reason, nodeAssigned with the peers, nodeWithdrawn with
 * the reason), the ip-allocated-from-pool annotation under both prefixes, one ServiceBGPStatus per
 * announced Service (created, its status written, deleted when withdrawn), ConfigurationState speaker-n1
 * and controller (Valid, then Invalid with the errors); and that with the API server refusing every state
 * write, announcing goes on and the writes arrive once it answers again.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO } from '../../helpers/vipgate.js';
import { Agent } from '../../../src/agent/agent.js';
import type { ConfigStatus } from '../../../src/agent/config/feed.js';
import { parseAgentConfig } from '../../../src/agent/config/load.js';
import { StateReporter } from '../../../src/agent/k8s/reporter.js';
import { bgpStatusName } from '../../../src/agent/k8s/state-plan.js';
import { KubernetesSource } from '../../../src/agent/source/kubernetes.js';
import { formatPrefix } from '../../../src/lib/address.js';
import { FakeClock, systemClock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/log.js';
import { waitFor } from '../../helpers/netns.js';
import { FakeApiServer, fakeKubeConfig } from './fake-apiserver.js';

const NS = 'vipgate-system';
const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const s of stops.splice(0).reverse()) await s(); });

const service = (name: string, extra: Record<string, unknown> = {}) => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}` },
  spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }], selector: { app: name }, ...extra },
});
const slice = (svc: string, nodes: string[]) => ({
  metadata: { name: `${svc}-1`, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
  addressType: 'IPv4', endpoints: nodes.map((n, i) => ({ addresses: [`10.42.0.${i + 1}`], conditions: { ready: true }, nodeName: n })),
});

/** The fake API server (`prepare` may queue failures first), the agent on it as the IPAM leader, and its StateReporter. */
async function setup(prepare: (api: FakeApiServer) => void = () => undefined) {
  const api = new FakeApiServer();
  await api.start();
  stops.push(() => api.stop());
  prepare(api);
  api.put('nodes', { metadata: { name: 'n1', labels: {} }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
  api.put('services', service('web'));
  api.put('services', service('bad', { loadBalancerIP: '10.9.9.9' }));
  api.put('endpointslices', slice('web', ['n1']));
  const config = parseAgentConfig(`
asn: 64512
routerId: 10.0.0.1
peers: [{ name: rtr, address: 127.0.0.1, port: 9, asn: 64513, connectRetry: 60 }]
pools: [{ name: default, addresses: [172.20.1.0/24], avoidBuggyIPs: true }]
kubernetesState: { writesPerSecond: 200, burst: 50 }
`);
  const kc = fakeKubeConfig(api.url);
  const source = new KubernetesSource(kc, silentLogger(), { namespace: NS, name: 'vipgate-ipam', durationSeconds: 15, identity: 'n1' }, 5);
  const agent = new Agent({ node: 'n1', config, source, clock: new FakeClock(), log: silentLogger() });
  stops.push(() => agent.stop());
  await agent.start();
  const feed: { status: ConfigStatus } = { status: { valid: true, errors: [], warnings: [] } };
  const reporter = StateReporter.forCluster(kc, NS, { agent, feed, node: 'n1', clock: systemClock, log: silentLogger(), intervalMs: 20 });
  reporter.start();
  stops.push(() => reporter.stop());
  return { api, agent, feed, reporter };
}

const BGP_WEB = bgpStatusName('default', 'web', 'n1');

/** "verb group/resource" of each state request the server saw (the source's reads and the Lease left out). */
function stateRequests(api: FakeApiServer): Set<string> {
  const out = new Set<string>();
  for (const r of api.requests) {
    const m = /^\/(?:api\/v1|apis\/(metallb\.io)\/v1beta1)\/namespaces\/[^/]+\/(events|services|servicebgpstatuses|configurationstates)(\/[^/]+)?(\/status)?$/.exec(r.path);
    if (!m || (m[2] === 'services' && (r.method !== 'PATCH' || m[4]))) continue;
    const verb = { POST: 'create', PATCH: 'patch', DELETE: 'delete', GET: m[3] ? 'get' : 'list' }[r.method]!;
    out.add(`${verb} ${m[1] ?? ''}/${m[2]}${m[4] ?? ''}`);
  }
  return out;
}

/** "verb group/resource" of each rule of deploy/rbac-state.yaml. */
function granted(): Set<string> {
  const out = new Set<string>();
  for (const d of parseAllDocuments(readFileSync(join(REPO, 'deploy/rbac-state.yaml'), 'utf8')).map((x) => x.toJS() as { rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[] })) {
    for (const r of d?.rules ?? []) for (const g of r.apiGroups) for (const res of r.resources) for (const v of r.verbs) out.add(`${v} ${g}/${res}`);
  }
  return out;
}
const stateObject = (api: FakeApiServer, plural: string, name: string) => api.state.get(plural)!.get(`${NS}/${name}`);
const events = (api: FakeApiServer) => api.kubeEvents.map((e) => {
  const o = e['involvedObject'] as { name: string; uid?: string };
  return `${o.name}${o.uid ? `(${o.uid})` : ''} ${e['type'] as string} ${e['reason'] as string}: ${e['message'] as string}`;
});

describe('the agent\'s state in Kubernetes', () => {
  it('an assignment and an announcement: Events, the annotation, a ServiceBGPStatus, ConfigurationState', async () => {
    const { api } = await setup();
    await waitFor('the ServiceBGPStatus status written', () => (stateObject(api, 'servicebgpstatuses', BGP_WEB)?.['status'] ? true : undefined), 20_000, 20);
    await waitFor('the annotation', () => ((api.get('services', 'default', 'web')?.metadata['annotations'] as Record<string, string> | undefined)?.['metallb.io/ip-allocated-from-pool'] ? true : undefined), 10_000, 20);
    await waitFor('the events', () => (events(api).length >= 3 ? true : undefined), 10_000, 20);
    expect(events(api).sort()).toEqual([
      'bad(uid-bad) Warning AllocationFailed: Failed to allocate IP for "default/bad": requested IPs 10.9.9.9 are not all in one pool that may serve this Service, or are held by a Service that may not share them',
      'web(uid-web) Normal IPAllocated: Assigned IP ["172.20.1.1"]',
      'web(uid-web) Normal nodeAssigned: announcing from node "n1" with protocol "bgp" to rtr',
    ]);
    expect(api.kubeEvents[0]).toMatchObject({ source: { component: 'vipgate-agent', host: 'n1' }, count: 1, involvedObject: { kind: 'Service', apiVersion: 'v1', namespace: 'default' } });
    expect(api.get('services', 'default', 'web')?.metadata['annotations']).toEqual({ 'metallb.io/ip-allocated-from-pool': 'default', 'metallb.universe.tf/ip-allocated-from-pool': 'default' });
    expect(stateObject(api, 'servicebgpstatuses', BGP_WEB)).toMatchObject({
      kind: 'ServiceBGPStatus', metadata: { labels: { 'metallb.io/node': 'n1', 'metallb.io/service-name': 'web', 'metallb.io/service-namespace': 'default' } },
      status: { node: 'n1', serviceName: 'web', serviceNamespace: 'default', peers: ['rtr'] },
    });
    await waitFor('both ConfigurationStates', () => (stateObject(api, 'configurationstates', 'controller')?.['status'] && stateObject(api, 'configurationstates', 'speaker-n1')?.['status'] ? true : undefined), 10_000, 20);
    expect(stateObject(api, 'configurationstates', 'speaker-n1')).toMatchObject({
      metadata: { labels: { 'metallb.io/component-type': 'speaker', 'metallb.io/node-name': 'n1' } },
      status: { result: 'Valid', errorSummary: '', conditions: [{ type: 'configReconcilerValid', status: 'True', reason: 'Reconciled' }] },
    });
    // each object written once: created, then its status; the annotation once; nothing else
    const writes = api.writes().filter((w) => !w.endsWith('/leases') && !w.includes('/leases/'));
    expect(writes.filter((w) => w.includes('servicebgpstatuses'))).toEqual([
      `POST /apis/metallb.io/v1beta1/namespaces/${NS}/servicebgpstatuses`, `PATCH /apis/metallb.io/v1beta1/namespaces/${NS}/servicebgpstatuses/${BGP_WEB}/status`,
    ]);
    expect(writes.filter((w) => w === 'PATCH /api/v1/namespaces/default/services/web')).toHaveLength(1);
    expect(writes.filter((w) => w.endsWith('/events'))).toHaveLength(3);
  }, 40_000);

  it('withdrawn (no endpoint left): nodeWithdrawn with the reason, the ServiceBGPStatus deleted; an invalid configuration: Invalid with the errors', async () => {
    const { api, feed } = await setup();
    await waitFor('announced', () => (stateObject(api, 'servicebgpstatuses', BGP_WEB)?.['status'] ? true : undefined), 20_000, 20);
    api.remove('endpointslices', 'default', 'web-1');
    await waitFor('deleted', () => (stateObject(api, 'servicebgpstatuses', BGP_WEB) === undefined ? true : undefined), 10_000, 20);
    expect(api.writes()).toContain(`DELETE /apis/metallb.io/v1beta1/namespaces/${NS}/servicebgpstatuses/${BGP_WEB}`);
    await waitFor('the withdrawal event', () => events(api).find((e) => e.includes('nodeWithdrawn')), 10_000, 20);
    expect(events(api).filter((e) => e.includes('nodeWithdrawn'))).toEqual(['web(uid-web) Normal nodeWithdrawn: withdrawn from node "n1": noEndpoints: the Service has no ready endpoint on any node']);
    // the RBAC of deploy/rbac-state.yaml is exactly what was used: announce, assign, withdraw
    expect(stateRequests(api)).toEqual(granted());
    feed.status = { valid: false, errors: ['BGPPeer/r.spec.peerASN: must be an AS number 1..4294967295, not "sixty"'], warnings: [] };
    await waitFor('Invalid', () => ((stateObject(api, 'configurationstates', 'speaker-n1')?.['status'] as { result?: string } | undefined)?.result === 'Invalid' ? true : undefined), 10_000, 20);
    expect(stateObject(api, 'configurationstates', 'speaker-n1')?.['status']).toMatchObject({
      errorSummary: 'BGPPeer/r.spec.peerASN: must be an AS number 1..4294967295, not "sixty"',
      conditions: [{ type: 'configReconcilerValid', status: 'False', reason: 'ConfigurationError', message: 'BGPPeer/r.spec.peerASN: must be an AS number 1..4294967295, not "sixty"' }],
    });
  }, 40_000);

  it('the API server refusing every state write: announcing goes on, the writes arrive once it answers', async () => {
    const { api, agent } = await setup((server) => {
      for (let i = 0; i < 4; i++) {
        server.fail.push({ path: '/api/v1/namespaces/default/events', watch: false, status: 503, method: 'POST' });
        server.fail.push({ path: `/apis/metallb.io/v1beta1/namespaces/${NS}/servicebgpstatuses`, watch: false, status: 503, method: 'POST' });
      }
    });
    // the route is announced while the state writes fail
    await waitFor('announced', () => (agent.announcer.desired().get('rtr')?.map((r) => formatPrefix(r.prefix)).join() === '172.20.1.1/32' ? true : undefined), 20_000, 20);
    await waitFor('the ServiceBGPStatus after the failures', () => (stateObject(api, 'servicebgpstatuses', BGP_WEB)?.['status'] ? true : undefined), 40_000, 50);
    const tried = api.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/servicebgpstatuses')).length;
    expect(tried).toBe(5);
  }, 60_000);
});
