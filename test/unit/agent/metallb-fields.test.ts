/**
 * MetalLB's BGP-mode fields, each with MetalLB's meaning (src/agent/config/metallb-crds.ts,
 * metallb-peer.ts, metallb-configmap.ts): BGPPeer v1beta1/v1beta2 (dynamicASN, localASN, timers,
 * connectTime, passwordSecret from a Secret in the same files, enableGracefulRestart, ebgpMultiHop with
 * multihop BFD, address families, vrf and interface refused, disableMP warned, v1beta2 fields in a v1beta1
 * object warned), IPAddressPool serviceAllocation, BGPAdvertisement serviceSelectors, duplicates, LOCAL_PREF
 * conflicts, references to objects that do not exist, unknown fields (warned by path, never stripped
 * silently), the legacy ConfigMap's strictness and keys. Errors say what is wrong with the value as given.
 */
import { describe, expect, it } from 'vitest';
import { checkAgentConfig, parseAgentConfig } from '../../../src/agent/config/load.js';
import { ConfigError } from '../../../src/config/error.js';
import { parseAllDocuments } from 'yaml';

const POOL = `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: pool, namespace: metallb-system }
spec: { addresses: [172.20.1.0/24, "fd00:172:20::/120"] }`;
const ADV = `apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: { name: adv, namespace: metallb-system }`;
const peer = (spec: string, version = 'v1beta2', name = 'r'): string => `apiVersion: metallb.io/${version}
kind: BGPPeer
metadata: { name: ${name}, namespace: metallb-system }
spec: { myASN: 64512, peerAddress: 192.168.10.254, ${spec} }`;
const docs = (...d: string[]): string => d.join('\n---\n');

function check(yaml: string): { errors: string[]; warnings: string[] } {
  const r = checkAgentConfig(parseAllDocuments(yaml).map((d) => d.toJS() as unknown));
  return { errors: r.errors.map((i) => `${i.path}: ${i.message}`), warnings: r.warnings.map((i) => `${i.path}: ${i.message}`) };
}
const errors = (yaml: string): string[] => check(yaml).errors;
const onePeer = (spec: string, version?: string) => parseAgentConfig(docs(POOL, ADV, peer(spec, version))).peers[0]!;

describe('BGPPeer', () => {
  it('dynamicASN internal / external instead of peerASN; exactly one of them', () => {
    expect(onePeer('dynamicASN: external').peerAsn).toBe('external');
    expect(onePeer('dynamicASN: internal').peerAsn).toBe('internal');
    expect(onePeer('peerASN: 0, dynamicASN: internal').peerAsn).toBe('internal');
    expect(errors(docs(POOL, ADV, peer('peerASN: 64513, dynamicASN: external')))).toEqual(['BGPPeer/r.spec.dynamicASN: peerASN (64513) and dynamicASN exclude each other']);
    expect(errors(docs(POOL, ADV, peer('holdTime: 90s')))).toEqual(['BGPPeer/r.spec.peerASN: required, or dynamicASN: internal | external']);
    expect(errors(docs(POOL, ADV, peer('dynamicASN: sideways')))).toEqual(['BGPPeer/r.spec.dynamicASN: must be one of "internal", "external", not "sideways"']);
  });

  it('localASN is the AS this session presents', () => {
    expect(onePeer('peerASN: 64520, localASN: 65410')).toMatchObject({ myAsn: 65410, peerAsn: 64520 });
  });

  it('timers: one given, the other follows; hold 0 or >= 3 s; keepalive not above hold; connectTime 1..65535 s', () => {
    expect(onePeer('peerASN: 64513')).toMatchObject({ holdTime: 90, connectRetry: 5 });
    expect(onePeer('peerASN: 64513, holdTime: 9m0s, keepaliveTime: 0s')).toMatchObject({ holdTime: 540, keepalive: 0 });
    expect(onePeer('peerASN: 64513, keepaliveTime: 10s')).toMatchObject({ holdTime: 30, keepalive: 10 });
    expect(onePeer('peerASN: 64513, holdTime: 1m30s, connectTime: 120s')).toMatchObject({ holdTime: 90, connectRetry: 120 });
    expect(onePeer('peerASN: 64513, holdTime: 3500ms').holdTime).toBe(3);
  });

  it('names a bad timer with what is wrong with it', () => {
    expect(errors(docs(POOL, ADV, peer('peerASN: 64513, holdTime: 2s')))).toEqual(['BGPPeer/r.spec.holdTime: hold time 2s: must be 0 or at least 3 seconds (RFC 4271 4.2)']);
    expect(errors(docs(POOL, ADV, peer('peerASN: 64513, holdTime: 9s, keepaliveTime: 10s')))).toEqual(['BGPPeer/r.spec.keepaliveTime: 10s is above holdTime 9s']);
    expect(errors(docs(POOL, ADV, peer('peerASN: 64513, connectTime: 0s')))).toEqual(['BGPPeer/r.spec.connectTime: must be between 1 and 65535 seconds, not "0s"']);
    expect(errors(docs(POOL, ADV, peer('peerASN: 64513, holdTime: soon')))).toEqual(['BGPPeer/r.spec.holdTime: "soon" is not a duration like 90s or 1m30s']);
  });

  it('a session carries its peer address\'s family, both with dualStackAddressFamily; disableMP is warned as without effect', () => {
    expect(onePeer('peerASN: 64513').families).toEqual([4]);
    expect(onePeer('peerASN: 64513, dualStackAddressFamily: true').families).toEqual([4, 6]);
    expect(parseAgentConfig(docs(POOL, ADV, peer('peerASN: 64513').replace('192.168.10.254', '"fd00::1"'))).peers[0]!.families).toEqual([6]);
    expect(check(docs(POOL, ADV, peer('peerASN: 64513, disableMP: true'))).warnings).toEqual([
      'BGPPeer/r.spec.disableMP: deprecated in MetalLB and without effect: a session carries its own address family unless dualStackAddressFamily is set',
    ]);
  });

  it('enableGracefulRestart turns RFC 4724 on for that session only', () => {
    expect(onePeer('peerASN: 64513').gracefulRestart).toBe(false);
    expect(onePeer('peerASN: 64513, enableGracefulRestart: true').gracefulRestart).toBe(true);
  });

  it('ebgpMultiHop: TTL 255 and multihop BFD (minimumTtl, FRR\'s 254 by default); refused for iBGP', () => {
    const bfd = (p: string) => `apiVersion: metallb.io/v1beta1\nkind: BFDProfile\nmetadata: { name: fast, namespace: metallb-system }\nspec: ${p}`;
    const a = parseAgentConfig(docs(POOL, ADV, bfd('{ receiveInterval: 100 }'), peer('peerASN: 64513, ebgpMultiHop: true, bfdProfile: fast'))).peers[0]!;
    expect(a).toMatchObject({ ebgpMultihop: 255, bfd: { minRx: 100, multihop: { minTtl: 254 } } });
    const b = parseAgentConfig(docs(POOL, ADV, bfd('{ minimumTtl: 250 }'), peer('peerASN: 64513, ebgpMultiHop: true, bfdProfile: fast'))).peers[0]!;
    expect(b.bfd?.multihop).toEqual({ minTtl: 250 });
    expect(parseAgentConfig(docs(POOL, ADV, bfd('{}'), peer('peerASN: 64513, bfdProfile: fast'))).peers[0]!.bfd?.multihop).toBeUndefined();
    expect(errors(docs(POOL, ADV, peer('peerASN: 64512, ebgpMultiHop: true')))).toEqual(['BGPPeer/r.spec.ebgpMultiHop: peerASN 64512 is myASN: an iBGP peer cannot be multi-hop eBGP']);
  });

  it('vrf and interface are refused with the reason', () => {
    expect(errors(docs(POOL, ADV, peer('peerASN: 64513, vrf: red')))).toEqual(['BGPPeer/r.spec.vrf: VRFs are not supported: vipgate would open the session in the main routing table, not in "red"']);
    expect(errors(docs(POOL, ADV, `apiVersion: metallb.io/v1beta2\nkind: BGPPeer\nmetadata: { name: u }\nspec: { myASN: 64512, peerASN: 64513, interface: eth1 }`))).toEqual([
      'BGPPeer/u.spec.interface: unnumbered BGP (a session over an interface without a peer address) is not supported: set peerAddress',
    ]);
  });

  it('unknown fields are warnings with their path; a v1beta2 field in a v1beta1 object says so', () => {
    const r = check(docs(POOL, ADV, peer('peerASN: 64513, holdtime: 9s, nodeSelectors: [{ matchLabel: { a: b } }]'), peer('peerASN: 64513, connectTime: 10s', 'v1beta1', 'old').replace('192.168.10.254', '192.168.10.253')));
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([
      'BGPPeer/r.spec.nodeSelectors[0].matchLabel: unknown field, ignored',
      'BGPPeer/r.spec.holdtime: unknown field, ignored',
      'BGPPeer/old.spec.connectTime: is a field of BGPPeer v1beta2, not v1beta1: the API server drops it (use apiVersion metallb.io/v1beta2)',
    ]);
  });

  it('passwordSecret: a kubernetes.io/basic-auth Secret in the same files, key password', () => {
    const secret = (type: string, data: string) => `apiVersion: v1\nkind: Secret\nmetadata: { name: bgp, namespace: metallb-system }\ntype: ${type}\n${data}`;
    const ref = 'peerASN: 64513, passwordSecret: { name: bgp, namespace: metallb-system }';
    expect(parseAgentConfig(docs(POOL, ADV, peer(ref), secret('kubernetes.io/basic-auth', `data: { password: ${Buffer.from('s3cret').toString('base64')} }`))).peers[0]!.password).toBe('s3cret');
    expect(parseAgentConfig(docs(POOL, ADV, peer(ref), secret('kubernetes.io/basic-auth', 'stringData: { password: plain }'))).peers[0]!.password).toBe('plain');
    expect(errors(docs(POOL, ADV, peer(ref), secret('Opaque', 'stringData: { password: x }')))).toEqual(['BGPPeer/r.spec.passwordSecret.name: Secret "bgp" is of type "Opaque", kubernetes.io/basic-auth is needed']);
    expect(errors(docs(POOL, ADV, peer(ref), secret('kubernetes.io/basic-auth', 'stringData: { username: x }')))).toEqual(['BGPPeer/r.spec.passwordSecret.name: Secret "bgp" has no key "password"']);
    expect(errors(docs(POOL, ADV, peer(ref)))).toEqual(['BGPPeer/r.spec.passwordSecret.name: Secret "bgp" does not exist']);
    expect(errors(docs(POOL, ADV, peer(`${ref}, password: inline`), secret('kubernetes.io/basic-auth', 'stringData: { password: x }')))).toEqual(['BGPPeer/r.spec.passwordSecret: password and passwordSecret exclude each other']);
  });

  it('one router twice for the same nodes is refused, for different nodes accepted', () => {
    const two = (a: string, b: string) => docs(POOL, ADV, peer(`peerASN: 64513${a}`, 'v1beta2', 'a'), peer(`peerASN: 64513${b}`, 'v1beta2', 'b'));
    expect(errors(two('', ''))).toEqual(['BGPPeer/b.address: peer 192.168.10.254 is configured twice for the same nodes (also BGPPeer/a)']);
    expect(errors(two(', nodeSelectors: [{ matchLabels: { rack: a } }]', ', nodeSelectors: [{ matchLabels: { rack: b } }]'))).toEqual([]);
    expect(errors(two(', nodeSelectors: [{ matchLabels: { rack: a } }, { matchLabels: { rack: a } }]', ''))[0]).toBe('BGPPeer/a.spec.nodeSelectors[1]: duplicate definition of this node selector');
  });
});

describe('BGPAdvertisement and IPAddressPool', () => {
  const adv = (spec: string, name = 'adv') => `apiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\nmetadata: { name: ${name}, namespace: metallb-system }\nspec: ${spec}`;
  const PEER = peer('peerASN: 64513');

  it('serviceSelectors are kept, and exclude aggregation', () => {
    const c = parseAgentConfig(docs(POOL, PEER, adv('{ serviceSelectors: [{ matchLabels: { environment: production } }], localPref: 200 }')));
    expect(c.advertisements[0]).toMatchObject({ serviceSelectors: [{ matchLabels: { environment: 'production' } }], localPref: 200, aggregationLength: 32 });
    expect(errors(docs(POOL, PEER, adv('{ serviceSelectors: [{ matchLabels: { a: b } }], aggregationLength: 24, aggregationLengthV6: 64 }')))).toEqual([
      'BGPAdvertisement/adv.spec.aggregationLength: serviceSelectors and aggregationLength exclude each other: selected Services are announced as /32 routes only',
      'BGPAdvertisement/adv.spec.aggregationLengthV6: serviceSelectors and aggregationLengthV6 exclude each other: selected Services are announced as /128 routes only',
    ]);
  });

  it('a pool or peer that does not exist selects nothing (a warning); duplicates and a pool narrower than the aggregate are errors', () => {
    expect(check(docs(POOL, PEER, adv('{ ipAddressPools: [pool, nope], peers: [r, nobody] }'))).warnings).toEqual([
      'BGPAdvertisement/adv.pools[1]: no pool named "nope": this entry selects nothing',
      'BGPAdvertisement/adv.peers[1]: no peer named "nobody": this entry selects nothing',
    ]);
    expect(errors(docs(POOL, PEER, adv('{ ipAddressPools: [pool, pool], communities: ["1:1", "1:1"] }')))).toEqual([
      'BGPAdvertisement/adv.spec.ipAddressPools[1]: duplicate definition of "pool"',
      'BGPAdvertisement/adv.spec.communities[1]: duplicate definition of "1:1"',
    ]);
    // a range counts as the CIDRs it summarizes to: 172.20.2.240-172.20.2.250 holds a /29
    const range = POOL.replace('name: pool', 'name: r2').replace('[172.20.1.0/24, "fd00:172:20::/120"]', '["172.20.2.240-172.20.2.250"]');
    expect(errors(docs(POOL, range, PEER, adv('{ ipAddressPools: [r2], aggregationLength: 28 }')))).toEqual([
      'BGPAdvertisement/adv.aggregationLength: 28 is shorter than /29 of 172.20.2.240-172.20.2.250 in pool "r2": the aggregate would cover addresses outside the pool',
    ]);
  });

  it('two advertisements giving one route two LOCAL_PREFs are refused; other aggregation, other peers or service selectors make them compatible', () => {
    expect(errors(docs(POOL, PEER, adv('{ localPref: 100 }', 'a'), adv('{ localPref: 200 }', 'b')))).toEqual([
      'BGPAdvertisement/b.localPref: 200 conflicts with localPref 100 of BGPAdvertisement/a for pool "pool": the same routes to the same peers from the same nodes',
    ]);
    expect(errors(docs(POOL, PEER, adv('{ localPref: 100 }', 'a'), adv('{ localPref: 200, aggregationLength: 24, aggregationLengthV6: 120 }', 'b')))).toEqual([]);
    expect(errors(docs(POOL, PEER, adv('{ localPref: 100, serviceSelectors: [{ matchLabels: { a: b } }] }', 'a'), adv('{ localPref: 200 }', 'b')))).toEqual([]);
  });

  it('localPref 0 is "not set"; communities are AS:VALUE, large: or aliases', () => {
    const alias = 'apiVersion: metallb.io/v1beta1\nkind: Community\nmetadata: { name: c }\nspec: { communities: [{ name: NO_ADVERTISE, value: "65535:65282" }, { name: big, value: "large:1:2:3" }] }';
    const a = parseAgentConfig(docs(POOL, PEER, alias, adv('{ localPref: 0, communities: [NO_ADVERTISE, big, "64512:7"] }'))).advertisements[0]!;
    expect(a.localPref).toBeUndefined();
    expect([a.communities, a.largeCommunities]).toEqual([[0xffffff02, (64512 * 65536 + 7) >>> 0], [[1, 2, 3]]]);
    expect(errors(docs(POOL, PEER, alias.replace('"65535:65282"', '"65536:1"'), adv('{}')))).toEqual(['Community/c.spec.communities[0].value: "65536:1" is not AS:VALUE or large:G:L1:L2']);
  });

  it('serviceAllocation: priority, namespaces, namespaceSelectors, serviceSelectors; a CIDR with host bits is its network, as in Go', () => {
    const pool = POOL.replace('spec: { addresses: [172.20.1.0/24, "fd00:172:20::/120"] }', `spec:
  addresses: [198.51.100.10/24]
  serviceAllocation: { priority: 50, namespaces: [a, b], namespaceSelectors: [{ matchLabels: { foo: bar } }], serviceSelectors: [{ matchExpressions: [{ key: app, operator: In, values: [bar] }] }] }`);
    const c = parseAgentConfig(docs(pool, PEER, ADV));
    expect(c.pools[0]!.allocation).toEqual({ priority: 50, namespaces: ['a', 'b'], namespaceSelectors: [{ matchLabels: { foo: 'bar' }, matchExpressions: [] }], serviceSelectors: [{ matchLabels: {}, matchExpressions: [{ key: 'app', operator: 'In', values: ['bar'] }] }] });
    expect(c.pools[0]!.ranges[0]).toMatchObject({ first: 0xc6336400n, last: 0xc63364ffn });
    expect(errors(docs(pool.replace('namespaces: [a, b]', 'namespaces: [a, a]'), PEER, ADV))).toEqual(['IPAddressPool/pool.spec.serviceAllocation.namespaces[1]: duplicate definition of namespace "a"']);
  });

  it('Layer 2 objects, speaker state and other kinds are named, not dropped silently; a MetalLB config without peers is valid and idle', () => {
    const r = check(docs(POOL, ADV, 'apiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata: { name: l2 }',
      'apiVersion: metallb.io/v1beta1\nkind: ServiceBGPStatus\nmetadata: { name: bgp-x }', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: nginx }'));
    expect(r).toEqual({
      errors: [],
      warnings: [
        'L2Advertisement/l2: Layer 2 mode is not supported: vipgate announces over BGP only, so nothing answers ARP/NDP for these addresses',
        'ServiceBGPStatus/bgp-x: state that the speakers write, not configuration: ignored',
        'Deployment/nginx: not a MetalLB BGP configuration object (apps/v1): ignored',
        'peers: none: the agent announces to nobody until a BGP peer is configured',
      ],
    });
  });

  it('an object defined twice is an error', () => {
    expect(errors(docs(POOL, POOL.replace('172.20.1.0/24', '172.20.9.0/24'), peer('peerASN: 64513'), ADV))[0]).toBe('IPAddressPool/pool.metadata.name: IPAddressPool "pool" is defined twice');
  });
});

describe('MetalLB legacy ConfigMap', () => {
  const legacy = (extra: string) => `
peers: [{ peer-address: 10.0.0.1, peer-asn: 64513, my-asn: 64512${extra} }]
address-pools:
- name: default
  protocol: bgp
  addresses: [172.20.1.0/24, "fd00:172:20::/120"]
  bgp-advertisements: [{ aggregation-length: 24, aggregation-length-v6: 120, localpref: 50 }]
`;

  it('keepalive-time and aggregation-length-v6 are read; an unknown key is an error, as MetalLB 0.12 parsed strictly', () => {
    const c = parseAgentConfig(legacy(', keepalive-time: 10s, hold-time: 30s'));
    expect(c.peers[0]).toMatchObject({ holdTime: 30, keepalive: 10 });
    expect(c.advertisements[0]).toMatchObject({ aggregationLength: 24, aggregationLengthV6: 120, localPref: 50 });
    expect(() => parseAgentConfig(legacy(', hold-tme: 30s'))).toThrow(ConfigError);
    expect(errors(legacy(', hold-tme: 30s'))).toEqual(['peers[0].hold-tme: unknown field']);
    expect(errors(legacy(', keepalive-time: 100s'))).toEqual(['peers[0].keepalive-time: 100s is above hold-time 90s']);
  });

  it('a pool whose bgp-advertisements is empty gets one plain advertisement, as in MetalLB 0.12', () => {
    const c = parseAgentConfig(legacy('').replace('bgp-advertisements: [{ aggregation-length: 24, aggregation-length-v6: 120, localpref: 50 }]', 'bgp-advertisements: []'));
    expect(c.advertisements).toMatchObject([{ pools: ['default'], aggregationLength: 32, aggregationLengthV6: 128 }]);
  });
});
