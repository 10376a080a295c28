/**
 * The box's broker ACL (firmware/etc/mosquitto: vipgate-local.acl, vipgate.acl) in a real mosquitto with
 * the shipped configuration: the router (its real telemetry publisher, anonymous on the loopback listener)
 * publishes its retained route state; on the LAN listener an anonymous client is refused, a reader
 * (homeassistant) and a node agent's user may not overwrite the router's retained route, summary or
 * discovery config (MQTT 5: PUBACK "not authorized", nothing stored), a node agent (its real publisher, as
 * user n1, made with its password by the box's mqtt-users.sh) publishes its own topics, and the router still
 * publishes route changes afterwards. Per node: user n1 may write only vipgate/<site>/n1/{status,agent,
 * services/+,events}, never node n2's topics nor the router's status or events.
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
import { makeAgentUsers, startFirmwareBroker } from './firmware-mosquitto.js';
import { Watcher } from './watcher.js';

const VIP = '172.20.1.1/32';
const USERS = { homeassistant: 'ha-password-1' };
/** The node agents' users, as the box makes them from mqtt-users.txt (the router's host is "vipgate"). */
const AGENTS = makeAgentUsers(['n1', 'n2']);
const password = (node: string) => AGENTS.passwords.get(node)!;

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
    const { broker, localUrl, lanUrl } = await startFirmwareBroker(USERS, AGENTS);
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
    // the discovery configs follow the routes in the same flush: wait for the first of them
    const discovery = await waitFor('a discovery config', () => ha.seen.find((m) => m.topic.startsWith('homeassistant/') && m.topic.endsWith('/config')), 10_000, 20);

    // anonymous on the LAN: refused at CONNECT
    await expect(connectAsync(lanUrl, { protocolVersion: 5, reconnectPeriod: 0 })).rejects.toThrow(/Not authorized|Bad User Name or Password/i);

    // the reader and a node agent's user may not overwrite the router's route, summary or discovery config
    const agent = await connectAsync(lanUrl, { protocolVersion: 5, reconnectPeriod: 0, username: 'n1', password: password('n1') });
    cleanups.push(() => agent.endAsync(true));
    const refusals: string[] = [];
    for (const c of [ha.client, agent]) {
      for (const topic of [topics.route(VIP), topics.summary, topics.route('10.66.0.0/16'), discovery!.topic]) {
        refusals.push(await publishRefused(c, topic, '{"forged":true}'));
      }
    }
    expect(refusals.every((r) => /135|not authori[sz]ed/i.test(r))).toBe(true);
    // a node agent, as its node's user, publishes its own node's topics
    const service = { service: 'default/web', ips: ['172.20.1.1'], trafficPolicy: 'Cluster', localEndpoints: 1, announcedTo: ['router'] };
    const node = new AgentTelemetry({ url: lanUrl, site: 'home', node: 'n1', intervalMs: 50, reconnectMs: 200, username: 'n1', password: password('n1') },
      { summary: () => Promise.resolve({ peers: [{ name: 'router', address: '10.0.0.1', state: 'Established' }] }), services: () => [service] }, systemClock, silentLogger());
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

  it('a node agent\'s user writes only its own node\'s agent topics: not another node\'s, not the router\'s', async () => {
    const { broker, lanUrl } = await startFirmwareBroker(USERS, AGENTS);
    cleanups.push(() => broker.dispose());
    const connect = (user: string, pass: string) => connectAsync(lanUrl, { protocolVersion: 5, reconnectPeriod: 0, username: user, password: pass });
    const n1 = await connect('n1', password('n1'));
    cleanups.push(() => n1.endAsync(true));
    const n2 = await connect('n2', password('n2'));
    cleanups.push(() => n2.endAsync(true));
    const watcher = await Watcher.connect(lanUrl, ['vipgate/#'], { username: 'homeassistant', password: USERS.homeassistant, reconnectPeriod: 0 });
    cleanups.push(() => watcher.close());

    // its own topics (src/telemetry/agent-publisher.ts), in any site
    for (const topic of ['vipgate/home/n1/status', 'vipgate/home/n1/agent', 'vipgate/home/n1/services/default_web', 'vipgate/home/n1/events', 'vipgate/lab/n1/status']) {
      await n1.publishAsync(topic, 'own', { qos: 1, retain: true });
    }
    await n2.publishAsync('vipgate/home/n2/status', 'online', { qos: 1, retain: true });
    await watcher.waitFor('vipgate/home/n1/services/default_web', (p) => p === 'own');
    await watcher.waitFor('vipgate/home/n2/status', (p) => p === 'online');

    // node n2's topics, the router's (host "vipgate"), n1's own but not an agent's, deeper or wildcard-like levels
    const forbidden = ['vipgate/home/n2/status', 'vipgate/home/n2/agent', 'vipgate/home/n2/services/default_web', 'vipgate/home/n2/events',
      'vipgate/home/vipgate/status', 'vipgate/home/vipgate/events', 'vipgate/home/vipgate/summary', 'vipgate/home/vipgate/routes/172.20.1.1_32',
      'vipgate/home/n1/summary', 'vipgate/home/n1/routes/172.20.1.1_32', 'vipgate/home/n1/services/a/b', 'vipgate/home/n1', 'vipgate/n1/status', 'homeassistant/sensor/x/config'];
    const refusals: string[] = [];
    for (const topic of forbidden) refusals.push(await publishRefused(n1, topic, 'forged-by-n1'));
    expect(refusals).toHaveLength(forbidden.length);
    expect(refusals.every((r) => /135|not authori[sz]ed/i.test(r))).toBe(true);
    // nothing of it reached a subscriber: n2's status is still its own
    await n2.publishAsync('vipgate/home/n2/events', 'after', { qos: 1 });
    await watcher.waitFor('vipgate/home/n2/events', (p) => p === 'after');
    expect(watcher.seen.filter((m) => m.payload === 'forged-by-n1')).toEqual([]);
    expect(watcher.last('vipgate/home/n2/status')?.payload).toBe('online');

    // a node's password is its own: n2's does not log in as n1, nor a made-up one
    await expect(connect('n1', password('n2'))).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
    await expect(connect('n3', 'n3-password')).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
    console.log(`ACL per node: n1 wrote its 5 topics, ${refusals.length} others refused (${refusals[0]})`);
  }, 60_000);
});
