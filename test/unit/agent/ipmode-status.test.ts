/**
 * The agent's side of IPVS beside kube-proxy (src/agent/agent.ts with src/agent/ipvs/coexistence.ts): the IPAM
 * leader writes status.loadBalancer.ingress with ipMode Proxy only while its IPVS serves, VIP otherwise;
 * an entry the API server keeps without ipMode counts as VIP (no write loop when the field is dropped); a
 * node whose IPVS does not serve announces no ingress IP whose status says Proxy (kube-proxy leaves those
 * alone, so nothing would serve them there). With a recording status writer and a leader that is elected
 * at once; the session to the configured peer never opens (nothing listens there).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '../../../src/agent/agent.js';
import type { DesiredState } from '../../../src/agent/announce/desired.js';
import { clusterRefusal, ingressIpMode, nodeRefusal } from '../../../src/agent/ipvs/coexistence.js';
import { agentStatusSource } from '../../../src/agent/telemetry.js';
import type { ServiceInfo, Snapshot } from '../../../src/agent/model.js';
import { parseApiServerVersion } from '../../../src/agent/source/api-version.js';
import type { Source } from '../../../src/agent/source/source.js';
import { formatPrefix } from '../../../src/lib/address.js';
import { FakeClock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/log.js';
import { config, node, slice, svc } from './build.js';

const CONFIG = `
asn: 64512
routerId: 10.0.0.1
peers: [{ address: 127.0.0.11, port: 9, asn: 64513 }]
pools: [{ name: default, addresses: [172.20.1.0/24] }]
ipvs: { enabled: true }
`;

interface Write { ips: readonly string[]; mode: string }

function setup(serving: { now: boolean }) {
  const writes: Write[] = [];
  let push: (s: Snapshot) => void = () => undefined;
  const source: Source = {
    kind: 'kubernetes',
    start: async (on) => { push = on; },
    stop: async () => undefined,
    status: { writeIngress: async (_ns, _name, ips, mode) => { writes.push({ ips, mode }); } },
    elector: { start: (changed) => changed(true), stop: async () => undefined },
  };
  let desired: DesiredState = new Map();
  const agent = new Agent({
    node: 'n1', config: config(CONFIG), source, clock: new FakeClock(), log: silentLogger(), ipvsServing: () => serving.now,
    onApplied: (d) => { desired = d; },
  });
  agents.push(agent);
  const announced = (): string[] => [...desired.values()].flatMap((l) => l.map((a) => formatPrefix(a.prefix)));
  return { agent, writes, push: (s: Snapshot) => push(s), announced };
}

const agents: Agent[] = [];
afterEach(async () => { for (const a of agents.splice(0)) await a.stop(); });

const snap = (web: Partial<ServiceInfo>): Snapshot => ({
  services: [svc('web', { requestedIPs: ['172.20.1.10'], ...web })], slices: [slice('web', { n1: 1 })], nodes: [node('n1')],
});

describe('ipMode and announcements beside kube-proxy', () => {
  it('the leader writes VIP while IPVS does not serve, Proxy once it does, and back', async () => {
    const serving = { now: false };
    const { agent, writes, push } = setup(serving);
    await agent.start();
    push(snap({}));
    await Promise.resolve();
    expect(writes).toEqual([{ ips: ['172.20.1.10'], mode: 'VIP' }]);
    push(snap({ ingressIPs: ['172.20.1.10'], ingressIpModes: { '172.20.1.10': 'VIP' } }));
    serving.now = true;
    agent.refresh();
    await Promise.resolve();
    expect(writes.at(-1)).toEqual({ ips: ['172.20.1.10'], mode: 'Proxy' });
    push(snap({ ingressIPs: ['172.20.1.10'], ingressIpModes: { '172.20.1.10': 'Proxy' } }));
    serving.now = false;
    agent.refresh();
    await Promise.resolve();
    expect(writes.map((w) => w.mode)).toEqual(['VIP', 'Proxy', 'VIP']);
  });

  it('an entry without ipMode counts as VIP, and is not written again and again when the API server drops the field', async () => {
    const serving = { now: false };
    const { agent, writes, push } = setup(serving);
    await agent.start();
    push(snap({ ingressIPs: ['172.20.1.10'] }));
    await Promise.resolve();
    expect(writes).toEqual([]);
    serving.now = true;
    agent.refresh();
    push(snap({ ingressIPs: ['172.20.1.10'] }));
    agent.refresh();
    await Promise.resolve();
    expect(writes).toEqual([{ ips: ['172.20.1.10'], mode: 'Proxy' }]);
  });

  it('a node whose IPVS does not serve announces no Proxy-mode ingress IP, VIP ones as before', async () => {
    const serving = { now: false };
    const { agent, push, announced } = setup(serving);
    await agent.start();
    push(snap({ ingressIPs: ['172.20.1.10'], ingressIpModes: { '172.20.1.10': 'Proxy' } }));
    expect(announced()).toEqual([]);
    serving.now = true;
    agent.refresh();
    expect(announced()).toEqual(['172.20.1.10/32']);
    push(snap({ ingressIPs: ['172.20.1.10'], ingressIpModes: { '172.20.1.10': 'VIP' } }));
    serving.now = false;
    agent.refresh();
    expect(announced()).toEqual(['172.20.1.10/32']);
  });
});

describe('what the MQTT agent topic says of IPVS', () => {
  it('the summary carries the data plane\'s state and reason', async () => {
    const { agent } = setup({ now: false });
    const reason = 'kube-proxy runs in IPVS mode on this node (kube-ipvs0 exists): it owns the IPVS table and binds the Service IPs itself';
    expect(await agentStatusSource(agent, 'n1', () => ({ state: 'refused', reason })).summary()).toMatchObject({ node: 'n1', ipvs: { state: 'refused', reason } });
    expect(await agentStatusSource(agent, 'n1').summary()).not.toHaveProperty('ipvs');
  });
});

describe('coexistence rules (src/agent/ipvs/coexistence.ts)', () => {
  it('reads the API server version as k3s and kubeadm give it', () => {
    expect(parseApiServerVersion({ major: '1', minor: '31+', gitVersion: 'v1.31.4+k3s1' })).toEqual({ major: 1, minor: 31, gitVersion: 'v1.31.4+k3s1' });
    expect(parseApiServerVersion({ major: '1', minor: '29' })).toEqual({ major: 1, minor: 29, gitVersion: 'v1.29' });
    expect(parseApiServerVersion({ gitVersion: 'garbage' })).toBeUndefined();
  });

  it('refuses below 1.30, and where Services carry no ipMode (the gate off); not from 1.30 on', () => {
    const v = (minor: number) => ({ major: 1, minor, gitVersion: `v1.${minor}.0` });
    const withMode = svc('web', { ingressIPs: ['172.20.1.10'], ingressIpModes: { '172.20.1.10': 'VIP' } });
    expect(clusterRefusal(v(29), [withMode])).toMatch(/older than 1\.30/);
    expect(clusterRefusal(v(30), [withMode])).toBeUndefined();
    expect(clusterRefusal(v(32), [svc('new')])).toBeUndefined();
    expect(clusterRefusal(v(31), [withMode, svc('web2', { ingressIPs: ['172.20.1.11'] })])).toMatch(/default\/web2 has none/);
    expect(clusterRefusal(undefined, [])).toMatch(/not known yet/);
    expect(clusterRefusal({ major: 2, minor: 0, gitVersion: 'v2.0.0' }, [])).toBeUndefined();
  });

  it('kube-ipvs0 refuses the node; Proxy only for LoadBalancers while serving', () => {
    expect(nodeRefusal(true)).toMatch(/kube-ipvs0/);
    expect(nodeRefusal(false)).toBeUndefined();
    expect([ingressIpMode(svc('a'), true), ingressIpMode(svc('a'), false), ingressIpMode(svc('a', { type: 'NodePort' }), true)]).toEqual(['Proxy', 'VIP', 'VIP']);
  });
});
