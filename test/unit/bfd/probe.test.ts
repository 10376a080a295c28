/**
 * Next-hop probing (src/probe): ICMP echo packets (RFC 792 / RFC 4443, RFC 1071 checksum), the prober on a
 * fake clock (N misses -> down, M answers -> up, stale and foreign replies ignored), the gate that keeps a
 * dead next hop out of the FIB's sets and gives the routes back their full sets.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock, type Clock, type TimerHandle } from '../../../src/lib/clock.js';
import { parsePrefix } from '../../../src/lib/address.js';
import { toHex } from '../../../src/lib/bytes.js';
import { echoRequest, internetChecksum, parseEchoReply } from '../../../src/probe/icmp.js';
import { NexthopProber, type Pinger } from '../../../src/probe/prober.js';
import { NexthopGate } from '../../../src/probe/gate.js';
import type { FibChange } from '../../../src/lib/nexthop.js';
import { hex } from '../../helpers/codec-cases.js';

describe('ICMP echo', () => {
  it('RFC 1071 checksum of the RFC 1071 section 3 example words', () => {
    // 0001 f203 f4f5 f6f7: sum ddf2, checksum 220d
    expect(internetChecksum(hex`0001 f203 f4f5 f6f7`).toString(16)).toBe('220d');
  });
  it('an IPv4 Echo Request: type 8, code 0, checksum, identifier, sequence', () => {
    expect(toHex(echoRequest(4, 0x1234, 1, new Uint8Array(0)))).toBe('0800e5ca12340001');
    expect(internetChecksum(echoRequest(4, 0xbeef, 77))).toBe(0);
  });
  it('an IPv6 Echo Request: type 128, checksum left to the kernel', () => {
    expect(toHex(echoRequest(6, 0x1234, 2, new Uint8Array(0)))).toBe('8000000012340002');
  });
  it('parses an IPv4 reply after the IP header, and ignores requests, bad checksums and short reads', () => {
    const reply = echoRequest(4, 0x1234, 9);
    reply[0] = 0; reply[2] = 0; reply[3] = 0;
    const c = internetChecksum(reply);
    reply[2] = c >> 8; reply[3] = c & 0xff;
    const ip = new Uint8Array(20); ip[0] = 0x45;
    const read = new Uint8Array([...ip, ...reply]);
    expect(parseEchoReply(4, read)).toEqual({ id: 0x1234, seq: 9 });
    expect(parseEchoReply(4, new Uint8Array([...ip, ...echoRequest(4, 1, 1)]))).toBeUndefined();
    const bad = read.slice(); bad[30]! ^= 1;
    expect(parseEchoReply(4, bad)).toBeUndefined();
    expect(parseEchoReply(4, read.subarray(0, 24))).toBeUndefined();
    expect(parseEchoReply(6, hex`8100 0000 0007 0003`)).toEqual({ id: 7, seq: 3 });
    expect(parseEchoReply(6, hex`8000 0000 0007 0003`)).toBeUndefined();
  });
});

/** A pinger whose targets answer while `alive` says so, after 5 ms. */
function fakeNetwork(clock: FakeClock) {
  const alive = new Set<string>();
  const pinger: Pinger = {
    onReply: () => {},
    send(address, id, seq) { if (alive.has(address)) clock.at(clock.now() + 5, () => pinger.onReply(address, id, seq)); },
  };
  return { alive, pinger };
}

describe('NexthopProber', () => {
  const opts = { intervalMs: 100, misses: 3, recovers: 2 };
  it('down after N missed probes in a row, up after M answers in a row', () => {
    const clock = new FakeClock();
    const { alive, pinger } = fakeNetwork(clock);
    alive.add('10.0.0.1');
    const log: string[] = [];
    const p = new NexthopProber(clock, pinger, { down: (a) => log.push(`down ${a} @${clock.now()}`), up: (a) => log.push(`up ${a} @${clock.now()}`) }, 42);
    p.add('10.0.0.1', opts);
    clock.advance(1000);
    expect(log).toEqual([]);
    alive.delete('10.0.0.1');
    clock.advance(1000);
    // the last answered probe went out at 1000; 1100, 1200, 1300 miss, judged at 1200, 1300, 1400
    expect(log).toEqual(['down 10.0.0.1 @1400']);
    alive.add('10.0.0.1');
    clock.advance(1000);
    // the probe at 2000 went out before the node was back; those at 2100 and 2200 answer at 2105 and 2205
    expect(log).toEqual(['down 10.0.0.1 @1400', 'up 10.0.0.1 @2205']);
    expect(p.views()[0]).toMatchObject({ address: '10.0.0.1', up: true, missed: 0 });
  });
  it('a single miss between answers does not count towards N', () => {
    const clock = new FakeClock();
    const log: string[] = [];
    let n = 0;
    const pinger: Pinger = { onReply: () => {}, send(a, id, seq) { if (n++ % 3 !== 2) clock.at(clock.now() + 5, () => pinger.onReply(a, id, seq)); } };
    const p = new NexthopProber(clock, pinger, { down: (a) => log.push(a), up: (a) => log.push(a) }, 1);
    p.add('10.0.0.1', opts);
    clock.advance(5000);
    expect(log).toEqual([]);
    expect(p.isUp('10.0.0.1')).toBe(true);
  });
  it('ignores replies with another identifier, an old sequence, or from elsewhere; a late reply is a miss', () => {
    const clock = new FakeClock();
    const log: string[] = [];
    const sent: [string, number, number][] = [];
    const pinger: Pinger = { onReply: () => {}, send: (a, id, seq) => { sent.push([a, id, seq]); } };
    const p = new NexthopProber(clock, pinger, { down: (a) => log.push(`down ${a}`), up: (a) => log.push(`up ${a}`) }, 7);
    p.add('10.0.0.1', { intervalMs: 100, misses: 2, recovers: 1 });
    clock.advance(150);
    pinger.onReply('10.0.0.1', 8, sent.at(-1)![2]); // foreign identifier
    pinger.onReply('10.0.0.2', 7, sent.at(-1)![2]); // another address
    pinger.onReply('10.0.0.1', 7, sent[0]![2]); // the previous probe, too late
    clock.advance(100);
    expect(log).toEqual(['down 10.0.0.1']);
    pinger.onReply('10.0.0.1', 7, sent.at(-1)![2]);
    expect(log).toEqual(['down 10.0.0.1', 'up 10.0.0.1']);
  });
  it('a pinger that throws (no route) counts as misses; remove stops probing', () => {
    const clock = new FakeClock();
    const log: string[] = [];
    let calls = 0;
    const p = new NexthopProber(clock, { onReply: () => {}, send: () => { calls++; throw new Error('ENETUNREACH'); } }, { down: (a) => log.push(a), up: () => {} }, 1);
    p.add('10.0.0.9', { intervalMs: 10, misses: 2, recovers: 1 });
    clock.advance(25);
    expect(log).toEqual(['10.0.0.9']);
    p.remove('10.0.0.9');
    const before = calls;
    clock.advance(100);
    expect(calls).toBe(before);
  });
});

/** A clock whose timers fire only when told, at a chosen time: a blocked event loop runs them late. */
class HandClock implements Clock {
  t = 0;
  private pending: { at: number; fn: () => void }[] = [];
  now(): number { return this.t; }
  at(at: number, fn: () => void): TimerHandle {
    const e = { at, fn };
    this.pending.push(e);
    return { cancel: () => { this.pending = this.pending.filter((x) => x !== e); } };
  }
  /** Run the next timer `lateBy` ms after its time. */
  fireNext(lateBy: number): void {
    const e = this.pending.shift()!;
    this.t = e.at + lateBy;
    e.fn();
  }
}

describe('NexthopProber on a busy event loop', () => {
  it('a tick that runs more than half an interval late does not count the unanswered probe as missed', () => {
    const clock = new HandClock();
    const log: string[] = [];
    const p = new NexthopProber(clock, { onReply: () => {}, send: () => {} }, { down: (a) => log.push(a), up: () => {} }, 1);
    p.add('10.0.0.1', { intervalMs: 100, misses: 2, recovers: 1 });
    for (let i = 0; i < 5; i++) clock.fireNext(80);
    expect(log).toEqual([]);
    expect(p.views()[0]).toMatchObject({ up: true, missed: 0, unjudged: 5 });
    // on time again (a little late is fine): two unanswered probes in a row are two misses
    clock.fireNext(0);
    clock.fireNext(40);
    expect(log).toEqual(['10.0.0.1']);
  });
});

describe('NexthopGate', () => {
  const A = { address: '10.0.0.1', weight: 1 }, B = { address: '10.0.0.2', weight: 1 }, C = { address: '10.0.0.3', weight: 1 };
  const set = (prefix: string, nexthops: typeof A[]): FibChange => ({ op: 'set', prefix: parsePrefix(prefix), nexthops });
  it('passes routes without probed next hops untouched, drops down next hops, keeps a set that would be empty', () => {
    const gate = new NexthopGate((a) => a !== C.address);
    gate.markDown(A.address);
    const shared = [A, B];
    const out = gate.filter([set('192.0.2.1/32', shared), set('192.0.2.2/32', shared), set('192.0.2.3/32', [A]), set('192.0.2.4/32', [C])]);
    expect(out.map((c) => (c.op === 'set' ? c.nexthops.map((h) => h.address) : []))).toEqual([[B.address], [B.address], [A.address], [C.address]]);
    // routes sharing a next-hop array share the filtered array (the FIB keys sets by array)
    expect((out[0] as { nexthops: unknown }).nexthops).toBe((out[1] as { nexthops: unknown }).nexthops);
  });
  it('markUp gives back the full sets of the routes that hold the next hop, minus others still down', () => {
    const gate = new NexthopGate(() => true);
    gate.markDown(A.address);
    gate.markDown(B.address);
    gate.filter([set('192.0.2.1/32', [A, B, C]), set('192.0.2.2/32', [B, C]), set('192.0.2.3/32', [A, C])]);
    gate.filter([{ op: 'delete', prefix: parsePrefix('192.0.2.3/32') }]);
    const back = gate.markUp(A.address);
    expect(back.map((c) => [c.prefix.addr.join('.'), c.op === 'set' ? c.nexthops.map((h) => h.address) : []])).toEqual([['192.0.2.1', [A.address, C.address]]]);
    expect(gate.markUp(A.address)).toEqual([]);
  });
});
