/**
 * What a Home Assistant subscribed to the broker receives from the router's telemetry (a real mosquitto):
 * every discovery config passes the rules of Home Assistant's MQTT documentation (test/helpers/
 * home-assistant.ts); entities for the router, its peers, each node agent it hears and each Service IP (its
 * state topic says served or down, with the next hops); a peer that goes has its configs and its state
 * cleared with empty retained messages, and so do configs an earlier run left for peers that are gone;
 * a clean stop makes the router's connectivity sensor read "offline" (it has no availability of its own).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connectAsync } from 'mqtt';
import { systemClock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/log.js';
import { watchCluster } from '../../../src/telemetry/cluster-view.js';
import { CLUSTER_SETTLE_MS, startTelemetry } from '../../../src/telemetry/publisher.js';
import { FakeRouter } from '../../e2e/fake-router.js';
import { discoveryProblems } from '../../helpers/home-assistant.js';
import { Mosquitto } from './mosquitto.js';
import { Watcher } from './watcher.js';

const BASE = 'vipgate/home/pi';
const HA = 'homeassistant';
const NODE = `${HA}/sensor/vipgate_home_pi`;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

describe('Home Assistant discovery with mosquitto', () => {
  it('configs pass HA\'s rules; routers, peers, agents, Service IPs; peers that go are removed; the status reads offline', async () => {
    const b = await Mosquitto.start();
    cleanups.push(() => b.dispose());
    // an earlier run's config for a peer that is gone, and a node agent's retained reports
    const seed = await connectAsync(b.url, { protocolVersion: 5 });
    const retained = (topic: string, payload: unknown) => seed.publishAsync(topic, typeof payload === 'string' ? payload : JSON.stringify(payload), { qos: 1, retain: true });
    await retained(`${NODE}/peer_10_0_0_99_state/config`, { name: 'Peer 10.0.0.99', state_topic: `${BASE}/peers/10.0.0.99` });
    await retained('vipgate/home/node1/status', 'online');
    await retained('vipgate/home/node1/agent', { node: 'node1', version: '9.9.9', synced: true, leader: true, stopMode: 'auto', assignments: {}, failures: {},
      peers: [{ name: 'router', address: '10.0.0.1', state: 'Established', bfd: { state: 'Up', diagnostic: 'None' } }] });
    await retained('vipgate/home/node1/services/default_web', { service: 'default/web', ips: ['172.20.1.1', '172.20.1.9'], trafficPolicy: 'Cluster', localEndpoints: 1, announcedTo: ['router'] });
    await seed.endAsync();

    const w = await Watcher.connect(b.url, ['vipgate/#', `${HA}/#`]);
    cleanups.push(() => w.close());
    const fake = FakeRouter.withNodes('172.20.1.1/32', [1, 2, 3]);
    const t = await startTelemetry({ url: b.url, site: 'home', host: 'pi', coalesceMs: 20, discoveryPrefix: HA, configurationUrl: 'http://pi.lan/' }, fake, systemClock, silentLogger());
    let stopped = false;
    cleanups.push(async () => { if (!stopped) await t.stop(); });
    t.attachCluster(watchCluster(t, 'home', 'pi'));

    const served = await w.waitFor(`${BASE}/vips/172.20.1.1_32`, (p) => p !== '');
    expect(JSON.parse(served.payload)).toEqual({ prefix: '172.20.1.1/32', state: 'served', nexthops: [
      { gateway: '10.0.0.11', weight: 1, node: 'node1' }, { gateway: '10.0.0.12', weight: 2, node: 'node2' }, { gateway: '10.0.0.13', weight: 3, node: 'node3' }] });
    expect(JSON.parse((await w.waitFor(`${BASE}/vips/172.20.1.9_32`, (p) => p !== '')).payload)).toEqual({ prefix: '172.20.1.9/32', state: 'down', nexthops: [] });
    await w.waitFor(`${NODE}/vip_172_20_1_9_32_state/config`, (p) => p !== '');
    const agent = await w.waitFor(`${HA}/binary_sensor/vipgate_home_pi/agent_node1_status/config`, (p) => p !== '');
    expect(JSON.parse(agent.payload)).toMatchObject({ state_topic: 'vipgate/home/node1/status', device: { name: 'vipgate agent node1', sw_version: '9.9.9' } });
    // the stale peer's config, kept while the agents' reports settle, then cleared
    const stale = await w.waitFor(`${NODE}/peer_10_0_0_99_state/config`, (p) => p === '', CLUSTER_SETTLE_MS + 10_000);
    expect(stale.retain).toBe(false);

    // a peer that goes: its configs and its state topic cleared
    fake.nodes.delete('10.0.0.13');
    fake.emit({ type: 'peer', at: fake.now, peer: '10.0.0.13', from: 'Established', to: 'Idle' });
    await w.waitFor(`${NODE}/peer_10_0_0_13_state/config`, (p) => p === '');
    await w.waitFor(`${NODE}/peer_10_0_0_13_prefixes/config`, (p) => p === '');
    await w.waitFor(`${BASE}/peers/10.0.0.13`, (p) => p === '');

    // every discovery config sent passes Home Assistant's rules; a new subscriber gets only live entities
    const configs = w.seen.filter((m) => m.topic.startsWith(`${HA}/`) && m.payload !== '');
    expect(configs.length).toBeGreaterThanOrEqual(4 + 3 * 2 + 2 * 2 + 3);
    for (const m of configs.filter((x) => !x.topic.includes('10_0_0_99'))) expect(discoveryProblems(m.topic, m.payload), m.topic).toEqual([]);
    const late = await Watcher.connect(b.url, [`${HA}/#`]);
    cleanups.push(() => late.close());
    await new Promise((r) => setTimeout(r, 500));
    const live = late.seen.map((m) => m.topic.split('/').slice(1, 4).join('/')).sort();
    expect(live.filter((x) => x.includes('peer_'))).toEqual(['sensor/vipgate_home_pi/peer_10_0_0_11_prefixes', 'sensor/vipgate_home_pi/peer_10_0_0_11_state',
      'sensor/vipgate_home_pi/peer_10_0_0_12_prefixes', 'sensor/vipgate_home_pi/peer_10_0_0_12_state']);
    expect(live.filter((x) => x.includes('vip_'))).toHaveLength(4);
    expect(live.filter((x) => x.includes('agent_node1'))).toHaveLength(3);

    // a clean stop: the router's connectivity sensor gets "offline" (not unavailable: it has no availability)
    const status = JSON.parse(late.seen.find((m) => m.topic === `${HA}/binary_sensor/vipgate_home_pi/status/config`)!.payload) as Record<string, unknown>;
    expect(status).not.toHaveProperty('availability');
    await t.stop();
    stopped = true;
    await w.waitFor(String(status.state_topic), (p) => p === status.payload_off);
  }, 60_000);
});
