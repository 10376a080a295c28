/**
 * The box's broker ACL (firmware/etc/mosquitto: vipgate-local.acl, vipgate.acl) in a real mosquitto with
 * the shipped configuration: the router (its real telemetry publisher, anonymous on the loopback listener)
 * publishes its retained route state; on the LAN listener an anonymous client is refused, a reader
 * (homeassistant) and the node agents' user may not overwrite the router's retained route, summary or
 * discovery config (MQTT 5: PUBACK "not authorized", nothing stored), a node agent (its real publisher, as
 * user vipgate-agent) publishes its own topics, and the router still publishes route changes afterwards.
 */
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/log.js';
import { AgentTelemetry } from '../../../src/telemetry/agent-publisher.js';
import { startTelemetry } from '../../../src/telemetry/publisher.js';
import { routePayload, Topics } from '../../../src/telemetry/topics.js';
import { FakeRouter } from '../../e2e/fake-router.js';
import { waitFor } from '../../helpers/netns.js';
import { startFirmwareBroker } from './firmware-mosquitto.js';
import { Watcher } from './watcher.js';

const VIP = '172.20.1.1/32';
const USERS = { homeassistant: 'ha-password-1', 'vipgate-agent': 'agent-password-1' };

/** MQTT 5 reason code 0x87 (Not authorized) on a QoS 1 PUBLISH, as mqtt.js reports it. */
async function publishRefused(client: MqttClient, topic: string, payload: string): Promise<string> {
  const err = await client.publishAsync(topic, payload, { qos: 1, retain: true }).then(() => undefined, (e: unknown) => e as Error & { code?: number });
  if (err === undefined) throw new Error(`PUBLISH to ${topic} was accepted`);
  return `${err.code ?? ''} ${err.message}`;
}

describe('firmware mosquitto ACL', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

  it('only the router writes its retained route state; LAN users read it, agents write only their own topics', async () => {
    const { broker, localUrl, lanUrl } = await startFirmwareBroker(USERS);
    cleanups.push(() => broker.dispose());
    const topics = new Topics('home', 'vipgate');
    const fake = FakeRouter.withNodes(VIP, [1, 2]);
    const router = await startTelemetry({ url: localUrl, site: 'home', host: 'vipgate', coalesceMs: 10, reconnectMs: 100, discoveryPrefix: 'homeassistant' },
      fake, systemClock, silentLogger());
    cleanups.push(() => router.stop());
    const want = async (): Promise<string> => routePayload(VIP, (await fake.routes()).find((r) => r.prefix === VIP)?.nexthops ?? []);

    // a LAN reader sees the router's retained state
    const ha = await Watcher.connect(lanUrl, ['vipgate/#', 'homeassistant/#'], { username: 'homeassistant', password: USERS.homeassistant, reconnectPeriod: 0 });
    cleanups.push(() => ha.close());
    const first = await want();
    await ha.waitFor(topics.route(VIP), (p) => p === first);
    const discovery = ha.seen.find((m) => m.topic.startsWith('homeassistant/') && m.topic.endsWith('/config'));
    expect(discovery).toBeDefined();

    // anonymous on the LAN: refused at CONNECT
    await expect(connectAsync(lanUrl, { protocolVersion: 5, reconnectPeriod: 0 })).rejects.toThrow(/Not authorized|Bad User Name or Password/i);

    // the reader and the agents' user may not overwrite the router's route, summary or discovery config
    const agent = await connectAsync(lanUrl, { protocolVersion: 5, reconnectPeriod: 0, username: 'vipgate-agent', password: USERS['vipgate-agent'] });
    cleanups.push(() => agent.endAsync(true));
    const refusals: string[] = [];
    for (const c of [ha.client, agent]) {
      for (const topic of [topics.route(VIP), topics.summary, topics.route('10.66.0.0/16'), discovery!.topic]) {
        refusals.push(await publishRefused(c, topic, '{"forged":true}'));
      }
    }
    expect(refusals.every((r) => /135|not authori[sz]ed/i.test(r))).toBe(true);
    // a node agent, as the agents' user, publishes its own node's topics
    const service = { service: 'default/web', ips: ['172.20.1.1'], trafficPolicy: 'Cluster', localEndpoints: 1, announcedTo: ['router'] };
    const node = new AgentTelemetry({ url: lanUrl, site: 'home', node: 'node1', intervalMs: 50, reconnectMs: 200, username: 'vipgate-agent', password: USERS['vipgate-agent'] },
      { summary: () => ({ peers: [{ name: 'router', address: '10.0.0.1', state: 'Established' }] }), services: () => [service] }, systemClock, silentLogger());
    node.start();
    cleanups.push(() => node.stop());
    await waitFor('the agent drained', () => (node.stats().connected && node.stats().published >= 2 && node.stats().queued === 0 ? true : undefined), 10_000);

    // a new subscriber gets the retained messages as the broker keeps them: the router's, unchanged
    const fresh = await Watcher.connect(lanUrl, ['vipgate/#', 'homeassistant/#'], { username: 'homeassistant', password: USERS.homeassistant, reconnectPeriod: 0 });
    cleanups.push(() => fresh.close());
    await fresh.waitFor(node.serviceTopic('default/web'), (p) => p === JSON.stringify(service));
    await fresh.waitFor(node.topics.status, (p) => p === 'online');
    await fresh.waitFor(node.agentTopic, (p) => p.includes('Established'));
    await fresh.waitFor(topics.route(VIP), (p) => p === first);
    expect(fresh.seen.some((m) => m.payload.includes('forged'))).toBe(false);
    expect(ha.seen.some((m) => m.payload.includes('forged'))).toBe(false);
    expect(fresh.last(discovery!.topic)?.payload).toBe(discovery!.payload);
    expect(broker.log()).toMatch(/Denied PUBLISH from/);

    // the router still publishes: a node goes down, the retained route follows
    fake.down('10.0.0.12');
    const second = await want();
    expect(second).not.toBe(first);
    await fresh.waitFor(topics.route(VIP), (p) => p === second);
    await waitFor('the router drained', () => (router.stats().connected && router.stats().queued === 0 ? true : undefined), 10_000);
    expect(router.stats().dropped).toBe(0);
    console.log(`ACL: ${refusals.length} forged PUBLISHes refused (${refusals[0]}); route ${first} -> ${second} published by the router`);
  }, 60_000);
});
