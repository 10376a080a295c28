/**
 * The health checks' decisions without sockets: a (route, next hop) pair goes down after `fails` failed
 * checks in a row and up after `passes` passes in a row (a pass in between resets the count), pairs that leave
 * the targets are forgotten; the gate takes a down next hop out of that route only, keeps a route whose every
 * next hop is down whole, lets unwatched routes pass untouched, and gives the full set back on markUp.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/lib/clock.js';
import { parsePrefix } from '../../../src/lib/address.js';
import { ServiceHealth, type HealthTarget } from '../../../src/probe/service-health.js';
import { ServiceGate } from '../../../src/probe/service-gate.js';
import type { GatedChange } from '../../../src/probe/gate.js';

const target = (nexthop: string): HealthTarget => ({ prefix: '172.20.1.1/32', nexthop, port: 80, timeoutMs: 100, fails: 3, passes: 2 });
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('ServiceHealth', () => {
  it('down after `fails` failures in a row, up after `passes` passes in a row', async () => {
    const clock = new FakeClock();
    const results: (string | undefined)[] = ['refused', 'refused', undefined, 'refused', 'refused', 'refused', 'timeout', undefined, undefined, undefined];
    const events: string[] = [];
    const h = new ServiceHealth(clock, 1000, () => [target('10.0.0.1')], () => Promise.resolve(results.shift()), {
      down: (t, why) => events.push(`down ${t.nexthop} ${why}`), up: (t) => events.push(`up ${t.nexthop}`),
    });
    h.start();
    for (let i = 0; i < 10; i++) { await flush(); clock.advance(1000); }
    await flush();
    // the pass after two failures resets the count: down only at the third failure in a row, up at the second pass
    expect(events).toEqual(['down 10.0.0.1 refused', 'up 10.0.0.1']);
    expect(h.states()).toEqual([{ target: target('10.0.0.1'), up: true, failedInRow: 0 }]);
    h.stop();
  });

  it('forgets a pair that is no longer a target', async () => {
    const clock = new FakeClock();
    let targets = [target('10.0.0.1'), target('10.0.0.2')];
    const h = new ServiceHealth(clock, 1000, () => targets, () => Promise.resolve('refused'), { down: () => undefined, up: () => undefined });
    h.start();
    await flush();
    targets = [target('10.0.0.1')];
    clock.advance(1000);
    await flush();
    expect(h.states().map((v) => [v.target.nexthop, v.failedInRow])).toEqual([['10.0.0.1', 2]]);
    h.stop();
  });
});

describe('ServiceGate', () => {
  const set = (prefix: string, ...hops: string[]) => ({ op: 'set' as const, prefix: parsePrefix(prefix), nexthops: hops.map((address) => ({ address, weight: 1 })) });
  const addrs = (cs: readonly GatedChange[]): string[][] => cs.map((c) => (c.op === 'set' ? c.nexthops.map((h) => h.address) : []));

  it('takes a next hop out of one route, gives it back, and leaves unwatched routes alone', () => {
    const g = new ServiceGate((p) => p.startsWith('172.20.'));
    expect(addrs(g.filter([set('172.20.1.1/32', 'a', 'b'), set('172.20.1.2/32', 'a', 'b'), set('10.0.0.0/8', 'a', 'b')]))).toEqual([['a', 'b'], ['a', 'b'], ['a', 'b']]);
    expect(addrs(g.markDown('172.20.1.1/32', 'b'))).toEqual([['a']]);
    // later changes of that route keep b out; the other route keeps it
    expect(addrs(g.filter([set('172.20.1.1/32', 'a', 'b', 'c'), set('172.20.1.2/32', 'a', 'b')]))).toEqual([['a', 'c'], ['a', 'b']]);
    expect(addrs(g.markUp('172.20.1.1/32', 'b'))).toEqual([['a', 'b', 'c']]);
    expect(g.markUp('172.20.1.1/32', 'b')).toEqual([]);
    // not watched: never filtered, even when marked
    g.markDown('10.0.0.0/8', 'a');
    expect(addrs(g.filter([set('10.0.0.0/8', 'a', 'b')]))).toEqual([['a', 'b']]);
  });

  it('a route whose every next hop failed keeps its set; retain() forgets pairs no longer checked', () => {
    const g = new ServiceGate(() => true);
    g.filter([set('172.20.1.1/32', 'a', 'b')]);
    g.markDown('172.20.1.1/32', 'a');
    expect(addrs(g.markDown('172.20.1.1/32', 'b'))).toEqual([['a', 'b']]);
    g.retain((_p, nh) => nh === 'b');
    expect(addrs(g.filter([set('172.20.1.1/32', 'a', 'b')]))).toEqual([['a']]);
  });
});
