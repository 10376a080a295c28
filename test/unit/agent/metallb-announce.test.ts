/**
 * What MetalLB's fields do to assignments and announcements: IPAddressPool serviceAllocation in the
 * allocator (namespaces by name and by namespaceSelectors on the Namespaces' labels, serviceSelectors,
 * priority, such pools never used for other Services), the Service annotations under both prefixes, a
 * Service asking both ways, BGPAdvertisement serviceSelectors, one address family per session, Cluster
 * Services without a ready endpoint withdrawn (and the switch for the old behaviour), LOCAL_PREF
 * conflicts at announce time, and plan()'s reason for each Service this node does not announce.
 */
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { plan } from '../../../src/agent/announce/desired.js';
import { parseAgentConfig } from '../../../src/agent/config/load.js';
import type { AgentConfig } from '../../../src/agent/config/model.js';
import { Allocator } from '../../../src/agent/ipam/allocator.js';
import type { NamespaceInfo, ServiceInfo, Snapshot } from '../../../src/agent/model.js';
import { snapshotFromObjects, type KubeObject } from '../../../src/agent/source/manifests.js';
import { formatPrefix } from '../../../src/lib/address.js';
import { node, slice, svc } from './build.js';

const crds = (extra: string): AgentConfig => parseAgentConfig(`
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: { name: v4 }
spec: { myASN: 64512, peerASN: 64513, peerAddress: 192.168.10.254 }
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: { name: v6 }
spec: { myASN: 64512, peerASN: 64513, peerAddress: "fd00:10::254" }
---
${extra}`);

const pool = (name: string, addresses: string, extra = ''): string => `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: ${name} }
spec: { addresses: [${addresses}]${extra} }
---
`;
const ADV = 'apiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\nmetadata: { name: all }\n';

describe('IPAddressPool serviceAllocation (the allocator)', () => {
  const cfg = crds(`${pool('general', '172.20.1.0/24')}${pool('team-a', '172.20.2.0/24', ', serviceAllocation: { priority: 20, namespaces: [team-a] }')}${pool('labelled', '172.20.3.0/24', ', serviceAllocation: { priority: 10, namespaceSelectors: [{ matchLabels: { tier: gold } }] }')}${pool('apps', '172.20.4.0/24', ', serviceAllocation: { serviceSelectors: [{ matchExpressions: [{ key: app, operator: In, values: [bar] }] }] }')}${ADV}`);
  const namespaces: NamespaceInfo[] = [{ name: 'team-a', labels: {} }, { name: 'gold', labels: { tier: 'gold' } }, { name: 'both', labels: { tier: 'gold' } }];
  const assign = (services: ServiceInfo[]) => {
    const r = new Allocator(cfg.pools).reconcile(services, namespaces);
    return Object.fromEntries(services.map((s) => [`${s.namespace}/${s.name}`, r.assignments.get(`${s.namespace}/${s.name}`)?.pool ?? r.failures.get(`${s.namespace}/${s.name}`)]));
  };

  it('a namespace pinned by name or by its labels gets its pool; other Services the pools without serviceAllocation', () => {
    expect(assign([
      svc('x', { namespace: 'team-a' }), svc('y', { namespace: 'gold' }), svc('z', { namespace: 'default' }),
      svc('w', { namespace: 'default', labels: { app: 'bar' } }),
    ])).toEqual({ 'team-a/x': 'team-a', 'gold/y': 'labelled', 'default/z': 'general', 'default/w': 'apps' });
  });

  it('the lowest priority above 0 goes first, 0 last', () => {
    // both/…: labelled (priority 10) and apps (0, service selector) fit; labelled wins
    expect(assign([svc('v', { namespace: 'both', labels: { app: 'bar' } })])).toEqual({ 'both/v': 'labelled' });
  });

  it('a pool with serviceAllocation serves no Service it does not select, however the Service asks', () => {
    const r = assign([svc('p', { pool: 'team-a' }), svc('q', { requestedIPs: ['172.20.2.9'] })]);
    expect(r).toEqual({
      'default/p': 'pool "team-a" does not serve this Service: its serviceAllocation selects other namespaces or Services',
      'default/q': 'requested IPs 172.20.2.9 are not all in one pool that may serve this Service, or are held by a Service that may not share them',
    });
    expect(assign([svc('q', { namespace: 'team-a', requestedIPs: ['172.20.2.9'] })])).toEqual({ 'team-a/q': 'team-a' });
  });

  it('a full pinned pool falls back to the general pools', () => {
    const small = crds(`${pool('general', '172.20.1.0/24')}${pool('one', '172.20.2.1/32', ', serviceAllocation: { namespaces: [team-a] }')}${ADV}`);
    const r = new Allocator(small.pools).reconcile([svc('a', { namespace: 'team-a' }), svc('b', { namespace: 'team-a' })], namespaces);
    expect([r.assignments.get('team-a/a')?.ips, r.assignments.get('team-a/b')?.ips]).toEqual([['172.20.2.1'], ['172.20.1.0']]);
  });
});

describe('Service annotations', () => {
  const service = (annotations: Record<string, string>, spec: Record<string, unknown> = {}) => snapshotFromObjects([{
    apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default', annotations },
    spec: { type: 'LoadBalancer', ports: [{ port: 80 }], ...spec },
  } as KubeObject]).services[0]!;

  it('metallb.io/ and metallb.universe.tf/ are both read, metallb.io/ first', () => {
    expect(service({ 'metallb.io/loadBalancerIPs': '172.20.1.5', 'metallb.io/address-pool': 'p', 'metallb.io/allow-shared-ip': 'k' })).toMatchObject({ requestedIPs: ['172.20.1.5'], pool: 'p', sharingKey: 'k' });
    expect(service({ 'metallb.universe.tf/loadBalancerIPs': '172.20.1.6', 'metallb.universe.tf/address-pool': 'q' })).toMatchObject({ requestedIPs: ['172.20.1.6'], pool: 'q' });
    expect(service({ 'metallb.io/address-pool': 'new', 'metallb.universe.tf/address-pool': 'old' }).pool).toBe('new');
  });

  it('the annotation and spec.loadBalancerIP together: no address, with MetalLB\'s reason', () => {
    const s = service({ 'metallb.io/loadBalancerIPs': '172.20.1.5' }, { loadBalancerIP: '172.20.1.6' });
    const r = new Allocator(crds(`${pool('p', '172.20.1.0/24')}${ADV}`).pools).reconcile([s]);
    expect(r.failures.get('default/s')).toBe('both metallb.io/loadBalancerIPs and spec.loadBalancerIP are set: use one');
  });
});

describe('announcements', () => {
  const nodes = [node('n1', { zone: 'a' }), node('n2', { zone: 'b' })];
  const routes = (cfg: AgentConfig, snapshot: Snapshot, n = 'n1') => {
    const p = plan({ snapshot, config: cfg, node: n, ipsOf: (s) => s.ingressIPs });
    return {
      routes: Object.fromEntries([...p.state].map(([peer, list]) => [peer, list.map((a) => `${formatPrefix(a.prefix)}${a.localPref !== undefined ? ` lp=${a.localPref}` : ''}`)])),
      services: Object.fromEntries(p.services),
    };
  };
  const dual = svc('web', { ipFamilies: ['IPv4', 'IPv6'], dualStack: true, ingressIPs: ['172.20.1.1', 'fd00:172:20::1'] });
  const POOL = pool('p', '172.20.1.0/24, "fd00:172:20::/120"');

  it('a session carries its own address family (MetalLB\'s default); dualStackAddressFamily carries both', () => {
    expect(routes(crds(`${POOL}${ADV}`), { services: [dual], slices: [slice('web', { n2: 1 })], nodes }).routes).toEqual({
      v4: ['172.20.1.1/32'], v6: ['fd00:172:20::1/128'],
    });
    const both = crds(`${POOL}${ADV}`).peers.map((p) => ({ ...p, families: [4, 6] as const }));
    expect(routes({ ...crds(`${POOL}${ADV}`), peers: both }, { services: [dual], slices: [slice('web', { n2: 1 })], nodes }).routes).toEqual({
      v4: ['172.20.1.1/32', 'fd00:172:20::1/128'], v6: ['172.20.1.1/32', 'fd00:172:20::1/128'],
    });
  });

  it('a Cluster Service without a ready endpoint anywhere is withdrawn, unless announceClusterWithoutEndpoints', () => {
    const s: Snapshot = { services: [svc('web', { ingressIPs: ['172.20.1.1'] })], slices: [slice('web', {}, { n2: 2 })], nodes };
    const cfg = crds(`${POOL}${ADV}`);
    expect(routes(cfg, s)).toEqual({ routes: {}, services: { 'default/web': { peers: [], reason: 'noEndpoints: the Service has no ready endpoint on any node' } } });
    expect(routes({ ...cfg, announceClusterWithoutEndpoints: true }, s).routes).toEqual({ v4: ['172.20.1.1/32'] });
    // one ready endpoint on another node is enough for Cluster
    expect(routes(cfg, { ...s, slices: [slice('web', { n2: 1 })] }).routes).toEqual({ v4: ['172.20.1.1/32'] });
  });

  it('serviceSelectors: each advertisement for the Services it selects (production 200, staging 100)', () => {
    const cfg = crds(`${POOL}${['production: 200', 'staging: 100'].map((x) => {
      const [env, lp] = x.split(': ');
      return `apiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\nmetadata: { name: ${env} }\nspec: { ipAddressPools: [p], localPref: ${lp}, serviceSelectors: [{ matchLabels: { environment: ${env} } }] }`;
    }).join('\n---\n')}`);
    const s: Snapshot = {
      services: [svc('prod', { labels: { environment: 'production' }, ingressIPs: ['172.20.1.1'] }), svc('stage', { labels: { environment: 'staging' }, ingressIPs: ['172.20.1.2'] }), svc('other', { ingressIPs: ['172.20.1.3'] })],
      slices: ['prod', 'stage', 'other'].map((n) => slice(n, { n1: 1 })), nodes,
    };
    const r = routes(cfg, s);
    expect(r.routes).toEqual({ v4: ['172.20.1.1/32 lp=200', '172.20.1.2/32 lp=100'] });
    expect(r.services['default/other']).toEqual({ peers: [], reason: 'noMatchingAdvertisement: no advertisement selects its pool, this node and the Service' });
  });

  it('advertisements whose node selectors both pick this node and differ in LOCAL_PREF announce nothing of the Service', () => {
    const cfg = crds(`${POOL}apiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\nmetadata: { name: a }\nspec: { localPref: 100, nodeSelectors: [{ matchLabels: { zone: a } }] }\n---\napiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\nmetadata: { name: b }\nspec: { localPref: 200, nodeSelectors: [{ matchExpressions: [{ key: zone, operator: Exists }] }] }`);
    const s: Snapshot = { services: [svc('web', { ingressIPs: ['172.20.1.1'] })], slices: [slice('web', { n1: 1 })], nodes: [...nodes, node('n3')] };
    expect(routes(cfg, s, 'n1')).toEqual({ routes: {}, services: { 'default/web': { peers: [], reason: 'conflictingAdvertisements: BGPAdvertisement/a, BGPAdvertisement/b give its routes different LOCAL_PREFs' } } });
    expect(routes(cfg, s, 'n2').routes).toEqual({ v4: ['172.20.1.1/32 lp=200'] });
  });

  it('says why this node announces a Service to nobody', () => {
    const cfg = crds(`${POOL}${ADV}`);
    const s: Snapshot = {
      services: [svc('none'), svc('local', { externalTrafficPolicy: 'Local', ingressIPs: ['172.20.1.2'] }), svc('ok', { ingressIPs: ['172.20.1.3'] })],
      slices: [slice('local', { n2: 1 }), slice('ok', { n2: 1 })], nodes,
    };
    expect(routes(cfg, s).services).toEqual({
      'default/none': { peers: [], reason: 'noIPAllocated: no address assigned yet' },
      'default/local': { peers: [], reason: 'noLocalEndpoints: no ready endpoint of the Service on this node' },
      'default/ok': { peers: ['v4'] },
    });
    expect(routes(cfg, { ...s, nodes: [node('n1', {}, { ready: false })] }).services['default/ok']).toEqual({ peers: [], reason: 'node: this node is not Ready' });
  });

  it('Namespaces come from the file source with their labels', () => {
    const objects = parseAllDocuments('apiVersion: v1\nkind: Namespace\nmetadata: { name: gold, labels: { tier: gold } }').map((d) => d.toJS() as KubeObject);
    expect(snapshotFromObjects(objects).namespaces).toEqual([{ name: 'gold', labels: { tier: 'gold' } }]);
  });
});
