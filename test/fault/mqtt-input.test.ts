/**
 * The router's one MQTT input: on (re)connect it reads the retained messages under its routes/ topic and
 * clears those for routes it does not have (it subscribes to routes/+, its own one-level route topics). A
 * hostile or broken client leaves retained messages there first, with generated topic levels (any Unicode,
 * '_') and payloads (binary, 256 KiB), and a forged payload for the router's own route; the publisher must
 * stay up, clear every foreign route topic and leave exactly its own route, with the right payload.
 */
import fc from 'fast-check';
import { connectAsync } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/log.js';
import { startTelemetry } from '../../src/telemetry/publisher.js';
import { routePayload, Topics } from '../../src/telemetry/topics.js';
import { FakeRouter } from '../e2e/fake-router.js';
import { waitFor } from '../helpers/netns.js';
import { Mosquitto } from '../integration/telemetry/mosquitto.js';
import { Watcher } from '../integration/telemetry/watcher.js';

const VIP = '172.20.1.1/32';
const HOSTILE = 300;

describe('hostile retained messages under the router\'s routes/ topic', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

  it('are all cleared; the router\'s own routes stay, the publisher stays up', async () => {
    const broker = await Mosquitto.start();
    cleanups.push(() => broker.stop());
    const topics = new Topics('lab', 'pi');
    const routesRoot = `${topics.base}/routes/`;

    // the router reads routes/+ (one level, its own route topics): any Unicode but the characters MQTT topic
    // names may not hold ('+', '#', NUL) or that split levels ('/')
    const level = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).map((s) => s.replace(/[/+#\u0000]/g, '_'));
    const hostile = fc.sample(fc.noBias(fc.record({
      level,
      payload: fc.oneof({ arbitrary: fc.uint8Array({ minLength: 1, maxLength: 4096 }), weight: 30 }, { arbitrary: fc.constant(new Uint8Array(256 * 1024).fill(0x7b)), weight: 1 }),
    })), { seed: 5, numRuns: HOSTILE });
    const attacker = await connectAsync(broker.url, { protocolVersion: 5 });
    const planted = new Set<string>();
    for (const h of hostile) {
      const topic = `${routesRoot}${h.level}`;
      await attacker.publishAsync(topic, Buffer.from(h.payload), { qos: 1, retain: true });
      planted.add(topic);
    }
    await attacker.endAsync();
    // the attacker also claims the router's own route
    const own = await connectAsync(broker.url, { protocolVersion: 5 });
    await own.publishAsync(topics.route(VIP), 'forged', { qos: 1, retain: true });
    await own.endAsync();

    const fake = FakeRouter.withNodes(VIP, [1, 2]);
    const t = await startTelemetry({ url: broker.url, site: 'lab', host: 'pi', coalesceMs: 10, reconnectMs: 100 }, fake, systemClock, silentLogger());
    cleanups.push(() => t.stop());
    await waitFor('connected and drained', () => (t.stats().connected && t.stats().queued === 0 && t.stats().published > planted.size ? true : undefined), 60_000);

    // a fresh subscriber sees what the broker keeps retained under routes/: only the router's own route, right
    const w = await Watcher.connect(broker.url, [`${routesRoot}#`]);
    cleanups.push(() => w.close());
    const want = routePayload(VIP, (await fake.routes()).find((r) => r.prefix === VIP)!.nexthops);
    await waitFor('the router\'s route retained', () => (w.last(topics.route(VIP))?.payload === want ? true : undefined), 10_000);
    await new Promise((r) => setTimeout(r, 500));
    const kept = [...new Set(w.seen.filter((m) => m.retain && m.payload !== '').map((m) => m.topic))];
    expect(kept).toEqual([topics.route(VIP)]);
    expect(t.stats().connected).toBe(true);
    expect(t.stats().dropped).toBe(0);
    console.log(`mqtt input: ${planted.size} hostile retained topics planted, all cleared; the router's own route kept`);
  }, 90_000);
});
