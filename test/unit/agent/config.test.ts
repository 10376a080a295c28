/**
 * Agent configuration in its three formats: the seed's MetalLB ConfigMap as it is, MetalLB CRDs
 * (IPAddressPool, BGPPeer, BGPAdvertisement, Community), vipgate's own format; and validation that
 * names the field and the reason.
 */
import { describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../../../src/agent/config/load.js';
import { ConfigError } from '../../../src/config/error.js';

/** The seed's ConfigMap, verbatim apart from indentation. */
const SEED_CONFIGMAP = `
apiVersion: v1
kind: ConfigMap
metadata:
  namespace: metallb-system
  name: config
data:
  config: |
    peers:
    - peer-address: 192.168.10.254
      peer-asn: 64513
      my-asn: 64512
    address-pools:
    - name: default
      protocol: bgp
      avoid-buggy-ips: true
      addresses:
      - 172.20.1.0/24
`;

function issues(text: string): string[] {
  try {
    parseAgentConfig(text, 't');
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('MetalLB legacy ConfigMap', () => {
  it('reads the seed\'s ConfigMap as it is', () => {
    const c = parseAgentConfig(SEED_CONFIGMAP);
    expect(c.format).toBe('metallb-configmap');
    expect(c.peers).toMatchObject([{ address: '192.168.10.254', peerAsn: 64513, myAsn: 64512, port: 179, holdTime: 90 }]);
    expect(c.pools).toMatchObject([{ name: 'default', avoidBuggyIPs: true, autoAssign: true, ranges: [{ text: '172.20.1.0/24', cidrLength: 24 }] }]);
    expect(c.advertisements).toMatchObject([{ pools: ['default'], aggregationLength: 32, aggregationLengthV6: 128 }]);
  });

  it('reads the inner config text too, with named communities, advertisements and node selectors', () => {
    const c = parseAgentConfig(`
peers:
- { peer-address: 10.0.0.1, peer-asn: 64513, my-asn: 64512, hold-time: 1m30s, node-selectors: [{ match-labels: { rack: a } }] }
bgp-communities:
  no-adv: 65535:65282
address-pools:
- name: p
  protocol: bgp
  addresses: ["10.1.0.10-10.1.0.20"]
  bgp-advertisements:
  - { aggregation-length: 32, localpref: 150, communities: [no-adv, "64512:7"] }
`);
    expect(c.peers[0]).toMatchObject({ holdTime: 90, nodeSelectors: [{ matchLabels: { rack: 'a' } }] });
    expect(c.advertisements[0]).toMatchObject({ localPref: 150, communities: [0xffffff02, (64512 << 16 | 7) >>> 0] });
  });

  it('refuses layer2 pools and unknown community names, naming the field', () => {
    expect(issues(SEED_CONFIGMAP.replace('protocol: bgp', 'protocol: layer2'))).toEqual(['address-pools[0].protocol: layer2 is not supported: vipgate announces over BGP only']);
    expect(issues(`
peers: [{ peer-address: 10.0.0.1, peer-asn: 64513, my-asn: 64512 }]
address-pools: [{ name: p, protocol: bgp, addresses: [10.1.0.0/24], bgp-advertisements: [{ communities: [nope] }] }]
`)).toEqual(['address-pools[0].bgp-advertisements[0].communities[0]: "nope" is neither AS:VALUE nor a name in bgp-communities']);
  });
});

describe('MetalLB CRDs', () => {
  const CRDS = `
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: first, namespace: metallb-system, labels: { tier: public } }
spec:
  addresses: [172.20.1.0/24, "fd00:172:20::/120"]
  avoidBuggyIPs: true
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: { name: router, namespace: metallb-system }
spec: { myASN: 64512, peerASN: 64513, peerAddress: 192.168.10.254, holdTime: 9s, disableMP: true }
---
apiVersion: metallb.io/v1beta1
kind: Community
metadata: { name: communities, namespace: metallb-system }
spec:
  communities: [{ name: vpn-only, value: "1234:1" }, { name: big, value: "large:64512:1:2" }]
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: { name: adv, namespace: metallb-system }
spec:
  ipAddressPoolSelectors: [{ matchLabels: { tier: public } }]
  communities: [vpn-only, big, "64512:9"]
  localPref: 120
  aggregationLengthV6: 120
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: { name: l2 }
`;

  it('converts pools, peers, advertisements and community aliases; lists what it ignores', () => {
    const c = parseAgentConfig(CRDS);
    expect(c.format).toBe('metallb-crds');
    expect(c.peers).toMatchObject([{ name: 'router', address: '192.168.10.254', myAsn: 64512, peerAsn: 64513, holdTime: 9 }]);
    expect(c.advertisements).toMatchObject([{
      origin: 'BGPAdvertisement/adv', pools: ['first'], localPref: 120, aggregationLengthV6: 120,
      communities: [(1234 << 16 | 1) >>> 0, (64512 << 16 | 9) >>> 0], largeCommunities: [[64512, 1, 2]],
    }]);
    expect(c.warnings).toEqual([
      'L2Advertisement/l2: Layer 2 mode is not supported: vipgate announces over BGP only, so nothing answers ARP/NDP for these addresses',
      'BGPPeer/router.spec.disableMP: deprecated in MetalLB and without effect: a session carries its own address family unless dualStackAddressFamily is set',
    ]);
  });

  it('reads them from the List that `kubectl get ... -o yaml` prints', () => {
    const items = CRDS.split('---').map((d) => d.trim().split('\n').map((l) => `    ${l}`).join('\n').replace(/^    /, '  - '));
    const c = parseAgentConfig(`apiVersion: v1\nkind: List\nitems:\n${items.join('\n')}\n`);
    expect(c.format).toBe('metallb-crds');
    expect(c.pools.map((p) => p.name)).toEqual(['first']);
  });

  it('names the object and field of each problem', () => {
    expect(issues(CRDS.replace('peerASN: 64513', 'peerASN: 0').replace('holdTime: 9s', 'holdTime: 2s'))).toEqual([
      'BGPPeer/router.spec.peerASN: required, or dynamicASN: internal | external',
      'BGPPeer/router.spec.holdTime: hold time 2s: must be 0 or at least 3 seconds (RFC 4271 4.2)',
    ]);
    expect(issues(CRDS.replace('peerASN: 64513', 'peerASN: sixty'))).toEqual([
      'BGPPeer/router.spec.peerASN: must be an AS number 1..4294967295, not "sixty"',
    ]);
  });
});

describe('vipgate format and cross-field checks', () => {
  const OWN = `
asn: 64512
peers: [{ address: 10.0.0.254, asn: 64513 }]
pools:
  - { name: a, addresses: [172.20.1.0/24] }
`;

  it('defaults: one advertisement of every pool, link bandwidth 1000 Mbit/s per endpoint', () => {
    const c = parseAgentConfig(OWN);
    expect(c.advertisements).toEqual([{ origin: 'advertisements[0]', aggregationLength: 32, aggregationLengthV6: 128, communities: [], largeCommunities: [], peers: [], nodeSelectors: [] }]);
    expect(c.linkBandwidth).toEqual({ enabled: true, mbpsPerEndpoint: 1000 });
    expect(c.peers[0]).toMatchObject({ myAsn: 64512, peerAsn: 64513, name: '10.0.0.254' });
  });

  it('reports every problem with its path: typos, bad values, overlaps, references, aggregation', () => {
    expect(issues(`
asn: 64512
peers: [{ address: 10.0.0.254, asn: 64513, holdtime: 3 }, { address: 10.0.0.300, asn: 64513 }]
pools: [{ name: a, addresses: [172.20.1.0/24, "10.0.0.9-10.0.0.1"] }]
`)).toEqual([
      'peers[0].holdtime: unknown field',
      'peers[1].address: not an IP address: "10.0.0.300": Invalid IPv4 address.',
      'pools[0].addresses[1]: not a CIDR or an address range: "10.0.0.9-10.0.0.1": the first address is after the last',
    ]);
    expect(issues(`${OWN}  - { name: b, addresses: ["172.20.1.200-172.20.2.10"] }
advertisements:
  - { pools: [a, c], aggregationLength: 16, peers: [nobody] }
`)).toEqual([
      'pools[1].addresses: 172.20.1.200-172.20.2.10 overlaps 172.20.1.0/24 of pool "a": one address, one pool',
      'advertisements[0].aggregationLength: 16 is shorter than /24 of 172.20.1.0/24 in pool "a": the aggregate would cover addresses outside the pool',
      'advertisements[0].pools[1]: no pool named "c": this entry selects nothing',
      'advertisements[0].peers[0]: no peer named "nobody": this entry selects nothing',
    ]);
  });
});
