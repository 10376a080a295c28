/**
 * The agent's failover settings in each config format: `peers[].bfd` (the router's neighbor bfd schema:
 * same limits, 300 ms x 3 when present), MetalLB's BFDProfile CRD named by BGPPeer.spec.bfdProfile and
 * the legacy ConfigMap's bfd-profiles (what vipgate cannot do is a warning), and the stop settings
 * (gracefulShutdown, gracefulRestart, shutdown) with their defaults and bounds; `auto` resolved per
 * source and node state.
 */
import { describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../../../src/agent/config/load.js';
import { resolveStopMode } from '../../../src/agent/agent.js';
import { nodeFromObject } from '../../../src/agent/source/manifests.js';
import { ConfigError } from '../../../src/config/error.js';

function issues(text: string): string[] {
  try {
    parseAgentConfig(text);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  throw new Error('expected a ConfigError');
}

const own = (peer: string, extra = ''): string => `
asn: 64512
peers: [{ address: 10.0.0.254, asn: 64513${peer} }]
pools: [{ name: p, addresses: [172.20.1.0/24] }]
${extra}`;

describe('vipgate format: peers[].bfd', () => {
  it('is off without the key or with enabled: false', () => {
    expect(parseAgentConfig(own('')).peers[0]!.bfd).toBeUndefined();
    expect(parseAgentConfig(own(', bfd: { enabled: false, minRx: 100 }')).peers[0]!.bfd).toBeUndefined();
  });

  it('present: 300 ms x 3 unless given; auth passes through with its key id default', () => {
    expect(parseAgentConfig(own(', bfd: {}')).peers[0]!.bfd).toEqual({ minRx: 300, minTx: 300, multiplier: 3 });
    expect(parseAgentConfig(own(', bfd: { minRx: 100, minTx: 50, multiplier: 5, auth: { type: keyed-sha1, password: s3cret } }')).peers[0]!.bfd)
      .toEqual({ minRx: 100, minTx: 50, multiplier: 5, auth: { type: 'keyed-sha1', keyId: 1, password: 's3cret' } });
  });

  it('has the router neighbor bfd limits and refuses unknown keys', () => {
    expect(issues(own(', bfd: { minRx: 5, multiplier: 0, auth: { type: md5, password: x } }'))).toEqual([
      'peers[0].bfd.minRx: must be at least 10, not 5',
      'peers[0].bfd.multiplier: must be at least 1, not 0',
      'peers[0].bfd.auth.type: must be one of "keyed-sha1", "meticulous-keyed-sha1", not "md5"',
    ]);
    expect(issues(own(', bfd: { interval: 100 }'))).toEqual(['peers[0].bfd.interval: unknown field']);
  });
});

describe('session socket: ebgpMultihop', () => {
  it('vipgate: true is TTL 255, a number is the hop count, false or absent the single-hop default', () => {
    expect(parseAgentConfig(own(', ebgpMultihop: true')).peers[0]!.ebgpMultihop).toBe(255);
    expect(parseAgentConfig(own(', ebgpMultihop: 3')).peers[0]!.ebgpMultihop).toBe(3);
    expect(parseAgentConfig(own(', ebgpMultihop: false')).peers[0]!.ebgpMultihop).toBeUndefined();
    expect(parseAgentConfig(own('')).peers[0]!.ebgpMultihop).toBeUndefined();
    expect(issues(own(', ebgpMultihop: 0'))).toEqual(['peers[0].ebgpMultihop: must be at least 1, not 0']);
    expect(issues(own(', ebgpMultihop: yes'))).toEqual(['peers[0].ebgpMultihop: must be true, false or a hop count 1..255, not "yes"']);
  });

  it('MetalLB: BGPPeer ebgpMultiHop and the legacy ebgp-multihop', () => {
    expect(parseAgentConfig(CRDS('{}', ', ebgpMultiHop: true')).peers[0]!.ebgpMultihop).toBe(255);
    expect(parseAgentConfig(CRDS('{}', ', ebgpMultiHop: false')).peers[0]!.ebgpMultihop).toBeUndefined();
    expect(parseAgentConfig(`
peers: [{ peer-address: 10.0.0.1, peer-asn: 64513, my-asn: 64512, ebgp-multihop: true }]
address-pools: [{ name: p, protocol: bgp, addresses: [10.1.0.0/24] }]
`).peers[0]!.ebgpMultihop).toBe(255);
  });
});

describe('vipgate format: stop settings', () => {
  it('defaults: drain 5 s, graceful restart on (120 s, /run/vipgate), shutdown auto', () => {
    const c = parseAgentConfig(own(''));
    expect(c.gracefulShutdown).toEqual({ drainSeconds: 5 });
    expect(c.gracefulRestart).toEqual({ enabled: true, restartTime: 120, stateDir: '/run/vipgate' });
    expect(c.shutdown).toBe('auto');
  });

  it('takes them, within bounds (drain at most 25 s, restart time 12 bits)', () => {
    const c = parseAgentConfig(own('', 'gracefulShutdown: { drainSeconds: 2 }\ngracefulRestart: { enabled: false, restartTime: 30, stateDir: /var/lib/vg }\nshutdown: graceful-restart'));
    expect([c.gracefulShutdown.drainSeconds, c.gracefulRestart, c.shutdown]).toEqual([2, { enabled: false, restartTime: 30, stateDir: '/var/lib/vg' }, 'graceful-restart']);
    expect(issues(own('', 'gracefulShutdown: { drainSeconds: 26 }\ngracefulRestart: { restartTime: 4096 }\nshutdown: reboot'))).toEqual([
      'gracefulShutdown.drainSeconds: must be at most 25, not 26',
      'gracefulRestart.restartTime: must be at most 4095, not 4096',
      'shutdown: must be one of "graceful-shutdown", "graceful-restart", "auto", not "reboot"',
    ]);
  });

  it('auto: a file source or a drained node (cordoned, being deleted) shuts down gracefully, a rollout restarts', () => {
    expect(resolveStopMode('auto', 'file', undefined)).toBe('graceful-shutdown');
    expect(resolveStopMode('auto', 'kubernetes', { unschedulable: false })).toBe('graceful-restart');
    expect(resolveStopMode('auto', 'kubernetes', undefined)).toBe('graceful-restart');
    expect(resolveStopMode('auto', 'kubernetes', { unschedulable: true })).toBe('graceful-shutdown');
    expect(resolveStopMode('auto', 'kubernetes', { deleting: true })).toBe('graceful-shutdown');
    expect(resolveStopMode('graceful-restart', 'file', undefined)).toBe('graceful-restart');
    expect(resolveStopMode('graceful-shutdown', 'kubernetes', {})).toBe('graceful-shutdown');
  });

  it('the Node object says so: spec.unschedulable (kubectl cordon/drain) and metadata.deletionTimestamp', () => {
    const node = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) =>
      nodeFromObject({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', ...metadata }, spec, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
    expect(resolveStopMode('auto', 'kubernetes', node({}))).toBe('graceful-restart');
    expect(node({ unschedulable: true })).toMatchObject({ unschedulable: true });
    expect(resolveStopMode('auto', 'kubernetes', node({ unschedulable: true }))).toBe('graceful-shutdown');
    expect(resolveStopMode('auto', 'kubernetes', node({}, { deletionTimestamp: '2026-11-26T14:00:00Z' }))).toBe('graceful-shutdown');
  });
});

const CRDS = (profile: string, peerExtra = ', bfdProfile: fast'): string => `
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: pool }
spec: { addresses: [172.20.1.0/24] }
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: { name: router }
spec: { myASN: 64512, peerASN: 64513, peerAddress: 192.168.10.254${peerExtra} }
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: { name: adv }
---
apiVersion: metallb.io/v1beta1
kind: BFDProfile
metadata: { name: fast, namespace: metallb-system }
spec: ${profile}
`;

describe('MetalLB BFDProfile', () => {
  it('maps receiveInterval, transmitInterval and detectMultiplier onto the peer', () => {
    const c = parseAgentConfig(CRDS('{ receiveInterval: 100, transmitInterval: 150, detectMultiplier: 4 }'));
    expect(c.peers[0]!.bfd).toEqual({ minRx: 100, minTx: 150, multiplier: 4 });
    expect(c.warnings).toEqual([]);
    expect(c.gracefulShutdown.drainSeconds).toBe(5);
  });

  it('an empty profile is 300 ms x 3; a peer without bfdProfile has no BFD', () => {
    expect(parseAgentConfig(CRDS('{}')).peers[0]!.bfd).toEqual({ minRx: 300, minTx: 300, multiplier: 3 });
    expect(parseAgentConfig(CRDS('{}', '')).peers[0]!.bfd).toBeUndefined();
  });

  it('passive mode is the passive role; echo mode and a single-hop minimumTtl are warned about, each by its field', () => {
    const c = parseAgentConfig(CRDS('{ echoMode: true, echoInterval: 50, passiveMode: true, minimumTtl: 254 }'));
    expect(c.peers[0]!.bfd).toEqual({ minRx: 300, minTx: 300, multiplier: 3, passive: true });
    expect(c.warnings).toEqual([
      'BFDProfile/fast.spec.echoMode: echo mode is not supported, BFD runs in asynchronous mode only',
      'BFDProfile/fast.spec.minimumTtl: ignored on a single-hop session: it accepts TTL 255 only (RFC 5881 5)',
    ]);
    expect(parseAgentConfig(CRDS('{ echoInterval: 50 }')).warnings).toEqual(['BFDProfile/fast.spec.echoInterval: ignored (no echo mode)']);
  });

  it('names a missing profile and out-of-range fields', () => {
    expect(issues(CRDS('{}', ', bfdProfile: slow'))).toEqual(['BGPPeer/router.spec.bfdProfile: no BFDProfile named "slow"']);
    expect(issues(CRDS('{ receiveInterval: 5, detectMultiplier: 1 }'))).toEqual([
      'BFDProfile/fast.spec.receiveInterval: must be at least 10, not 5',
      'BFDProfile/fast.spec.detectMultiplier: must be at least 2, not 1',
      'BGPPeer/router.spec.bfdProfile: no BFDProfile named "fast"',
    ]);
  });
});

describe('MetalLB legacy ConfigMap: bfd-profiles', () => {
  const LEGACY = (profiles: string, ref = 'fast'): string => `
peers:
- { peer-address: 192.168.10.254, peer-asn: 64513, my-asn: 64512, bfd-profile: ${ref} }
address-pools:
- { name: default, protocol: bgp, addresses: [172.20.1.0/24] }
bfd-profiles:
${profiles}`;

  it('maps the kebab-case fields and warns the same way', () => {
    const c = parseAgentConfig(LEGACY('- { name: fast, receive-interval: 100, transmit-interval: 100, detect-multiplier: 3, echo-mode: true }'));
    expect(c.format).toBe('metallb-configmap');
    expect(c.peers[0]!.bfd).toEqual({ minRx: 100, minTx: 100, multiplier: 3 });
    expect(c.warnings).toEqual(['bfd-profiles[0].echo-mode: echo mode is not supported, BFD runs in asynchronous mode only']);
    expect(c.gracefulRestart.enabled).toBe(true);
  });

  it('names a peer whose bfd-profile does not exist', () => {
    expect(issues(LEGACY('- { name: fast }', 'other'))).toEqual(['peers[0].bfd-profile: no entry named "other" in bfd-profiles']);
  });
});
