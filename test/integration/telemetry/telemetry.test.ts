/**
 * MQTT telemetry against a real mosquitto 2.0 started by the test on a free loopback port: the topic tree
 * and its payloads, Home Assistant discovery, withdrawn routes cleared, bursts coalesced, the last will on
 * kill -9 of a publisher process, a broker restart, the bounded queue, username/password and TLS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/log.js';
import { startTelemetry, type MqttTelemetry, type TelemetryOptions } from '../../../src/telemetry/publisher.js';
import { FakeRouter } from '../../e2e/fake-router.js';
import { stopChild } from '../../helpers/daemons/process.js';
import { waitFor } from '../../helpers/netns.js';
import { makeTestPki } from '../../helpers/tls.js';
import { Mosquitto, type BrokerOptions } from './mosquitto.js';
import { Watcher } from './watcher.js';

const VIP = '172.20.1.1/32';
const BASE = 'vipgate/home/pi';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

const threeNodes = () => FakeRouter.withNodes(VIP, [1, 2, 3]);

async function broker(options: BrokerOptions = {}): Promise<Mosquitto> {
  const b = await Mosquitto.start(options);
  cleanups.push(() => b.dispose());
  return b;
}

async function watcher(url: string, filters = ['vipgate/#', 'homeassistant/#'], options: Record<string, unknown> = {}): Promise<Watcher> {
  const w = await Watcher.connect(url, filters, options);
  cleanups.push(() => w.close());
  return w;
}

async function telemetry(o: TelemetryOptions, source: FakeRouter, log = silentLogger()): Promise<MqttTelemetry> {
  const t = await startTelemetry(o, source, systemClock, log);
  cleanups.push(() => t.stop());
  return t;
}

describe('MQTT telemetry with mosquitto', () => {
  it('publishes status, summary, peers, routes, events and HA discovery; a withdrawn route is cleared', async () => {
    const b = await broker();
    const w = await watcher(b.url);
    const fake = threeNodes();
    await telemetry({ url: b.url, site: 'home', host: 'pi', coalesceMs: 20, discoveryPrefix: 'homeassistant' }, fake);

    await w.waitFor(`${BASE}/status`, (p) => p === 'online');
    const route = await w.waitFor(`${BASE}/routes/172.20.1.1_32`, (p) => p !== '');
    expect(JSON.parse(route.payload)).toEqual({
      prefix: VIP, nexthops: [{ gateway: '10.0.0.11', weight: 1 }, { gateway: '10.0.0.12', weight: 2 }, { gateway: '10.0.0.13', weight: 3 }],
    });
    await w.waitFor(`${BASE}/summary`, (p) => JSON.parse(p).routes === 1);
    expect(w.json(`${BASE}/summary`)).toEqual({ routes: 1, peers: 3, peersEstablished: 3, lastFailoverMs: null });
    expect(w.json(`${BASE}/peers/10.0.0.12`)).toMatchObject({ address: '10.0.0.12', state: 'Established', prefixesReceived: 1, prefixesAccepted: 1, hostname: 'node2' });
    const disc = w.json<Record<string, unknown>>('homeassistant/sensor/vipgate_home_pi/peer_10_0_0_12_state/config');
    expect(disc).toMatchObject({ state_topic: `${BASE}/peers/10.0.0.12`, value_template: '{{ value_json.state }}', availability: [{ topic: `${BASE}/status` }] });
    expect(w.json('homeassistant/binary_sensor/vipgate_home_pi/status/config')).toMatchObject({ state_topic: `${BASE}/status`, payload_on: 'online' });

    fake.now += 5000;
    fake.down('10.0.0.13', 'hold timer expired', 7.5);
    await w.waitFor(`${BASE}/routes/172.20.1.1_32`, (p) => JSON.parse(p).nexthops.length === 2);
    await w.waitFor(`${BASE}/peers/10.0.0.13`, (p) => JSON.parse(p).state === 'Idle');
    const events = w.all(`${BASE}/events`).map((m) => JSON.parse(m.payload) as { type: string });
    expect(events).toContainEqual({ type: 'failover', at: new Date(fake.now).toISOString(), peer: '10.0.0.13', reason: 'hold timer expired', prefixes: 1, durationMs: 7.5 });
    expect(events).toContainEqual({ type: 'peer', at: new Date(fake.now).toISOString(), peer: '10.0.0.13', from: 'Established', to: 'Idle', reason: 'hold timer expired' });
    await w.waitFor(`${BASE}/summary`, (p) => JSON.parse(p).lastFailoverMs === 7.5);

    fake.down('10.0.0.11');
    fake.down('10.0.0.12');
    const cleared = await w.waitFor(`${BASE}/routes/172.20.1.1_32`, (p) => p === '');
    expect(cleared.retain).toBe(false);
    // a new subscriber gets no retained route: its retained messages arrive before the status filter's
    const late = await watcher(b.url, [`${BASE}/routes/+`, `${BASE}/status`]);
    await late.waitFor(`${BASE}/status`, (p) => p === 'online');
    expect(late.all(`${BASE}/routes/172.20.1.1_32`)).toEqual([]);
  });

  it('clears retained routes a previous run left that the router no longer has', async () => {
    const b = await broker();
    const old = await watcher(b.url, [`${BASE}/routes/+`]);
    await old.client.publishAsync(`${BASE}/routes/10.99.0.0_24`, JSON.stringify({ prefix: '10.99.0.0/24', nexthops: [] }), { qos: 1, retain: true });
    const fake = threeNodes();
    const t = await telemetry({ url: b.url, site: 'home', host: 'pi', coalesceMs: 20 }, fake);
    await old.waitFor(`${BASE}/routes/10.99.0.0_24`, (p) => p === '');
    await waitFor('connected and drained', () => (t.stats().connected && t.stats().queued === 0 ? true : undefined));
    const late = await watcher(b.url, [`${BASE}/routes/+`, `${BASE}/status`]);
    await late.waitFor(`${BASE}/status`, (p) => p === 'online');
    expect(late.seen.filter((m) => m.topic.includes('/routes/')).map((m) => m.topic)).toEqual([`${BASE}/routes/172.20.1.1_32`]);
  });

  it('coalesces a burst: one message per topic with the latest state', async () => {
    const b = await broker();
    const w = await watcher(b.url, [`${BASE}/routes/+`, `${BASE}/summary`]);
    const fake = threeNodes();
    const t = await telemetry({ url: b.url, site: 'home', host: 'pi', coalesceMs: 100 }, fake);
    await w.waitFor(`${BASE}/routes/172.20.1.1_32`, (p) => p !== '');
    await waitFor('initial state sent', () => (t.stats().queued === 0 ? true : undefined));
    const before = w.seen.length;
    for (let i = 0; i < 300; i++) {
      fake.emit({ type: 'routes', at: fake.now, changes: [{ prefix: `10.50.${i % 100}.0/24`, oldNexthops: [], newNexthops: [{ gateway: '10.0.0.11', weight: i }], reason: 'multipath' }] });
    }
    await w.waitFor(`${BASE}/summary`, (p) => JSON.parse(p).routes === 101);
    await waitFor('100 route topics', () => (new Set(w.seen.slice(before).map((m) => m.topic)).size === 101 ? true : undefined));
    const burst = w.seen.slice(before).filter((m) => m.topic.includes('/routes/10.50.'));
    expect(burst).toHaveLength(100);
    expect(JSON.parse(w.last(`${BASE}/routes/10.50.7.0_24`)!.payload).nexthops).toEqual([{ gateway: '10.0.0.11', weight: 207 }]);
  });

  it('the last will says offline when the publisher process is killed with SIGKILL', async () => {
    const b = await broker();
    const w = await watcher(b.url, ['vipgate/lab/#']);
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'publisher.ts'), b.url, 'box'], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(() => stopChild(child, 1000, 'SIGKILL'));
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (c) => reject(new Error(`publisher exited with ${c}`)));
      createInterface({ input: child.stdout! }).on('line', (l) => { if (l === 'connected') resolve(); });
    });
    await w.waitFor('vipgate/lab/box/status', (p) => p === 'online');
    await w.waitFor('vipgate/lab/box/routes/172.20.1.1_32', (p) => p !== '');
    child.removeAllListeners('exit');
    child.kill('SIGKILL');
    const will = await w.waitFor('vipgate/lab/box/status', (p) => p === 'offline');
    expect(will.payload).toBe('offline');
    const late = await watcher(b.url, ['vipgate/lab/box/status']);
    expect((await late.waitFor('vipgate/lab/box/status', () => true)).payload).toBe('offline');
  });

  it('survives a broker restart: queued changes and the whole state are published again', async () => {
    const b = await broker();
    const fake = threeNodes();
    const t = await telemetry({ url: b.url, site: 'home', host: 'pi', coalesceMs: 20, reconnectMs: 200 }, fake);
    await waitFor('connected', () => (t.stats().connected && t.stats().queued === 0 ? true : undefined));
    await b.stop('SIGKILL');
    await waitFor('disconnected', () => (!t.stats().connected ? true : undefined));
    fake.down('10.0.0.12');
    await waitFor('changes queued', () => (t.stats().queued > 0 ? true : undefined));
    await b.launch();
    // persistence is off: the restarted broker has no retained messages but the ones published again
    await waitFor('reconnected and drained', () => (t.stats().connected && t.stats().queued === 0 ? true : undefined));
    const w = await watcher(b.url, [`${BASE}/#`]);
    expect((await w.waitFor(`${BASE}/status`, () => true)).payload).toBe('online');
    const r = await w.waitFor(`${BASE}/routes/172.20.1.1_32`, () => true);
    expect(JSON.parse(r.payload).nexthops.map((n: { gateway: string }) => n.gateway)).toEqual(['10.0.0.11', '10.0.0.13']);
    expect((await w.waitFor(`${BASE}/peers/10.0.0.12`, () => true)).payload).toContain('"state":"Idle"');
    expect(t.stats().dropped).toBe(0);
  });

  it('while the broker is away the queue is bounded: the oldest go and are counted', async () => {
    const b = await broker();
    const fake = threeNodes();
    const t = await telemetry({ url: b.url, site: 'home', host: 'pi', coalesceMs: 10, queueLimit: 5, reconnectMs: 200 }, fake);
    await waitFor('connected', () => (t.stats().connected && t.stats().queued === 0 ? true : undefined));
    await b.stop('SIGKILL');
    await waitFor('disconnected', () => (!t.stats().connected ? true : undefined));
    // the first state (status, summary, 3 peers, a route, a Service IP) is more than 5 already
    const before = t.stats().dropped;
    for (let i = 0; i < 20; i++) fake.emit({ type: 'failover', at: fake.now + i, peer: '10.0.0.11', reason: 'test', prefixes: 1, durationMs: i });
    await waitFor('queue full', () => (t.stats().dropped > before + 15 ? true : undefined));
    expect(t.stats().queued).toBe(5);
    // 20 events + the summary after the flush (the peers' states did not change, so they are not sent again): 21 in, 5 kept
    expect(t.stats().dropped - before).toBe(16);
  });

  it('username and password: accepted when right, refused when wrong, never logged', async () => {
    const b = await broker({ users: { vipgate: 'pa55-Secret' } });
    const logs: string[] = [];
    const log = pino({ level: 'trace' }, new Writable({ write(chunk, _e, cb) { logs.push(String(chunk)); cb(); } }));
    const ok = await telemetry({ url: b.url, site: 'home', host: 'pi', username: 'vipgate', password: 'pa55-Secret' }, threeNodes(), log);
    await waitFor('authenticated', () => (ok.stats().connected ? true : undefined));
    const bad = await telemetry({ url: b.url.replace('mqtt://', 'mqtt://vipgate:wrong-Secret@'), site: 'home', host: 'pi2', reconnectMs: 100 }, threeNodes(), log);
    await waitFor('refused by the broker', () => (/not authorised/i.test(b.log()) ? true : undefined));
    expect(bad.stats().connected).toBe(false);
    expect(logs.join('')).toContain('MQTT connected');
    expect(logs.join('')).not.toMatch(/pa55-Secret|wrong-Secret/);
  });

  it('TLS: connects to an mqtts listener with the CA given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vg-tls-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const pki = makeTestPki(dir, { ips: ['127.0.0.1'] });
    const b = await broker({ tls: pki.files });
    const t = await telemetry({ url: b.url, site: 'home', host: 'pi', tls: { ca: pki.files.ca } }, threeNodes());
    await waitFor('TLS session', () => (t.stats().connected ? true : undefined));
    const w = await watcher(b.url, [`${BASE}/status`], { ca: pki.ca });
    expect((await w.waitFor(`${BASE}/status`, () => true)).payload).toBe('online');
  });
});

afterAll(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });
