/**
 * The broker away for an hour: the router's MQTT telemetry (the real publisher and a real mosquitto) with a
 * fake clock, so an hour of outage is simulated in seconds. During the outage one of 10 nodes flaps every
 * simulated second (each taking 100 VIPs with it or bringing them back, with peer and failover events):
 * the queue never exceeds its limit, what is dropped is counted, and the heap is the same after an hour as
 * after five minutes. When the broker is back, the whole current state is republished: every VIP's
 * retained message equals the router's table, nothing of the state lost.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/log.js';
import { startTelemetry, type MqttTelemetry } from '../../src/telemetry/publisher.js';
import { routePayload, Topics } from '../../src/telemetry/topics.js';
import { FakeRouter } from '../e2e/fake-router.js';
import { waitFor } from '../helpers/netns.js';
import { Mosquitto } from '../integration/telemetry/mosquitto.js';
import { Watcher } from '../integration/telemetry/watcher.js';

const NODES = 10;
const VIPS_PER_NODE = 50;
const QUEUE_LIMIT = 2000;
const HOUR_S = 3600;

/** vitest runs with --expose-gc (vitest.config.ts). */
function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('global gc() missing: run vitest with --expose-gc');
  gc();
  return process.memoryUsage().heapUsed;
}

/** Node i announces its own block of VIPs and its neighbour's, so every VIP has two next hops when both are up. */
function vipsOf(i: number): string[] {
  const block = (n: number) => Array.from({ length: VIPS_PER_NODE }, (_, k) => `172.${20 + (n >> 4)}.${(n & 15) * 16 + (k >> 8)}.${k & 0xff}/32`);
  return [...block(i), ...block((i + 1) % NODES)];
}

describe('MQTT broker away for a simulated hour', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

  it('keeps the queue bounded and memory flat, then republishes the exact state', async () => {
    const broker = await Mosquitto.start();
    cleanups.push(() => broker.stop());
    const fake = new FakeRouter();
    const nodes = Array.from({ length: NODES }, (_, i) => `10.0.${i >> 8}.${(i & 0xff) + 1}`);
    nodes.forEach((a, i) => { fake.addNode(a, `node${i + 1}`); fake.up(a, vipsOf(i)); });
    const clock = new FakeClock();
    const t: MqttTelemetry = await startTelemetry({ url: broker.url, site: 'lab', host: 'pi', coalesceMs: 250, queueLimit: QUEUE_LIMIT, reconnectMs: 100 },
      fake, clock, silentLogger());
    cleanups.push(() => t.stop());
    await waitFor('connected and drained', () => { clock.advance(100); return t.stats().connected && t.stats().queued === 0 ? true : undefined; }, 30_000);

    await broker.stop('SIGKILL');
    await waitFor('the publisher sees the broker gone', () => (!t.stats().connected ? true : undefined), 10_000);

    const heap: number[] = [];
    let maxQueued = 0;
    const up = new Array<boolean>(NODES).fill(true);
    for (let s = 0; s < HOUR_S; s++) {
      const i = (s * 7) % NODES;
      fake.now += 1000;
      if (up[i]) fake.down(nodes[i]!, 'hold timer expired'); else fake.up(nodes[i]!, vipsOf(i));
      up[i] = !up[i];
      clock.advance(1000);
      maxQueued = Math.max(maxQueued, t.stats().queued);
      if (s === 300 || s === HOUR_S - 1) heap.push(heapAfterGc());
    }
    const away = t.stats();
    console.log(`broker away ${HOUR_S} simulated s: ${HOUR_S} flaps, queue max ${maxQueued} (limit ${QUEUE_LIMIT}), dropped ${away.dropped}, `
      + `heap ${(heap[0]! / 2 ** 20).toFixed(1)} MiB at 5 min, ${(heap[1]! / 2 ** 20).toFixed(1)} MiB at 60 min`);
    expect(away.connected).toBe(false);
    expect(maxQueued).toBeLessThanOrEqual(QUEUE_LIMIT);
    expect(away.queued).toBe(QUEUE_LIMIT);
    expect(away.dropped).toBeGreaterThan(0);
    expect(heap[1]! / heap[0]!).toBeLessThan(1.3);

    // the broker comes back (empty: no persistence); the publisher republishes everything it has
    await broker.launch();
    const watcher = await Watcher.connect(broker.url, ['vipgate/lab/pi/routes/#']);
    cleanups.push(() => watcher.close());
    await waitFor('reconnected and drained', () => { clock.advance(100); return t.stats().connected && t.stats().queued === 0 ? true : undefined; }, 60_000);
    const topics = new Topics('lab', 'pi');
    const current = new Map((await fake.routes()).map((r) => [r.prefix, r.nexthops]));
    const allVips = [...new Set(nodes.flatMap((_, i) => vipsOf(i)))];
    await waitFor('every VIP\'s latest state on the broker', () => (allVips.every((v) => {
      const want = routePayload(v, current.get(v) ?? []);
      const got = watcher.last(topics.route(v))?.payload;
      return want === '' ? got === undefined || got === '' : got === want;
    }) ? true : undefined), 30_000);
    expect(current.size).toBeGreaterThan(0);
  }, 120_000);
});
