/**
 * Snapshot → announcements, the pure rules of src/agent/announce/desired.ts: externalTrafficPolicy
 * Cluster (every ready node) and Local (only nodes with ready local endpoints, link bandwidth = ready
 * local endpoints x 1000 Mbit/s), node readiness and exclusion, pools and advertisements (communities,
 * large communities, local preference, aggregation, node selectors, peers), peers chosen per node
 * selector, IP sharing, externalIPs, dual stack.
 */
import { describe, expect, it } from 'vitest';
import { desiredAnnouncements, peersForNode, type DesiredState } from '../../../src/agent/announce/desired.js';
import type { AgentConfig } from '../../../src/agent/config/model.js';
import type { ServiceInfo, Snapshot } from '../../../src/agent/model.js';
import { formatPrefix } from '../../../src/lib/address.js';
import { BASE_CONFIG, config, node, slice, svc } from './build.js';

const NODES = [node('n1'), node('n2'), node('n3')];

function run(snapshot: Snapshot, nodeName: string, cfg: AgentConfig = config(), ips: Record<string, string[]> = {}): DesiredState {
  return desiredAnnouncements({ snapshot, config: cfg, node: nodeName, ipsOf: (s: ServiceInfo) => ips[s.name] ?? s.ingressIPs });
}

/** peer → "prefix bw=N lp=N c=..." lines, readable in failures. */
function lines(d: DesiredState): Record<string, string[]> {
  return Object.fromEntries([...d].map(([peer, list]) => [peer, list.map((a) => [
    formatPrefix(a.prefix),
    ...(a.bandwidthMbps !== undefined ? [`bw=${a.bandwidthMbps}`] : []),
    ...(a.localPref !== undefined ? [`lp=${a.localPref}`] : []),
    ...(a.communities.length ? [`c=${a.communities.map((c) => `${c >>> 16}:${c & 0xffff}`).join(',')}`] : []),
    ...(a.largeCommunities.length ? [`lc=${a.largeCommunities.map((c) => c.join(':')).join(',')}`] : []),
  ].join(' '))]));
}

describe('externalTrafficPolicy', () => {
  const web = svc('web', { ingressIPs: ['172.20.1.1'] });
  const local = svc('api', { externalTrafficPolicy: 'Local', ingressIPs: ['172.20.1.2'] });
  const snapshot: Snapshot = { services: [web, local], slices: [slice('web', { n1: 1 }), slice('api', { n1: 3, n2: 1 }, { n3: 2 })], nodes: NODES };

  it('Cluster is announced from every ready node, with no link bandwidth', () => {
    for (const n of ['n1', 'n2', 'n3']) expect(lines(run(snapshot, n))['192.168.10.254']).toContain('172.20.1.1/32');
  });

  it('Local only from nodes with ready local endpoints, weighted by their number', () => {
    expect(lines(run(snapshot, 'n1'))['192.168.10.254']).toEqual(['172.20.1.1/32', '172.20.1.2/32 bw=3000']);
    expect(lines(run(snapshot, 'n2'))['192.168.10.254']).toEqual(['172.20.1.1/32', '172.20.1.2/32 bw=1000']);
    // n3 has two endpoints, none ready
    expect(lines(run(snapshot, 'n3'))['192.168.10.254']).toEqual(['172.20.1.1/32']);
  });

  it('an EndpointSlice change moves the Local route and its weight', () => {
    const moved: Snapshot = { ...snapshot, slices: [slice('web', { n1: 1 }), slice('api', { n2: 2, n3: 2 })] };
    expect(lines(run(moved, 'n1'))['192.168.10.254']).toEqual(['172.20.1.1/32']);
    expect(lines(run(moved, 'n3'))['192.168.10.254']).toEqual(['172.20.1.1/32', '172.20.1.2/32 bw=2000']);
  });

  it('link bandwidth follows mbpsPerEndpoint and can be turned off', () => {
    expect(lines(run(snapshot, 'n1', config(`${BASE_CONFIG}linkBandwidth: { mbpsPerEndpoint: 10 }\n`)))['192.168.10.254']).toContain('172.20.1.2/32 bw=30');
    expect(lines(run(snapshot, 'n1', config(`${BASE_CONFIG}linkBandwidth: { enabled: false }\n`)))['192.168.10.254']).toContain('172.20.1.2/32');
  });
});

describe('nodes', () => {
  const snapshot = (nodes = NODES): Snapshot => ({ services: [svc('web', { ingressIPs: ['172.20.1.1'] })], slices: [], nodes });

  it('a node that is not Ready, excluded from load balancers, or unknown announces nothing', () => {
    expect(run(snapshot([node('n1', {}, { ready: false })]), 'n1').size).toBe(0);
    expect(run(snapshot([node('n1', {}, { excluded: true })]), 'n1').size).toBe(0);
    expect(run(snapshot(), 'n9').size).toBe(0);
  });

  it('Services that are not LoadBalancer, of another class, or without IPs are not announced', () => {
    const s: Snapshot = {
      services: [svc('a', { type: 'ClusterIP', ingressIPs: ['172.20.1.5'] }), svc('b', { loadBalancerClass: 'other', ingressIPs: ['172.20.1.6'] }), svc('c')],
      slices: [], nodes: NODES,
    };
    expect(run(s, 'n1').size).toBe(0);
  });

  it('IPs outside every pool (another controller\'s) are not announced', () => {
    expect(run({ ...snapshot(), services: [svc('x', { ingressIPs: ['10.9.9.9'] })] }, 'n1').size).toBe(0);
  });
});

describe('advertisements and peers', () => {
  const cfg = config(`
asn: 64512
routerId: 10.0.0.1
peers:
  - { address: 192.168.10.254, asn: 64513, name: rack-a, nodeSelectors: [{ matchLabels: { rack: a } }] }
  - { address: 192.168.20.254, asn: 64513, name: rack-b, nodeSelectors: [{ matchExpressions: [{ key: rack, operator: In, values: [b] }] }] }
  - { address: 192.168.30.254, asn: 64512, name: core }
pools:
  - { name: public, addresses: [172.20.1.0/24] }
  - { name: internal, addresses: ["10.50.0.10-10.50.0.20"] }
advertisements:
  - { pools: [public], communities: ["64512:100", no-export], largeCommunities: ["64512:1:2"], localPref: 200 }
  - { pools: [public], aggregationLength: 24, peers: [core], nodeSelectors: [{ matchExpressions: [{ key: edge, operator: Exists }] }] }
  - { pools: [internal], peers: [core] }
`);
  const nodes = [node('a1', { rack: 'a', edge: 'yes' }), node('b1', { rack: 'b' })];
  const snapshot: Snapshot = {
    services: [svc('pub', { ingressIPs: ['172.20.1.7'] }), svc('int', { ingressIPs: ['10.50.0.11'] })], slices: [slice('pub', { b1: 1 }), slice('int', { b1: 1 })], nodes,
  };

  it('peers are chosen by node selectors', () => {
    expect(peersForNode(cfg, nodes[0]).map((p) => p.name)).toEqual(['rack-a', 'core']);
    expect(peersForNode(cfg, nodes[1]).map((p) => p.name)).toEqual(['rack-b', 'core']);
  });

  it('each pool goes out with its advertisements\' attributes, aggregation and peers', () => {
    expect(lines(run(snapshot, 'a1', cfg))).toEqual({
      'rack-a': ['172.20.1.7/32 lp=200 c=64512:100,65535:65281 lc=64512:1:2'],
      core: ['10.50.0.11/32', '172.20.1.0/24', '172.20.1.7/32 lp=200 c=64512:100,65535:65281 lc=64512:1:2'],
    });
    // b1 has no `edge` label: no aggregate from it
    expect(lines(run(snapshot, 'b1', cfg))).toEqual({
      'rack-b': ['172.20.1.7/32 lp=200 c=64512:100,65535:65281 lc=64512:1:2'],
      core: ['10.50.0.11/32', '172.20.1.7/32 lp=200 c=64512:100,65535:65281 lc=64512:1:2'],
    });
  });

  it('an aggregate of Local Services carries the sum of their local endpoints', () => {
    const s: Snapshot = {
      services: [svc('l1', { externalTrafficPolicy: 'Local', ingressIPs: ['172.20.1.7'] }), svc('l2', { externalTrafficPolicy: 'Local', ingressIPs: ['172.20.1.8'] })],
      slices: [slice('l1', { a1: 2 }), slice('l2', { a1: 1 })], nodes,
    };
    expect(lines(run(s, 'a1', cfg))['core']).toContain('172.20.1.0/24 bw=3000');
  });
});

describe('sharing, externalIPs, dual stack', () => {
  it('two Services sharing one IP give one route; Local endpoints of both count', () => {
    const a = svc('dns-tcp', { externalTrafficPolicy: 'Local', sharingKey: 'dns', selector: 'app=dns', ingressIPs: ['172.20.1.53'] });
    const b = svc('dns-udp', { externalTrafficPolicy: 'Local', sharingKey: 'dns', selector: 'app=dns', ports: [{ protocol: 'UDP', port: 53 }], ingressIPs: ['172.20.1.53'] });
    const d = run({ services: [a, b], slices: [slice('dns-tcp', { n1: 2 }), slice('dns-udp', { n1: 2 })], nodes: NODES }, 'n1');
    const [route] = d.get('192.168.10.254')!;
    expect(route!.services).toEqual(['default/dns-tcp', 'default/dns-udp']);
    expect(route!.bandwidthMbps).toBe(4000);
    expect(d.get('192.168.10.254')).toHaveLength(1);
  });

  it('spec.externalIPs are announced only when enabled, as host routes with their attributes', () => {
    const s: Snapshot = { services: [svc('legacy', { type: 'ClusterIP', externalIPs: ['192.168.10.200'] })], slices: [], nodes: NODES };
    expect(run(s, 'n1').size).toBe(0);
    const cfg = config(`${BASE_CONFIG}externalIPs: { enabled: true, communities: ["64512:300"] }\n`);
    expect(lines(run(s, 'n2', cfg))).toEqual({ '192.168.10.254': ['192.168.10.200/32 c=64512:300'] });
  });

  it('a dual-stack Service is announced as a /32 and a /128', () => {
    const s: Snapshot = { services: [svc('ds', { ipFamilies: ['IPv4', 'IPv6'], dualStack: true, ingressIPs: ['172.20.1.9', 'fd00:172:20::9'] })], slices: [slice('ds', { n3: 1 })], nodes: NODES };
    expect(lines(run(s, 'n1'))['192.168.10.254']).toEqual(['172.20.1.9/32', 'fd00:172:20::9/128']);
  });
});
