/**
 * Home Assistant discovery configs (src/telemetry/discovery.ts) held against the rules of Home Assistant's
 * MQTT documentation (test/helpers/home-assistant.ts): the router's, a peer's (IPv4 and IPv6), a Service
 * IP's and a node agent's entities; unique ids; the connectivity sensor without availability of its own;
 * enum sensors with options; and RetainedSet, which turns what is wanted into messages (an empty retained
 * payload for what goes).
 */
import { describe, expect, it } from 'vitest';
import { BGP_STATE_OPTIONS, nodeEntities, peerEntities, routerEntities, serviceIpEntities, type DiscoveryContext } from '../../../src/telemetry/discovery.js';
import { RetainedSet } from '../../../src/telemetry/retained-set.js';
import { serviceIpStates } from '../../../src/telemetry/service-ips.js';
import { Topics } from '../../../src/telemetry/topics.js';
import { discoveryProblems } from '../../helpers/home-assistant.js';

const ctx: DiscoveryContext = { prefix: 'homeassistant', topics: new Topics('home', 'k8s-rtr'), site: 'home', host: 'k8s-rtr', version: '1.2.3', configurationUrl: 'http://vipgate.local/' };
const node = { node: 'k8s-w1.lan', lastHeard: 0, status: 'online' as const, services: [], agent: { version: '1.2.3', synced: true, leader: false, stopMode: 'auto', peers: [], assignments: 0, failures: [] } };
const all = () => [...routerEntities(ctx), ...peerEntities(ctx, '192.168.10.10'), ...peerEntities(ctx, 'fd00::10'), ...serviceIpEntities(ctx, '172.20.1.1/32'), ...serviceIpEntities(ctx, 'fd00:172:20::1/128'), ...nodeEntities(ctx, node)];

describe('Home Assistant discovery configs', () => {
  it('every config passes the documented rules; unique ids and topics are unique', () => {
    const msgs = all();
    for (const m of msgs) expect(discoveryProblems(m.topic, JSON.stringify(m.config)), m.topic).toEqual([]);
    expect(new Set(msgs.map((m) => m.config.unique_id)).size).toBe(msgs.length);
    expect(new Set(msgs.map((m) => m.topic)).size).toBe(msgs.length);
    expect(msgs.map((m) => m.topic)).toContain('homeassistant/sensor/vipgate_home_k8s-rtr/peer_fd00__10_state/config');
    for (const m of msgs) {
      expect(m.topic.split('/')[2]).toBe('vipgate_home_k8s-rtr');
      expect(m.config).toMatchObject({ origin: { name: 'vipgate', sw_version: '1.2.3' } });
      expect(m.config).not.toHaveProperty('object_id');
    }
  });

  it('the router device has its version and the status page; the connectivity sensor has no availability of its own', () => {
    const [status, routes] = routerEntities(ctx);
    expect(status!.config).toMatchObject({
      default_entity_id: 'binary_sensor.vipgate_home_k8s_rtr_status', device_class: 'connectivity', state_topic: 'vipgate/home/k8s-rtr/status', payload_off: 'offline',
      device: { identifiers: ['vipgate_home_k8s-rtr'], sw_version: '1.2.3', configuration_url: 'http://vipgate.local/' },
    });
    expect(status!.config).not.toHaveProperty('availability');
    expect(routes!.config.availability).toEqual([{ topic: 'vipgate/home/k8s-rtr/status', payload_available: 'online', payload_not_available: 'offline' }]);
  });

  it('a peer\'s state is an enum sensor with the BGP states as options', () => {
    const [state] = peerEntities(ctx, '192.168.10.10');
    expect(state!.config).toMatchObject({ device_class: 'enum', options: [...BGP_STATE_OPTIONS], state_topic: 'vipgate/home/k8s-rtr/peers/192.168.10.10' });
  });

  it('a node agent is its own device via the router, available through its own status', () => {
    const [online, sessions] = nodeEntities(ctx, node);
    expect(online!.config).toMatchObject({ state_topic: 'vipgate/home/k8s-w1.lan/status', device: { name: 'vipgate agent k8s-w1.lan', via_device: 'vipgate_home_k8s-rtr', sw_version: '1.2.3' } });
    expect(online!.config).not.toHaveProperty('availability');
    expect(sessions!.config).toMatchObject({ availability: [{ topic: 'vipgate/home/k8s-w1.lan/status' }], state_topic: 'vipgate/home/k8s-w1.lan/agent' });
  });

  it('the schema refuses what Home Assistant would not take (the check can fail)', () => {
    const [state] = peerEntities(ctx, 'p');
    const bad = (change: Record<string, unknown>) => discoveryProblems(state!.topic, JSON.stringify({ ...state!.config, ...change })).join('; ');
    expect(bad({ object_id: 'x' })).toMatch(/object_id is not a sensor option \(deprecated/);
    expect(bad({ options: [] })).toMatch(/non-empty/);
    expect(bad({ device_class: undefined })).toMatch(/options need device_class enum/);
    expect(bad({ unit_of_measurement: 'ms' })).toMatch(/options exclude/);
    expect(bad({ origin: { sw: '1' } })).toMatch(/origin.name is required/);
    expect(bad({ availability_topic: 'x' })).toMatch(/not be used together/);
    expect(bad({ default_entity_id: 'binary_sensor.x' })).toMatch(/default_entity_id/);
    expect(bad({ device: { name: 'x' } })).toMatch(/identifiers or connections/);
    expect(bad({ device: { ids: ['a'], cu: 'ftp://x' } })).toMatch(/configuration_url/);
    expect(bad({ stat_t: 'x' })).toMatch(/state_topic is given twice/);
    expect(bad({ state_topic: undefined })).toMatch(/state_topic is required/);
    expect(discoveryProblems('homeassistant/gauge/n/o/config', '{}')).toEqual(['gauge is not a component MQTT discovery supports']);
    expect(discoveryProblems('homeassistant/sensor/n/o.x/config', '{}')[0]).toMatch(/is not homeassistant/);
    expect(discoveryProblems(state!.topic, '')).toEqual([]);
  });
});

describe('Service IP states', () => {
  it('host routes and agents\' addresses; down without next hops; next hops named by node', () => {
    const routes = new Map([['172.20.1.1/32', [{ gateway: '10.0.0.11', weight: 1 }]], ['10.1.0.0/24', [{ gateway: '10.0.0.11', weight: 1 }]]]);
    const report = { connected: true, ignored: { malformed: 0, oversized: 0, overLimit: 0 }, nodes: [{ node: 'n1', lastHeard: 0, services: [{ service: 'default/web', ips: ['172.20.1.2', 'bogus', 'FD00::1'], trafficPolicy: 'Cluster', localEndpoints: 1, announcedTo: [] }] }] };
    const states = serviceIpStates(routes, report, (gw) => (gw === '10.0.0.11' ? 'n1' : undefined));
    expect([...states.values()]).toEqual([
      { prefix: '172.20.1.1/32', state: 'served', nexthops: [{ gateway: '10.0.0.11', weight: 1, node: 'n1' }] },
      { prefix: '172.20.1.2/32', state: 'down', nexthops: [] },
      { prefix: 'fd00::1/128', state: 'down', nexthops: [] },
    ]);
  });
});

describe('RetainedSet', () => {
  it('sends what is new or changed, clears what goes, adopts what the broker kept, keeps on request', () => {
    const s = new RetainedSet();
    expect(s.update(new Map([['a', '1'], ['b', '2']]))).toEqual([{ topic: 'a', payload: '1', retain: true }, { topic: 'b', payload: '2', retain: true }]);
    expect(s.update(new Map([['a', '1'], ['b', '3']]))).toEqual([{ topic: 'b', payload: '3', retain: true }]);
    expect(s.update(new Map([['b', '3']]))).toEqual([{ topic: 'a', payload: '', retain: true }]);
    s.adopt('old', 'x');
    s.adopt('b', 'ignored: ours');
    expect(s.update(new Map([['b', '3']]), (t) => t === 'old')).toEqual([]);
    expect(s.update(new Map([['b', '3']]))).toEqual([{ topic: 'old', payload: '', retain: true }]);
    s.clear();
    expect(s.update(new Map([['b', '3']]))).toEqual([{ topic: 'b', payload: '3', retain: true }]);
  });
});
