/**
 * The router's model of the node agents' MQTT reports (src/telemetry/cluster-view.ts): what the agents
 * publish is taken in, cleared by empty retained messages, and hostile input (not JSON, wrong shapes,
 * oversized payloads, too many nodes or Services, long strings and lists) is ignored and counted or cut,
 * never thrown and never held past the limits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLUSTER_LIMITS, ClusterView, type ClusterLimits } from '../../../src/telemetry/cluster-view.js';

const enc = (s: string) => new TextEncoder().encode(s);
const json = (v: unknown) => enc(JSON.stringify(v));
const EMPTY = new Uint8Array(0);

const SUMMARY = {
  node: 'n1', synced: true, leader: false, stopMode: 'graceful',
  peers: [{ name: 'rtr', address: '192.168.10.1', state: 'Established', announced: 2, gracefulRestart: true, bfd: { state: 'Up', remoteState: 'Up', diagnostic: 'None', detectionTimeMs: 900, transitions: 1 } }],
  assignments: { 'default/web': ['172.20.1.1'], 'default/db': ['172.20.1.2'] },
  failures: { 'default/big': 'pool default is exhausted' },
};
const WEB = { service: 'default/web', ips: ['172.20.1.1'], trafficPolicy: 'Cluster', localEndpoints: 2, announcedTo: ['rtr'] };

function view(limits: Partial<ClusterLimits> = {}, at = 1_700_000_000_000): ClusterView {
  return new ClusterView('home', 'pi', () => at, () => true, { ...CLUSTER_LIMITS, ...limits });
}

describe('ClusterView', () => {
  it('subscribes to the site\'s node topics and takes in status, summary and Services', () => {
    const v = view();
    expect(v.filters).toEqual(['vipgate/home/+/status', 'vipgate/home/+/agent', 'vipgate/home/+/services/+']);
    expect(v.apply('vipgate/home/n1/status', enc('online'))).toBe(true);
    expect(v.apply('vipgate/home/n1/agent', json(SUMMARY))).toBe(true);
    expect(v.apply('vipgate/home/n1/services/default_web', json(WEB))).toBe(true);
    expect(v.report()).toEqual({
      connected: true,
      ignored: { malformed: 0, oversized: 0, overLimit: 0 },
      nodes: [{
        node: 'n1', status: 'online', lastHeard: 1_700_000_000_000,
        agent: {
          synced: true, leader: false, stopMode: 'graceful', assignments: 2,
          peers: [{ name: 'rtr', address: '192.168.10.1', state: 'Established', announced: 2, bfd: 'Up', bfdDiagnostic: 'None' }],
          failures: [{ service: 'default/big', reason: 'pool default is exhausted' }],
        },
        services: [WEB],
      }],
    });
  });

  it('ignores the router\'s own topics, other sites and other topics of a node', () => {
    const v = view();
    expect(v.apply('vipgate/home/pi/status', enc('online'))).toBe(false);
    expect(v.apply('vipgate/other/n1/status', enc('online'))).toBe(false);
    expect(v.apply('vipgate/home/n1/events', json({ type: 'peer' }))).toBe(false);
    expect(v.apply('vipgate/home/n1/services/a/b', json(WEB))).toBe(false);
    expect(v.report().nodes).toEqual([]);
  });

  it('an empty retained message clears what it names; a node with nothing left is forgotten', () => {
    const v = view();
    v.apply('vipgate/home/n1/status', enc('online'));
    v.apply('vipgate/home/n1/services/default_web', json(WEB));
    v.apply('vipgate/home/n1/services/default_db', json({ ...WEB, service: 'default/db' }));
    v.apply('vipgate/home/n1/services/default_web', EMPTY);
    expect(v.report().nodes[0]!.services.map((s) => s.service)).toEqual(['default/db']);
    v.apply('vipgate/home/n1/services/default_db', EMPTY);
    v.apply('vipgate/home/n1/status', EMPTY);
    expect(v.report().nodes).toEqual([]);
    // clearing what was never there creates nothing
    expect(v.apply('vipgate/home/n9/agent', EMPTY)).toBe(false);
    expect(v.report().nodes).toEqual([]);
  });

  it('malformed payloads are counted and leave the last good state', () => {
    const v = view();
    v.apply('vipgate/home/n1/agent', json(SUMMARY));
    v.apply('vipgate/home/n1/services/default_web', json(WEB));
    const bad: [string, Uint8Array][] = [
      ['vipgate/home/n1/status', enc('maybe')],
      ['vipgate/home/n1/agent', enc('{not json')],
      ['vipgate/home/n1/agent', json({ ...SUMMARY, synced: 'yes' })],
      ['vipgate/home/n1/agent', json({ ...SUMMARY, peers: 'rtr' })],
      ['vipgate/home/n1/agent', json([SUMMARY])],
      ['vipgate/home/n1/agent', enc('null')],
      ['vipgate/home/n1/services/default_web', json({ ...WEB, ips: '172.20.1.1' })],
      ['vipgate/home/n1/services/default_web', json({ ...WEB, localEndpoints: -1 })],
      ['vipgate/home/n1/services/default_web', json({ ...WEB, localEndpoints: 1.5 })],
      ['vipgate/home/n1/services/default_web', json({ ...WEB, service: 42 })],
      ['vipgate/home//status', enc('online')],
      [`vipgate/home/${'x'.repeat(300)}/status`, enc('online')],
    ];
    for (const [topic, payload] of bad) expect(v.apply(topic, payload)).toBe(false);
    const r = v.report();
    expect(r.ignored).toEqual({ malformed: bad.length, oversized: 0, overLimit: 0 });
    expect(r.nodes).toHaveLength(1);
    expect(r.nodes[0]!.agent?.synced).toBe(true);
    expect(r.nodes[0]!.services).toEqual([WEB]);
  });

  it('bad list items are dropped, long strings cut, lists capped', () => {
    const v = view();
    v.apply('vipgate/home/n1/agent', json({ ...SUMMARY, peers: [{ name: 'rtr' }, 7, null, SUMMARY.peers[0], { ...SUMMARY.peers[0], name: 'r'.repeat(10_000), lastError: 'e'.repeat(10_000) }] }));
    v.apply('vipgate/home/n1/services/default_web', json({ ...WEB, ips: [...Array.from({ length: 1000 }, (_, i) => `10.0.${i >> 8}.${i & 255}`)], announcedTo: [1, 'rtr', {}] }));
    const n = v.report().nodes[0]!;
    expect(n.agent!.peers.map((p) => p.name.length)).toEqual([3, 254]);
    expect(n.agent!.peers[1]!.lastError).toHaveLength(513);
    expect(n.services[0]!.ips).toHaveLength(64);
    expect(n.services[0]!.announcedTo).toEqual(['rtr']);
  });

  it('oversized payloads are counted and not parsed', () => {
    const v = view({ maxAgentBytes: 1024, maxServiceBytes: 256 });
    expect(v.apply('vipgate/home/n1/agent', json({ ...SUMMARY, stopMode: 'x'.repeat(1100) }))).toBe(false);
    expect(v.apply('vipgate/home/n1/services/default_web', json({ ...WEB, service: 's'.repeat(300) }))).toBe(false);
    expect(v.report()).toMatchObject({ nodes: [], ignored: { malformed: 0, oversized: 2, overLimit: 0 } });
  });

  it('holds at most maxNodes nodes and maxServicesPerNode / maxServices Services; a cleared one frees its place', () => {
    const v = view({ maxNodes: 3, maxServicesPerNode: 2, maxServices: 5 });
    for (let i = 1; i <= 5; i++) v.apply(`vipgate/home/n${i}/status`, enc('online'));
    expect(v.report().nodes.map((n) => n.node)).toEqual(['n1', 'n2', 'n3']);
    expect(v.report().ignored.overLimit).toBe(2);
    v.apply('vipgate/home/n2/status', EMPTY);
    v.apply('vipgate/home/n4/status', enc('offline'));
    expect(v.report().nodes.map((n) => `${n.node}:${n.status}`)).toEqual(['n1:online', 'n3:online', 'n4:offline']);

    const svc = (node: string, i: number) => v.apply(`vipgate/home/${node}/services/s${i}`, json({ ...WEB, service: `default/s${i}` }));
    expect([svc('n1', 1), svc('n1', 2), svc('n1', 3)]).toEqual([true, true, false]);
    expect([svc('n3', 1), svc('n3', 2), svc('n4', 1), svc('n4', 2)]).toEqual([true, true, true, false]);
    // a Service already held may still change at the limit
    expect(v.apply('vipgate/home/n1/services/s1', json({ ...WEB, service: 'default/s1', localEndpoints: 9 }))).toBe(true);
    expect(v.report().nodes.reduce((s, n) => s + n.services.length, 0)).toBe(5);
    v.apply('vipgate/home/n1/services/s2', EMPTY);
    expect(svc('n4', 2)).toBe(true);
    expect(v.report().ignored.overLimit).toBe(4);
  });

  it('a node over the limit that only sends Services is not created', () => {
    const v = view({ maxNodes: 1, maxServicesPerNode: 1 });
    v.apply('vipgate/home/n1/status', enc('online'));
    expect(v.apply('vipgate/home/n2/services/s', json(WEB))).toBe(false);
    expect(v.apply('vipgate/home/n1/services/a', json(WEB))).toBe(true);
    expect(v.apply('vipgate/home/n1/services/b', json(WEB))).toBe(false);
    expect(v.report().nodes.map((n) => [n.node, n.services.length])).toEqual([['n1', 1]]);
  });

  it('reset forgets everything; listeners hear each change, a failing listener harms nothing', () => {
    const v = view();
    let calls = 0;
    v.subscribe(() => { throw new Error('listener bug'); });
    const off = v.subscribe(() => { calls++; });
    v.apply('vipgate/home/n1/status', enc('online'));
    v.apply('vipgate/home/n1/status', enc('bogus'));
    expect(calls).toBe(1);
    v.reset();
    expect(calls).toBe(2);
    expect(v.report().nodes).toEqual([]);
    off();
    v.apply('vipgate/home/n1/status', enc('online'));
    expect(calls).toBe(2);
  });

  it('arbitrary topics and payloads never throw and never exceed the limits', () => {
    const limits = { maxNodes: 4, maxServicesPerNode: 3, maxServices: 6, maxAgentBytes: 2048, maxServiceBytes: 512 };
    const v = view(limits);
    const level = fc.oneof(fc.constantFrom('n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'pi', '', '+', '<b>'), fc.string({ maxLength: 8 }));
    const topic = fc.tuple(level, fc.constantFrom('status', 'agent', 'services', 'events', ''), fc.option(level, { nil: undefined }))
      .map(([n, k, s]) => `vipgate/home/${n}/${k}${s === undefined ? '' : `/${s}`}`);
    const value = fc.oneof(
      fc.constantFrom('online', 'offline', '', 'null', '[]', '{}'),
      fc.json(),
      fc.constant(JSON.stringify(SUMMARY)), fc.constant(JSON.stringify(WEB)),
      fc.record({ service: fc.string(), ips: fc.array(fc.string()), trafficPolicy: fc.string(), localEndpoints: fc.integer(), announcedTo: fc.array(fc.string()) }).map((o) => JSON.stringify(o)),
    );
    fc.assert(fc.property(fc.array(fc.tuple(topic, value), { maxLength: 60 }), (msgs) => {
      for (const [t, p] of msgs) v.apply(t, enc(p));
      const r = v.report();
      expect(r.nodes.length).toBeLessThanOrEqual(limits.maxNodes);
      expect(r.nodes.reduce((s, n) => s + n.services.length, 0)).toBeLessThanOrEqual(limits.maxServices);
      for (const n of r.nodes) expect(n.services.length).toBeLessThanOrEqual(limits.maxServicesPerNode);
      expect(r.nodes.some((n) => n.node === 'pi')).toBe(false);
    }), { numRuns: 200 });
  });
});
