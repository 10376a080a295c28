/**
 * What a new configuration changes (src/agent/reconfigure.ts) and what Agent.reconfigure does with it, on a
 * fake clock: sessions kept, reset (session parameters, BGP identifier, graceful restart capability),
 * closed or opened; BFD-only changes; settings that need a restart; assignments and announcements
 * recomputed from new pools, advertisements, externalIPs and link bandwidth; BFD started, replaced and
 * ended by a reload over a recording transport while BGP stays as it is. The peers are loopback
 * addresses on a port nothing listens on: the sessions stay in Connect/Active, which is all this needs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '../../../src/agent/agent.js';
import { configFromMetallbObjects, parseAgentSettings } from '../../../src/agent/config/load.js';
import type { AgentConfig } from '../../../src/agent/config/model.js';
import type { Snapshot } from '../../../src/agent/model.js';
import { peerChanges, restartOnlyChanges } from '../../../src/agent/reconfigure.js';
import type { KubeObject } from '../../../src/agent/source/manifests.js';
import type { Source } from '../../../src/agent/source/source.js';
import { ConfigError } from '../../../src/config/error.js';
import { FakeClock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/log.js';
import type { TransportFactory } from '../../../src/bfd/service.js';
import { waitFor } from '../../helpers/netns.js';
import { config, node, slice, svc } from './build.js';

const ID = { routerId: '10.0.0.1', gracefulRestart: { restartTime: 120 } };

const yaml = (peers: string, rest = ''): AgentConfig => config(`
asn: 64512
routerId: 10.0.0.1
peers:
${peers}
pools: [{ name: default, addresses: [172.20.1.0/24] }]
${rest}`);

describe('peerChanges', () => {
  const before = yaml(`
  - { name: a, address: 127.0.0.11, port: 9, asn: 64513 }
  - { name: b, address: 127.0.0.12, port: 9, asn: 64513 }
  - { name: c, address: 127.0.0.13, port: 9, asn: 64513 }
  - { name: d, address: 127.0.0.14, port: 9, asn: 64513, bfd: { minRx: 300, minTx: 300, multiplier: 3 } }
  - { name: e, address: 127.0.0.15, port: 9, asn: 64513 }`);

  it('keeps what only moved, was renamed or changed node selectors, resets changed sessions, replaces a moved address', () => {
    const after = yaml(`
  - { name: f, address: 127.0.0.16, port: 9, asn: 64513 }
  - { name: a2, address: 127.0.0.11, port: 9, asn: 64513, nodeSelectors: [{ matchLabels: { rack: r1 } }] }
  - { name: b, address: 127.0.0.12, port: 9, asn: 64513, holdTime: 30 }
  - { name: d, address: 127.0.0.14, port: 9, asn: 64513, bfd: { minRx: 100, minTx: 100, multiplier: 3 } }
  - { name: e, address: 127.0.0.25, port: 9, asn: 64513 }`);
    expect(peerChanges(before.peers, ID, after.peers, ID)).toEqual({
      added: ['f', 'e'], removed: ['c', 'e'], reset: ['b'], bfd: ['d'], unchanged: ['a2'],
    });
  });

  it('each session parameter resets: ASNs, keepalive, connect retry, password, TTL, source address, port is a new peer', () => {
    const one = (extra: string) => yaml(`  - { name: a, address: 127.0.0.11, port: 9${extra} }`).peers;
    const base = one(', asn: 64513');
    for (const extra of [', asn: 64514', ', myAsn: 64600', ', keepalive: 10', ', connectRetry: 9', ', password: s3cret', ', ebgpMultihop: 3', ', sourceAddress: 127.0.0.1'].map((x) => (x.includes('asn:') ? x : `, asn: 64513${x}`))) {
      expect(peerChanges(base, ID, one(extra), ID).reset, extra).toEqual(['a']);
    }
    expect(peerChanges(base, ID, yaml('  - { name: a, address: 127.0.0.11, port: 1790, asn: 64513 }').peers, ID)).toMatchObject({ removed: ['a'], added: ['a'], reset: [] });
  });

  it('a new BGP identifier or graceful restart capability resets the sessions whose OPEN it changes', () => {
    const peers = yaml(`
  - { name: a, address: 127.0.0.11, port: 9, asn: 64513 }`).peers;
    const own = configFromMetallbObjects([
      { apiVersion: 'metallb.io/v1beta2', kind: 'BGPPeer', metadata: { name: 'own' }, spec: { myASN: 64512, peerASN: 64513, peerAddress: '127.0.0.12', routerID: '10.9.9.9', enableGracefulRestart: true } },
      { apiVersion: 'metallb.io/v1beta2', kind: 'BGPPeer', metadata: { name: 'nogr' }, spec: { myASN: 64512, peerASN: 64513, peerAddress: '127.0.0.13', routerID: '10.9.9.9' } },
    ], parseAgentSettings(''), 't').peers;
    const all = [...peers, ...own];
    expect(peerChanges(all, ID, all, { ...ID, routerId: '10.0.0.2' })).toMatchObject({ reset: ['a'], unchanged: ['own', 'nogr'] });
    // a MetalLB peer without enableGracefulRestart sends no graceful restart capability: its OPEN does not change
    expect(peerChanges(all, ID, all, { ...ID, gracefulRestart: { restartTime: 60 } }).reset).toEqual(['a', 'own']);
    expect(peerChanges(all, ID, all, { routerId: ID.routerId }).reset).toEqual(['a', 'own']);
    // the Restart State bit is not a session parameter: a reload does not reset for it
    expect(peerChanges(all, ID, all, { ...ID, gracefulRestart: { restartTime: 120, restarting: true } }).reset).toEqual([]);
  });
});

describe('restartOnlyChanges', () => {
  it('names what only a restart applies (ipvs settings while it runs, and what it started with, the Lease, the state directory), nothing else', () => {
    const peers = '  - { address: 127.0.0.11, port: 9, asn: 64513 }';
    const a = yaml(peers);
    expect(restartOnlyChanges(a, yaml(peers, 'gracefulShutdown: { drainSeconds: 1 }\nlinkBandwidth: { enabled: false }'))).toEqual([]);
    // ipvs.enabled itself applies live (src/agent/ipvs/control.ts)
    expect(restartOnlyChanges(a, yaml(peers, 'ipvs: { enabled: true }\nleaderElection: { name: other }\ngracefulRestart: { stateDir: /tmp/x }'))).toEqual(['leaderElection', 'gracefulRestart.stateDir']);
    expect(restartOnlyChanges(yaml(peers, 'ipvs: { enabled: true }'), yaml(peers, 'ipvs: { enabled: true, resyncSeconds: 5 }'))).toEqual(['ipvs']);
    expect(restartOnlyChanges(yaml(peers, 'ipvs: { enabled: true }'), a)).toEqual([]);
    // without IPVS the class and externalIPs apply at once; with it, the data plane keeps what it started with
    expect(restartOnlyChanges(a, yaml(peers, 'loadBalancerClass: x\nexternalIPs: { enabled: true }'))).toEqual([]);
    const withIpvs = yaml(peers, 'ipvs: { enabled: true }');
    expect(restartOnlyChanges(withIpvs, yaml(peers, 'ipvs: { enabled: true }\nloadBalancerClass: x\nexternalIPs: { enabled: true }'))).toEqual(['loadBalancerClass (for IPVS)', 'externalIPs.enabled (for IPVS)']);
  });
});

describe('settings beside MetalLB objects', () => {
  it('defaults without a file; vipgate keys only, unknown and MetalLB keys named', () => {
    expect(parseAgentSettings('')).toMatchObject({ shutdown: 'auto', gracefulShutdown: { drainSeconds: 5 }, externalIPs: { enabled: false } });
    expect(parseAgentSettings('gracefulShutdown: { drainSeconds: 2 }\nexternalIPs: { enabled: true }')).toMatchObject({ gracefulShutdown: { drainSeconds: 2 }, externalIPs: { enabled: true } });
    try {
      parseAgentSettings('peers: []\ngracefulShutdown: { drainSeconds: 99 }', 'settings.yaml');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).issues.map((i) => i.path).sort()).toEqual(['gracefulShutdown.drainSeconds', 'peers']);
    }
  });

  it('API objects (server fields, no kind on list items is the feed\'s job) with settings → one config', () => {
    const api = (kind: string, name: string, spec: Record<string, unknown>, version = 'v1beta1'): KubeObject => ({
      apiVersion: `metallb.io/${version}`, kind,
      metadata: { name, namespace: 'metallb-system', resourceVersion: '812', labels: { zone: 'a' } },
      uid: 'c0ffee', managedFields: [{ manager: 'kubectl' }], spec, status: {},
    });
    const cfg = configFromMetallbObjects([
      api('IPAddressPool', 'default', { addresses: ['172.20.1.0/24'] }),
      api('BGPPeer', 'rtr', { myASN: 64512, peerASN: 64513, peerAddress: '127.0.0.11', holdTime: '30s' }, 'v1beta2'),
      api('BGPAdvertisement', 'adv', { ipAddressPoolSelectors: [{ matchLabels: { zone: 'a' } }], communities: ['64512:7'] }),
    ], parseAgentSettings('gracefulShutdown: { drainSeconds: 3 }'), 'cluster');
    expect(cfg).toMatchObject({
      format: 'metallb-crds', gracefulShutdown: { drainSeconds: 3 },
      peers: [{ name: 'rtr', holdTime: 30, myAsn: 64512, peerAsn: 64513 }],
      advertisements: [{ pools: ['default'], communities: [64512 * 65536 + 7] }],
    });
    expect(() => configFromMetallbObjects([], parseAgentSettings(''), 'cluster')).toThrow(ConfigError);
  });
});

describe('Agent.reconfigure', () => {
  const snapshot: Snapshot = {
    services: [
      svc('web', { requestedIPs: ['172.20.1.1'] }),
      svc('db', { pool: 'extra' }),
      svc('local', { requestedIPs: ['172.20.1.3'], externalTrafficPolicy: 'Local', externalIPs: ['198.51.100.7'] }),
    ],
    slices: [slice('local', { n1: 2 }), slice('web', { n2: 1 }), slice('db', { n2: 1 })],
    nodes: [node('n1')],
  };
  const source: Source = { kind: 'file', start: (on) => { on(snapshot); return Promise.resolve(); }, stop: () => Promise.resolve() };
  const agents: Agent[] = [];
  afterEach(async () => { for (const a of agents.splice(0)) await a.stop(); });

  const BASE = `
asn: 64512
routerId: 10.0.0.1
peers:
  - { name: a, address: 127.0.0.11, port: 9, asn: 64513 }
  - { name: b, address: 127.0.0.12, port: 9, asn: 64513 }
pools: [{ name: default, addresses: [172.20.1.0/24] }]
`;

  async function started(): Promise<Agent> {
    const agent = new Agent({ node: 'n1', config: config(BASE), source, clock: new FakeClock(), log: silentLogger() });
    agents.push(agent);
    await agent.start();
    return agent;
  }
  const routes = (agent: Agent, peer: string) => (agent.announcer.desired().get(peer) ?? []).map((r) => `${r.key}${r.bandwidthMbps ? ` bw=${r.bandwidthMbps}` : ''}${r.communities.length ? ` c=${r.communities.join(',')}` : ''}`);
  const peerObjects = (agent: Agent) => new Map(agent.announcer.peers().map((p) => [p.name, p]));

  it('a new pool: the Service that asked for it is assigned and announced; sessions untouched', async () => {
    const agent = await started();
    expect(routes(agent, 'a')).toEqual(['172.20.1.1/32', '172.20.1.3/32 bw=2000']);
    expect(agent.assignments?.failures.get('default/db')).toBe('no pool named "extra"');
    const before = peerObjects(agent);
    const r = agent.reconfigure(config(BASE.replace('pools: [{ name: default,', 'pools: [{ name: extra, addresses: [172.20.2.0/24] }, { name: default,')));
    expect(r).toMatchObject({ added: [], removed: [], reset: [], unchanged: ['a', 'b'], restartOnly: [] });
    expect(agent.assignments?.assignments.get('default/db')).toEqual({ ips: ['172.20.2.0'], pool: 'extra' });
    expect(routes(agent, 'a')).toEqual(['172.20.1.1/32', '172.20.1.3/32 bw=2000', '172.20.2.0/32']);
    const after = peerObjects(agent);
    expect([...after.keys()]).toEqual(['a', 'b']);
    for (const [name, p] of after) expect(p, name).toBe(before.get(name));
  });

  it('peers: removed, reset and added; advertisements, externalIPs and link bandwidth recomputed', async () => {
    const agent = await started();
    const before = peerObjects(agent);
    const r = agent.reconfigure(config(`
asn: 64512
routerId: 10.0.0.1
peers:
  - { name: b, address: 127.0.0.12, port: 9, asn: 64513, holdTime: 30 }
  - { name: c, address: 127.0.0.13, port: 9, asn: 64513 }
pools: [{ name: default, addresses: [172.20.1.0/24] }]
advertisements: [{ communities: ["64512:9"], peers: [c] }]
externalIPs: { enabled: true }
linkBandwidth: { mbpsPerEndpoint: 10 }
`));
    expect(r).toMatchObject({ added: ['c'], removed: ['a'], reset: ['b'], unchanged: [] });
    const after = peerObjects(agent);
    expect([...after.keys()].sort()).toEqual(['b', 'c']);
    expect(after.get('b')).not.toBe(before.get('b'));
    expect(after.get('b')!.options.fsm.holdTime).toBe(30);
    expect(routes(agent, 'b')).toEqual(['198.51.100.7/32 bw=20']);
    expect(routes(agent, 'c')).toEqual([`172.20.1.1/32 c=${64512 * 65536 + 9}`, `172.20.1.3/32 bw=20 c=${64512 * 65536 + 9}`, '198.51.100.7/32 bw=20']);
  });

  it('a new BGP identifier resets every session; a drain time or shutdown mode change resets none and is in force', async () => {
    const agent = await started();
    expect(agent.reconfigure(config(BASE.replace('routerId: 10.0.0.1', 'routerId: 10.0.0.2'))).reset).toEqual(['a', 'b']);
    expect(agent.announcer.peers().map((p) => p.options.fsm.routerId)).toEqual(['10.0.0.2', '10.0.0.2']);
    const r = agent.reconfigure(config(`${BASE.replace('routerId: 10.0.0.1', 'routerId: 10.0.0.2')}\nshutdown: graceful-restart\ngracefulShutdown: { drainSeconds: 1 }`));
    expect(r).toMatchObject({ reset: [], unchanged: ['a', 'b'] });
    expect(agent.stopMode()).toBe('graceful-restart');
    expect(agent.config.gracefulShutdown.drainSeconds).toBe(1);
  });

  it('BFD: the first peer with bfd starts it; new intervals replace only the BFD session; removing bfd ends it', async () => {
    const sent: { peer: string; requiredMinRx: number }[] = [];
    // RFC 5880 4.1: Required Min RX Interval at bytes 16..19, in microseconds
    const transport: TransportFactory = () => ({
      send: (bytes, peer) => { sent.push({ peer, requiredMinRx: new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(16) }); },
      close: () => undefined,
    });
    const clock = new FakeClock();
    const agent = new Agent({ node: 'n1', config: config(BASE), source, clock, log: silentLogger(), bfdTransport: transport });
    agents.push(agent);
    await agent.start();
    expect(await agent.bfdViews()).toEqual([]);
    const withBfd = (ms: number) => config(BASE.replace('port: 9, asn: 64513 }', `port: 9, asn: 64513, bfd: { minRx: ${ms}, minTx: ${ms}, multiplier: 3 } }`));
    const before = peerObjects(agent);
    expect(agent.reconfigure(withBfd(300))).toMatchObject({ bfd: ['a'], unchanged: ['b'], reset: [] });
    await waitFor('the BFD session', async () => ((await agent.bfdViews()).length === 1 ? true : undefined));
    expect((await agent.bfdViews()).map((v) => v.peer)).toEqual(['127.0.0.11']);
    clock.advance(3000);
    expect(sent.at(-1)).toEqual({ peer: '127.0.0.11', requiredMinRx: 300_000 });
    expect(agent.reconfigure(withBfd(100))).toMatchObject({ bfd: ['a'], reset: [] });
    sent.length = 0;
    clock.advance(3000);
    expect(sent.at(-1)).toEqual({ peer: '127.0.0.11', requiredMinRx: 100_000 });
    expect(agent.reconfigure(config(BASE))).toMatchObject({ bfd: ['a'], reset: [] });
    expect(await agent.bfdViews()).toEqual([]);
    // BGP never noticed
    for (const [name, p] of peerObjects(agent)) expect(p, name).toBe(before.get(name));
  });
});
