/**
 * BFD on its own thread (src/bfd/thread.ts + worker.ts), over loopback: two threads bring a session Up and
 * keep it Up while the main thread is blocked for longer than the detection time (the reason the thread
 * exists), then one side's sessions end with AdminDown and the other reports that as no failure.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BfdThread } from '../../../src/bfd/thread.js';
import { waitFor } from '../../helpers/netns.js';
import { freePorts } from './loopback.js';

const threads: BfdThread[] = [];
afterEach(async () => { for (const t of threads.splice(0)) await t.close(); });

async function start(listenPort: number, port: number) {
  const log = { up: 0, down: [] as [number, boolean][], errors: [] as string[] };
  const t = await BfdThread.start(
    { transport: { listen: ['127.0.0.1'], families: [4], listenPort, port }, reportDrops: false },
    { up: () => log.up++, down: (_p, d, admin) => log.down.push([d, admin]) },
    (e) => log.errors.push(e.message),
  );
  threads.push(t);
  t.add({ address: '127.0.0.1', minTxMs: 50, minRxMs: 50, multiplier: 3 });
  return { t, log };
}

describe('BfdThread', () => {
  it('stays Up through a 1 s block of the main thread (detection time 150 ms), and reports a remote AdminDown as such', async () => {
    const [pa, pb] = freePorts();
    const a = await start(pa, pb);
    const b = await start(pb, pa);
    await waitFor('both Up', () => (a.log.up && b.log.up ? true : undefined), 10_000, 50);
    await waitFor('fast timers', async () => ((await a.t.views())[0]?.detectionTimeMs === 150 ? true : undefined), 5000, 50);
    const before = (await a.t.views())[0]!;
    const end = Date.now() + 1000;
    while (Date.now() < end) { /* the main thread is busy */ }
    await new Promise((r) => setTimeout(r, 100));
    const after = (await a.t.views())[0]!;
    expect(after.state).toBe('Up');
    expect(after.transitions).toBe(before.transitions);
    expect(after.packetsIn - before.packetsIn).toBeGreaterThan(10);
    expect(a.log.down).toEqual([]);
    await b.t.close();
    await waitFor('a sees the AdminDown', () => (a.log.down.length ? true : undefined), 5000, 20);
    expect(a.log.down).toEqual([[3, true]]);
    expect([...a.log.errors, ...b.log.errors]).toEqual([]);
  });

  it('refuses to start when it cannot bind, with the errno name', async () => {
    // 192.0.2.1 (TEST-NET-1) is on no interface here: bind fails before any packet could leave
    const e = await BfdThread.start({ transport: { listen: ['192.0.2.1'], families: [4], listenPort: 3784 }, reportDrops: false },
      { up: () => undefined, down: () => undefined }, () => undefined).then((t) => { threads.push(t); return undefined; }, (err: unknown) => err);
    expect(e).toMatchObject({ code: 'EADDRNOTAVAIL', message: expect.stringMatching(/^BFD: bind/) });
  });
});
