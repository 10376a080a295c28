/**
 * BfdManager on a fake clock, two managers wired back to back through an in-memory link that can be cut:
 * sessions come Up, go Down on detection timeout (diag 1), report a remote AdminDown as not a failure
 * (RFC 5882 3.2), select sessions by discriminator and address (RFC 5880 6.8.6), drop TTL != 255 (RFC 5881 5).
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/lib/clock.js';
import { BfdManager, type BfdEvents } from '../../../src/bfd/manager.js';
import { encodeBfdControl } from '../../../src/wire/bfd/control.js';
import { AuthType } from '../../../src/wire/bfd/types.js';

interface Log { up: string[]; down: [string, number, boolean][]; dropped: string[] }

function pair(opts: { aKey?: Uint8Array; bKey?: Uint8Array } = {}) {
  const clock = new FakeClock(1000);
  let linked = true;
  const logs: Record<'a' | 'b', Log> = { a: { up: [], down: [], dropped: [] }, b: { up: [], down: [], dropped: [] } };
  const events = (l: Log): BfdEvents => ({
    up: (p) => l.up.push(p), down: (p, d, admin) => l.down.push([p, d, admin]), dropped: (_p, r) => l.dropped.push(r),
  });
  // A is 192.0.2.1, B is 192.0.2.2; delivery is deferred by 1 ms like a wire
  const managers: { a?: BfdManager; b?: BfdManager } = {};
  const wire = (to: 'a' | 'b', from: string) => ({
    send: (bytes: Uint8Array) => {
      if (!linked) return;
      const copy = bytes.slice();
      clock.at(clock.now() + 1, () => managers[to]!.receive(copy, 255, from));
    },
  });
  let seed = 0;
  const random = () => ((seed = (seed * 16807 + 7) % 2147483647) / 2147483647);
  managers.a = new BfdManager(clock, wire('b', '192.0.2.1'), events(logs.a), random);
  managers.b = new BfdManager(clock, wire('a', '192.0.2.2'), events(logs.b), random);
  const key = (k?: Uint8Array) => (k ? { key: { type: AuthType.KEYED_SHA1, keyId: 1, secret: k } } : {});
  managers.a.add({ address: '192.0.2.2', minTxMs: 100, minRxMs: 100, multiplier: 3, ...key(opts.aKey) });
  managers.b.add({ address: '192.0.2.1', minTxMs: 100, minRxMs: 100, multiplier: 3, ...key(opts.bKey) });
  return { clock, a: managers.a, b: managers.b, logs, cut: () => { linked = false; }, heal: () => { linked = true; } };
}

describe('BfdManager', () => {
  it('two sessions come Up within a few slow (1 s) intervals, then run fast (100 ms)', () => {
    const { clock, a, b, logs } = pair();
    clock.advance(3000);
    expect(logs.a.up).toEqual(['192.0.2.2']);
    expect(logs.b.up).toEqual(['192.0.2.1']);
    clock.advance(500);
    const v = a.views()[0]!;
    expect(v).toMatchObject({ state: 'Up', remoteState: 'Up', txIntervalMs: 100, detectionTimeMs: 300, polling: false });
    expect(v.remoteDiscriminator).toBe(b.views()[0]!.localDiscriminator);
    // steady state: 100 ms less 0-25% jitter, so 10..14 packets a second each way
    const before = v.packetsOut;
    clock.advance(1000);
    const sent = a.views()[0]!.packetsOut - before;
    expect(sent).toBeGreaterThanOrEqual(10);
    expect(sent).toBeLessThanOrEqual(14);
  });

  it('a cut link takes both sessions Down with diag 1 within the detection time (300 ms)', () => {
    const { clock, logs, cut } = pair();
    clock.advance(4000);
    cut();
    const t0 = clock.now();
    for (let i = 0; i < 40 && logs.a.down.length === 0; i++) clock.advance(10);
    expect(logs.a.down).toEqual([['192.0.2.2', 1, false]]);
    expect(clock.now() - t0).toBeLessThanOrEqual(300);
    clock.advance(300);
    expect(logs.b.down).toEqual([['192.0.2.1', 1, false]]);
  });

  it('comes back Up after the link heals', () => {
    const { clock, a, logs, cut, heal } = pair();
    clock.advance(4000);
    cut();
    clock.advance(2000);
    heal();
    clock.advance(4000);
    expect(logs.a.up).toEqual(['192.0.2.2', '192.0.2.2']);
    expect(a.state('192.0.2.2')).toBe('Up');
  });

  it('removing a session sends AdminDown: the other side goes Down, flagged as not a failure (RFC 5882 3.2)', () => {
    const { clock, a, logs } = pair();
    clock.advance(4000);
    a.remove('192.0.2.2');
    clock.advance(5);
    expect(logs.b.down).toEqual([['192.0.2.1', 3, true]]);
    expect(a.views()).toEqual([]);
  });

  it('drops TTL != 255, garbage, unknown discriminators and strangers', () => {
    const { a, logs } = pair();
    const p = { diag: 0, state: 'Down' as const, poll: false, final: false, controlPlaneIndependent: false, demand: false, detectMult: 3, myDiscriminator: 9, yourDiscriminator: 0, desiredMinTxUs: 1e6, requiredMinRxUs: 1e6, requiredMinEchoRxUs: 0 };
    a.receive(encodeBfdControl(p), 254, '192.0.2.2');
    a.receive(Uint8Array.of(1, 2, 3), 255, '192.0.2.2');
    a.receive(encodeBfdControl({ ...p, state: 'Up', yourDiscriminator: 12345 }), 255, '192.0.2.2');
    a.receive(encodeBfdControl(p), 255, '192.0.2.99');
    const mine = a.views()[0]!.localDiscriminator;
    a.receive(encodeBfdControl({ ...p, state: 'Init', yourDiscriminator: mine }), 255, '192.0.2.98');
    expect(logs.a.dropped).toEqual([
      'TTL 254 is not 255', 'payload of 3 octets is shorter than 24', 'no session with discriminator 12345',
      'no session for this address', `discriminator ${mine} belongs to 192.0.2.2`,
    ]);
    expect(a.state('192.0.2.2')).toBe('Down');
  });

  it('keyed SHA1 on both sides comes Up; a wrong key never does and its packets are dropped', () => {
    const good = pair({ aKey: Uint8Array.of(1, 2, 3), bKey: Uint8Array.of(1, 2, 3) });
    good.clock.advance(4000);
    expect(good.a.state('192.0.2.2')).toBe('Up');
    const bad = pair({ aKey: Uint8Array.of(1, 2, 3), bKey: Uint8Array.of(9) });
    bad.clock.advance(4000);
    expect(bad.a.state('192.0.2.2')).toBe('Down');
    expect(bad.logs.a.dropped).toContain('wrong digest');
    expect(bad.logs.a.up).toEqual([]);
  });

  it('reconfiguring timers while Up polls, and the new detection time follows the Final', () => {
    const { clock, a, b } = pair();
    clock.advance(4000);
    b.add({ address: '192.0.2.1', minTxMs: 200, minRxMs: 200, multiplier: 5 });
    clock.advance(1000);
    expect(a.views()[0]).toMatchObject({ state: 'Up', detectionTimeMs: 1000, txIntervalMs: 200 });
    expect(b.views()[0]).toMatchObject({ state: 'Up', polling: false, txIntervalMs: 200, detectionTimeMs: 600 });
  });
});
