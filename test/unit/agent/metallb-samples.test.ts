/**
 * Every sample MetalLB's repository ships (configsamples/, the Layer 2 ones too) and every YAML example of
 * its documentation's BGP pages (test/fixtures/metallb/README.md names the commit, page and section of each
 * file, stored verbatim) goes through the check `vipgate agent --check` makes, and its meaning is checked
 * in what the agent would announce (src/agent/check.ts announcements: addresses assigned as the IPAM
 * leader would, then each node's routes to each peer, and why a Service is not announced). A sample that
 * names objects it does not define (a pool, a peer, a Secret) gets them from the test, named as such.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { announcements } from '../../../src/agent/check.js';
import { checkAgentConfig } from '../../../src/agent/config/load.js';
import type { AgentConfig } from '../../../src/agent/config/model.js';
import { parseManifests } from '../../../src/agent/source/file.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/metallb');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
const docs = (...texts: string[]): unknown[] => texts.flatMap((t) => parseAllDocuments(t).map((d) => d.toJS() as unknown)).filter((d) => d !== null);
const lines = (issues: readonly { path: string; message: string }[]): string[] => issues.map((i) => `${i.path}: ${i.message}`);

/** The check of the fixture with the objects the test adds; throws if the configuration is not valid. */
function check(name: string, ...added: string[]): { config: AgentConfig; warnings: string[] } {
  const r = checkAgentConfig(docs(fixture(name), ...added));
  if (!r.config) throw new Error(`${name} is not valid: ${lines(r.errors).join('; ')}`);
  return { config: r.config, warnings: lines(r.warnings) };
}
function refused(name: string, ...added: string[]): string[] {
  const r = checkAgentConfig(docs(fixture(name), ...added));
  expect(r.config).toBeUndefined();
  return lines(r.errors);
}

// objects the test adds to samples that leave them to other files
const peer = (name: string, address: string, asns = 'myASN: 64512, peerASN: 64513', extra = ''): string =>
  `apiVersion: metallb.io/v1beta2\nkind: BGPPeer\nmetadata: { name: ${name}, namespace: metallb-system }\nspec: { ${asns}, peerAddress: "${address}"${extra} }`;
const pool = (name: string, addresses: string, extra = ''): string =>
  `apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: { name: ${name}, namespace: metallb-system${extra} }\nspec: { addresses: [${addresses}] }`;
const EVERY_POOL = 'apiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\nmetadata: { name: added-by-the-test, namespace: metallb-system }';
const ROUTER = peer('router', '192.168.10.254');

// the cluster: Nodes, LoadBalancer Services and their ready endpoints
const nodeDoc = (name: string, labels = ''): string => `apiVersion: v1\nkind: Node\nmetadata: { name: ${name}, labels: { kubernetes.io/hostname: ${name}${labels} } }`;
function serviceDoc(name: string, o: { ip?: string; ns?: string; labels?: string; annotations?: string; families?: string; on?: string; policy?: string } = {}): string {
  const ns = o.ns ?? 'default';
  return `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: ${ns}${o.labels ? `, labels: { ${o.labels} }` : ''}${o.annotations ? `, annotations: { ${o.annotations} }` : ''} }
spec: { type: LoadBalancer, ${o.ip ? `loadBalancerIP: ${o.ip}, ` : ''}${o.families ?? ''}${o.policy ? `externalTrafficPolicy: ${o.policy}, ` : ''}ports: [{ port: 80, protocol: TCP }] }
---
${endpointsDoc(name, ns, o.on ?? 'n1')}`;
}
const endpointsDoc = (service: string, ns = 'default', on = 'n1'): string =>
  `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: { name: ${service}-1, namespace: ${ns}, labels: { kubernetes.io/service-name: ${service} } }\naddressType: IPv4\nendpoints: [{ addresses: [10.42.0.9], conditions: { ready: true }, nodeName: ${on} }]`;
const cluster = (...d: string[]): string => d.join('\n---\n');

function announced(c: AgentConfig, clusterYaml: string, nodes = ['n1']) {
  return announcements(c, parseManifests(clusterYaml), nodes);
}

describe('MetalLB configsamples/', () => {
  it('bgpadv_selectspool_by_label: only pools with the label are announced', () => {
    const { config, warnings } = check('configsamples/bgpadv_selectspool_by_label.yaml',
      pool('labelled', '172.20.1.0/24', ', labels: { test: bgp-with-advertisement }'), pool('other', '172.20.2.0/24'), ROUTER);
    expect(warnings).toEqual([]);
    const a = announced(config, cluster(nodeDoc('n1'), serviceDoc('a', { ip: '172.20.1.1' }), serviceDoc('b', { ip: '172.20.2.1' })));
    expect(a.nodes['n1']).toEqual({
      routes: { router: ['172.20.1.1/32 (default/a)'] },
      notAnnounced: { 'default/b': 'noMatchingAdvertisement: no advertisement selects its pool, this node and the Service' },
    });
  });

  it('bgpadv_selectspool_by_list: the named pool, to the named peer only', () => {
    const { config, warnings } = check('configsamples/bgpadv_selectspool_by_list.yaml',
      pool('test-addresspool', '172.20.1.0/24'), peer('ebgp-single-hop0', '192.168.10.254'), peer('other', '192.168.10.253'));
    expect(warnings).toEqual([]);
    expect(announced(config, cluster(nodeDoc('n1'), serviceDoc('a'))).nodes['n1']!.routes).toEqual({ 'ebgp-single-hop0': ['172.20.1.0/32 (default/a)'] });
  });

  it('bgpadvertisement_communities_localpref and bgpadvertisement_community_alias: 65535:65282 (no-advertise) and LOCAL_PREF 150', () => {
    for (const sample of ['bgpadvertisement_communities_localpref', 'bgpadvertisement_community_alias']) {
      const { config, warnings } = check(`configsamples/${sample}.yaml`, pool('bgp-with-advertisement', '172.20.1.0/24'), peer('router', '192.168.10.254', 'myASN: 64512, peerASN: 64512'));
      expect(warnings).toEqual([]);
      expect(announced(config, cluster(nodeDoc('n1'), serviceDoc('a'))).nodes['n1']!.routes).toEqual({ router: ['172.20.1.0/32 localPref 150, communities no-advertise (default/a)'] });
    }
  });

  it('bgpadvertisement_with_node_selector: announced from kind-control-plane and kind-worker, not kind-worker2', () => {
    const { config } = check('configsamples/bgpadvertisement_with_node_selector.yaml', pool('first-pool', '172.20.1.0/24'), ROUTER);
    const a = announced(config, cluster(nodeDoc('kind-control-plane'), nodeDoc('kind-worker'), nodeDoc('kind-worker2'), serviceDoc('a', { on: 'kind-worker2' })), ['kind-control-plane', 'kind-worker', 'kind-worker2']);
    expect(Object.fromEntries(Object.entries(a.nodes).map(([n, x]) => [n, x.routes]))).toEqual({
      'kind-control-plane': { router: ['172.20.1.0/32 (default/a)'] }, 'kind-worker': { router: ['172.20.1.0/32 (default/a)'] }, 'kind-worker2': {},
    });
  });

  it('bgppeer_simple, with_bfdprofile, with_session_options: the session as MetalLB makes it', () => {
    const simple = check('configsamples/bgppeer_simple.yaml').config.peers[0]!;
    expect(simple).toMatchObject({ name: 'peer', address: '172.30.0.3', myAsn: 64512, peerAsn: 64512, port: 179, holdTime: 90, families: [4], gracefulRestart: false });
    expect(simple.bfd).toBeUndefined();
    expect(check('configsamples/bgppeer_with_bfdprofile.yaml').config.peers[0]!.bfd).toEqual({ minRx: 380, minTx: 270, multiplier: 3 });
    expect(check('configsamples/bgppeer_with_session_options.yaml').config.peers[0]!.connectRetry).toBe(120);
  });

  it('bgppeer_withsecret: hold 9m0s, keepalive 0s, the password from the Secret the test adds', () => {
    const secret = `apiVersion: v1\nkind: Secret\nmetadata: { name: secretname, namespace: metallb-system }\ntype: kubernetes.io/basic-auth\ndata: { password: ${Buffer.from('md5-key').toString('base64')} }`;
    expect(check('configsamples/bgppeer_withsecret.yaml', secret).config.peers[0]).toMatchObject({ holdTime: 540, keepalive: 0, port: 179, password: 'md5-key' });
    expect(refused('configsamples/bgppeer_withsecret.yaml')).toEqual(['BGPPeer/peer-with-secret.spec.passwordSecret.name: Secret "secretname" does not exist']);
  });

  it('bgppeer_with_vrf: refused, VRFs are not supported', () => {
    expect(refused('configsamples/bgppeer_with_vrf.yaml')).toEqual(['BGPPeer/peer.spec.vrf: VRFs are not supported: vipgate would open the session in the main routing table, not in "red"']);
  });

  it('deployment_bgp: its own nginx Service gets the pool\'s first address, to the IPv4 peer only', () => {
    const { config, warnings } = check('configsamples/deployment_bgp.yaml');
    expect(warnings).toEqual(['Deployment/nginx: not a MetalLB BGP configuration object (apps/v1): ignored', 'Service/nginx: not a MetalLB BGP configuration object (v1): ignored']);
    const a = announced(config, cluster(fixture('configsamples/deployment_bgp.yaml'), nodeDoc('n1'), endpointsDoc('nginx')));
    expect(a.nodes['n1']!.routes).toEqual({ peer: ['192.168.10.0/32 (default/nginx)'] });
  });

  it('the Layer 2 samples: named as not supported, nothing announced', () => {
    for (const sample of ['deployment_l2', 'simple_pool_adv_l2', 'l2adv_selects_pools_by_list', 'l2adv_with_node_selector']) {
      const { config, warnings } = check(`configsamples/${sample}.yaml`, ROUTER);
      expect(warnings.filter((w) => w.includes('Layer 2 mode is not supported')), sample).toHaveLength(1);
      expect(config.advertisements, sample).toEqual([]);
    }
    const { config } = check('configsamples/simple_pool_adv_l2.yaml', ROUTER);
    expect(announced(config, cluster(nodeDoc('n1'), serviceDoc('a'))).nodes['n1']!.routes).toEqual({});
  });

  it('ipaddresspool_simple and simple_pool_adv_bgp: CIDRs and a range of both families', () => {
    const { config } = check('configsamples/simple_pool_adv_bgp.yaml', ROUTER, peer('router6', 'fc00:f853:ccd:e793::5'));
    const a = announced(config, cluster(nodeDoc('n1'), serviceDoc('a', { ip: '192.168.9.3' }),
      serviceDoc('b', { families: 'ipFamilyPolicy: RequireDualStack, ipFamilies: [IPv6, IPv4], ' })));
    expect(a.nodes['n1']!.routes).toEqual({
      router: ['192.168.10.0/32 (default/b)', '192.168.9.3/32 (default/a)'],
      router6: ['fc00:f853:ccd:e799::/128 (default/b)'],
    });
    expect(check('configsamples/ipaddresspool_simple.yaml', EVERY_POOL, ROUTER).config.pools[0]!.ranges.map((r) => r.text)).toEqual(['192.168.10.0/24', '192.168.9.1-192.168.9.5', 'fc00:f853:0ccd:e799::/124']);
  });

  it('ipaddresspool_with_selector: app=bar Services in namespace-a, namespace-b or a foo=bar namespace, .0 and .255 avoided', () => {
    const { config } = check('configsamples/ipaddresspool_with_selector.yaml', EVERY_POOL, ROUTER);
    const ns = (name: string, labels = '{}') => `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${name}, labels: ${labels} }`;
    const a = announced(config, cluster(nodeDoc('n1'), ns('namespace-a'), ns('labelled', '{ foo: bar }'), ns('plain'),
      serviceDoc('x', { ns: 'namespace-a', labels: 'app: bar' }), serviceDoc('y', { ns: 'labelled', labels: 'app: bar' }),
      serviceDoc('z', { ns: 'plain', labels: 'app: bar' }), serviceDoc('w', { ns: 'namespace-a', labels: 'app: foo' })));
    // Services are assigned in name order: labelled/y first
    expect(a.nodes['n1']!.routes).toEqual({ router: ['192.168.20.1/32 (labelled/y)', '192.168.20.2/32 (namespace-a/x)'] });
    expect(a.unassigned).toEqual({
      'namespace-a/w': 'no pool may serve this Service: none with autoAssign and without serviceAllocation, and none whose serviceAllocation selects it',
      'plain/z': 'no pool may serve this Service: none with autoAssign and without serviceAllocation, and none whose serviceAllocation selects it',
    });
  });
});

describe('MetalLB\'s documentation, BGP pages', () => {
  it('configuration: the basic BGP setup, every pool or the named one, from 192.168.1.240', () => {
    for (const example of ['configuration-bgp', 'configuration-bgp-pool-list']) {
      const { config, warnings } = check(`docs/${example}.yaml`);
      expect(warnings).toEqual([]);
      expect(config.peers[0]).toMatchObject({ name: 'sample', address: '10.0.0.1', myAsn: 64500, peerAsn: 64501 });
      expect(announced(config, cluster(nodeDoc('n1'), serviceDoc('a'))).nodes['n1']!.routes).toEqual({ sample: ['192.168.1.240/32 (default/a)'] });
    }
    expect(check('docs/configuration-ipaddresspool.yaml', EVERY_POOL, ROUTER).config.pools[0]!.ranges).toHaveLength(3);
  });

  it('configuration: BFD profile on a peer', () => {
    expect(check('docs/configuration-bfd.yaml').config.peers[0]!).toMatchObject({ name: 'peersample', bfd: { minRx: 380, minTx: 270, multiplier: 3 } });
  });

  it('advanced: aggregation: the /32 with LOCAL_PREF 100 and no-advertise, and the covering /24', () => {
    const { config } = check('docs/advanced-bgp-aggregation.yaml', peer('router', '192.168.10.254', 'myASN: 64512, peerASN: 64512'));
    const a = announced(config, cluster(nodeDoc('n1'), serviceDoc('web', { ip: '198.51.100.10' }), serviceDoc('db', { ip: '198.51.100.20' })));
    expect(a.nodes['n1']!.routes).toEqual({ router: [
      '198.51.100.0/24 (default/db, default/web)',
      '198.51.100.10/32 localPref 100, communities no-advertise (default/web)',
      '198.51.100.20/32 localPref 100, communities no-advertise (default/db)',
    ] });
  });

  it('advanced: peers limited to nodes (hostA, hostB, or rack=frontend but not network-speed=slow), port 180', () => {
    const { config } = check('docs/advanced-bgp-peer-node-selectors.yaml', pool('p', '172.20.1.0/24'), EVERY_POOL);
    expect(config.peers[0]!.port).toBe(180);
    const nodes = ['hostA', 'fast', 'slow', 'other'];
    const a = announced(config, cluster(nodeDoc('hostA'), nodeDoc('fast', ', rack: frontend'), nodeDoc('slow', ', rack: frontend, network-speed: slow'), nodeDoc('other'), serviceDoc('a')), nodes);
    expect(nodes.filter((n) => Object.keys(a.nodes[n]!.routes).length > 0)).toEqual(['hostA', 'fast']);
  });

  it('advanced: the Service announced from NodeA and NodeB only', () => {
    const { config } = check('docs/advanced-bgp-advertisement-node-selectors.yaml', pool('first-pool', '172.20.1.0/24'), ROUTER);
    const a = announced(config, cluster(nodeDoc('NodeA'), nodeDoc('NodeB'), nodeDoc('NodeC'), serviceDoc('a', { on: 'NodeC' })), ['NodeA', 'NodeB', 'NodeC']);
    expect([a.nodes['NodeA']!.routes, a.nodes['NodeB']!.routes, a.nodes['NodeC']!.routes]).toEqual([{ router: ['172.20.1.0/32 (default/a)'] }, { router: ['172.20.1.0/32 (default/a)'] }, {}]);
  });

  it('advanced: PoolA announced to PeerA and PeerB, not PeerC', () => {
    const { config } = check('docs/advanced-bgp-advertisement-peers.yaml', pool('PoolA', '198.51.100.10/24'),
      peer('PeerA', '192.168.10.1'), peer('PeerB', '192.168.10.2'), peer('PeerC', '192.168.10.3'));
    expect(announced(config, cluster(nodeDoc('n1'), serviceDoc('a'))).nodes['n1']!.routes).toEqual({ PeerA: ['198.51.100.0/32 (default/a)'], PeerB: ['198.51.100.0/32 (default/a)'] });
  });

  it('advanced: serviceSelectors, production at LOCAL_PREF 200, staging at 100, others not at all', () => {
    const { config } = check('docs/advanced-bgp-service-selectors.yaml', pool('first-pool', '172.20.1.0/24'), ROUTER);
    const a = announced(config, cluster(nodeDoc('n1'), serviceDoc('p', { ip: '172.20.1.1', labels: 'environment: production' }), serviceDoc('s', { ip: '172.20.1.2', labels: 'environment: staging' }), serviceDoc('o', { ip: '172.20.1.3' })));
    expect(a.nodes['n1']!.routes).toEqual({ router: ['172.20.1.1/32 localPref 200 (default/p)', '172.20.1.2/32 localPref 100 (default/s)'] });
    expect(a.nodes['n1']!.notAnnounced['default/o']).toMatch(/^noMatchingAdvertisement/);
  });

  it('advanced: source address on the peer of node-1 only', () => {
    const { config } = check('docs/advanced-bgp-source-address.yaml', pool('p', '172.20.1.0/24'), EVERY_POOL);
    expect(config.peers[0]).toMatchObject({ sourceAddress: '172.30.0.2', port: 179 });
    const a = announced(config, cluster(nodeDoc('node-1'), nodeDoc('node-2'), serviceDoc('a')), ['node-1', 'node-2']);
    expect([Object.keys(a.nodes['node-1']!.routes), Object.keys(a.nodes['node-2']!.routes)]).toEqual([['example'], []]);
  });

  it('advanced: community aliases (vpn-only is 1234:1) with LOCAL_PREF 100', () => {
    const { config } = check('docs/advanced-bgp-community-aliases.yaml', pool('first-pool', '172.20.1.0/24'), ROUTER);
    expect(announced(config, cluster(nodeDoc('n1'), serviceDoc('a'))).nodes['n1']!.routes).toEqual({ router: ['172.20.1.0/32 localPref 100, communities 1234:1 (default/a)'] });
  });

  it('advanced: VRF refused; FRRConfiguration named as ignored; graceful restart per peer; localASN', () => {
    expect(refused('docs/advanced-bgp-vrf.yaml')).toEqual(['BGPPeer/example.spec.vrf: VRFs are not supported: vipgate would open the session in the main routing table, not in "red"']);
    expect(check('docs/advanced-bgp-frr-k8s.yaml').warnings).toEqual(['FRRConfiguration/with-recv: not a MetalLB BGP configuration object (frrk8s.metallb.io/v1beta1): ignored']);
    expect(check('docs/advanced-bgp-graceful-restart.yaml').config.peers[0]!.gracefulRestart).toBe(true);
    expect(check('docs/advanced-bgp-local-asn.yaml').config.peers[0]).toMatchObject({ myAsn: 65410, peerAsn: 64520 });
  });

  it('advanced: autoAssign false keeps the expensive pool for Services that ask for it', () => {
    const { config } = check('docs/advanced-ipaddresspool-auto-assign.yaml', EVERY_POOL, ROUTER);
    const a = announced(config, cluster(nodeDoc('n1'), serviceDoc('plain'), serviceDoc('asks', { annotations: 'metallb.io/address-pool: expensive' }), serviceDoc('ip', { ip: '42.176.25.66' })));
    expect(a.nodes['n1']!.routes).toEqual({ router: ['192.168.10.0/32 (default/plain)', '42.176.25.64/32 (default/asks)', '42.176.25.66/32 (default/ip)'] });
  });

  it('advanced: serviceAllocation example (the same as configsamples/ipaddresspool_with_selector)', () => {
    expect(check('docs/advanced-ipaddresspool-service-allocation.yaml', EVERY_POOL, ROUTER).config.pools[0]!.allocation)
      .toEqual(check('configsamples/ipaddresspool_with_selector.yaml', EVERY_POOL, ROUTER).config.pools[0]!.allocation);
  });

  it('advanced: PreferDualStack takes both families from the dual-stack pool, else the first family (IPv6) alone', () => {
    const pools = [pool('ipv4-pool', '172.20.4.0/24'), pool('ipv6-pool', '"fd00:6::/120"'), pool('dualstack-pool', '172.20.46.0/24, "fd00:46::/120"')];
    const svc = cluster(nodeDoc('n1'), fixture('docs/advanced-ipaddresspool-prefer-dual-stack-service.yaml'), endpointsDoc('my-app'));
    const both = dualStackCase(check('docs/advanced-ipaddresspool-prefer-dual-stack.yaml', ...pools, peer('r', '192.168.10.254', 'myASN: 64512, peerASN: 64513', ', dualStackAddressFamily: true')).config, svc);
    expect(both).toEqual(['172.20.46.0/32 (default/my-app)', 'fd00:46::/128 (default/my-app)']);
    const without = check('docs/advanced-ipaddresspool-prefer-dual-stack.yaml', ...pools.slice(0, 2), peer('r', '192.168.10.254', 'myASN: 64512, peerASN: 64513', ', dualStackAddressFamily: true'));
    expect(dualStackCase(without.config, svc)).toEqual(['fd00:6::/128 (default/my-app)']);
  });

  it('usage: requested IPs, a requested pool and shared IPs, with the metallb.io/ annotations', () => {
    const { config } = check('docs/configuration-bgp.yaml', pool('production-public-ips', '203.0.113.0/24'), pool('shared', '1.2.3.0/24'));
    const a = announced(config, cluster(nodeDoc('n1'), fixture('docs/usage-address-pool.yaml'), endpointsDoc('nginx'), fixture('docs/usage-shared-ip.yaml'), endpointsDoc('dns-service-tcp'), endpointsDoc('dns-service-udp')));
    expect(a.nodes['n1']!.routes).toEqual({ sample: ['1.2.3.4/32 (default/dns-service-tcp, default/dns-service-udp)', '203.0.113.0/32 (default/nginx)'] });
    const b = announced(check('docs/configuration-bgp.yaml', pool('lan', '192.168.1.0/25')).config, cluster(nodeDoc('n1'), fixture('docs/usage-requested-ip.yaml'), endpointsDoc('nginx')));
    expect(b.nodes['n1']!.routes).toEqual({ sample: ['192.168.1.100/32 (default/nginx)'] });
  });
});

/** The routes of a PreferDualStack Service, whichever peer carries them. */
function dualStackCase(c: AgentConfig, clusterYaml: string): string[] {
  return [...new Set(Object.values(announced(c, clusterYaml).nodes['n1']!.routes).flat())].sort();
}
