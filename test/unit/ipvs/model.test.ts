/**
 * The scheduler model's rules, each from the kernel source (net/netfilter/ipvs/ip_vs_*.c): wrr's gcd
 * stepping and its state after servers are added one by one, rr skipping quiesced servers, the overhead
 * comparisons of lc/wlc/sed/nq, the 256-bucket sh/dh tables, hash_32, Maglev table shares, lblc stickiness
 * and its overload rule, twos choosing only usable servers.
 */
import { describe, expect, it } from 'vitest';
import { hash32, foldAddress } from '../../../src/agent/ipvs/model/hash.js';
import { dhTable, maglevTable, MAGLEV_TABLE_SIZE, shTable, sourceHashing } from '../../../src/agent/ipvs/model/hashing.js';
import { createScheduler, predict, seededRandom, type ModelServer } from '../../../src/agent/ipvs/model/index.js';
import { roundRobin, weightedRoundRobin } from '../../../src/agent/ipvs/model/round-robin.js';

const srv = (weight: number, activeConns = 0, inactiveConns = 0, i = 0): ModelServer =>
  ({ address: `10.1.0.${10 + i}`, port: 80, weight, activeConns, inactiveConns });
const list = (...w: number[]): ModelServer[] => w.map((x, i) => srv(x, 0, 0, i));
const flow = { source: '10.0.0.2', sourcePort: 40000, destination: '10.96.0.10' };
const picks = (m: { pick: (s: readonly ModelServer[], f: typeof flow) => number | undefined }, s: ModelServer[], n: number): (number | undefined)[] =>
  Array.from({ length: n }, () => m.pick(s, flow));

describe('wrr', () => {
  it('steps the current weight down from the maximum: weights 4,3,2 give A A B A B C A B C', () => {
    const s = list(4, 3, 2);
    expect(picks(weightedRoundRobin(s), s, 9)).toEqual([0, 0, 1, 0, 1, 2, 0, 1, 2]);
  });
  it('steps by the gcd of the weights: 4,2 (gcd 2, mw 3) give A A B, again and again', () => {
    const s = list(4, 2);
    expect(picks(weightedRoundRobin(s), s, 6)).toEqual([0, 0, 1, 0, 0, 1]);
  });
  it('after servers are added one by one (cw stays 1) starts with one pass over all', () => {
    const servers = [{ address: 'a', port: 1, weight: 4 }, { address: 'b', port: 1, weight: 3 }, { address: 'c', port: 1, weight: 2 }];
    const flows = Array.from({ length: 9 }, () => flow);
    expect(predict('wrr', 0, servers, flows, false).picks).toEqual([0, 1, 2, 0, 0, 1, 0, 1, 2]);
  });
});

describe('rr', () => {
  it('continues from the last pick and skips weight 0 and overloaded servers', () => {
    const s = list(1, 0, 1, 1);
    s[3]!.overloaded = true;
    expect(picks(roundRobin(), s, 4)).toEqual([0, 2, 0, 2]);
  });
  it('finds nothing when every server is quiesced', () => {
    expect(roundRobin().pick(list(0, 0), flow)).toBeUndefined();
  });
});

describe('connection-count schedulers', () => {
  it('lc: overhead = active x 256 + inactive, ties to the first in list order', () => {
    expect(createScheduler('lc').pick([srv(1, 0, 5), srv(1, 0, 3), srv(1, 1, 0)], flow)).toBe(1);
    expect(createScheduler('lc').pick([srv(1, 0, 3), srv(1, 0, 3)], flow)).toBe(0);
  });
  it('wlc: overhead / weight (2/1 loses to 5/3)', () => {
    expect(createScheduler('wlc').pick([srv(1, 0, 2), srv(3, 0, 5)], flow)).toBe(1);
  });
  it('sed: (active + 1) / weight; nq: an idle server first', () => {
    const s = [srv(5, 2), srv(1, 0)];
    expect(createScheduler('sed').pick(s, flow)).toBe(0);
    expect(createScheduler('nq').pick(s, flow)).toBe(1);
  });
  it('held connections count as active: wlc then spreads 3:1 weights 3:1', () => {
    const servers = [{ address: 'a', port: 1, weight: 3 }, { address: 'b', port: 1, weight: 1 }];
    expect(predict('wlc', 0, servers, Array.from({ length: 8 }, () => flow), true).counts).toEqual([6, 2]);
  });
  it('twos only ever picks usable servers, and roughly by weight', () => {
    const s = list(3, 1, 0, 2);
    s[3]!.overloaded = true;
    const m = createScheduler('twos', 0, seededRandom(7));
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 400; i++) counts[m.pick(s, flow)!]!++;
    expect(counts[2]).toBe(0);
    expect(counts[3]).toBe(0);
    expect(counts[0]! + counts[1]!).toBe(400);
    expect(counts[0]).toBeGreaterThan(counts[1]!);
  });
});

describe('hashing schedulers', () => {
  it('hash_32 multiplies by GOLDEN_RATIO_32 and keeps the top bits', () => {
    const v = foldAddress('10.0.0.2');
    expect(v).toBe(0x0a000002);
    expect(hash32(v, 8)).toBe(Number(((BigInt(v) * 0x61c88647n) & 0xffffffffn) >> 24n));
  });
  it('sh gives each server weight consecutive buckets, round and round; dh one each', () => {
    const t = shTable(list(2, 1));
    expect(t).toHaveLength(256);
    expect(t.slice(0, 7)).toEqual([0, 0, 1, 0, 0, 1, 0]);
    expect(dhTable(list(1, 1, 1)).slice(0, 5)).toEqual([0, 1, 2, 0, 1]);
  });
  it('sh without the port flag sends every connection of one source to one server; with fallback it skips a quiesced one', () => {
    const s = list(1, 1, 1, 1);
    const m = sourceHashing(0, s);
    const first = m.pick(s, flow);
    expect(picks(m, s, 5)).toEqual([first, first, first, first, first]);
    s[first!] = { ...s[first!]!, weight: 0 };
    expect(sourceHashing(0, s).pick(s, flow)).toBeUndefined();
    const fb = sourceHashing(0x08, s).pick(s, flow);
    expect(fb).toBeDefined();
    expect(fb).not.toBe(first);
  });
  it('Maglev fills all 4093 entries, in proportion to the weights', () => {
    const t = maglevTable(list(2, 1, 1));
    expect(t).toHaveLength(MAGLEV_TABLE_SIZE);
    expect(t.every((x) => x !== undefined)).toBe(true);
    const share = [0, 1, 2].map((i) => t.filter((x) => x === i).length / MAGLEV_TABLE_SIZE);
    expect(share[0]).toBeCloseTo(0.5, 2);
    expect(share[1]).toBeCloseTo(0.25, 2);
  });
});

describe('locality schedulers', () => {
  it('lblc keeps a destination on its server until that server is overloaded (active > weight while another is under half)', () => {
    const s = [srv(1, 0, 0, 0), srv(4, 0, 0, 1)];
    const m = createScheduler('lblc');
    const first = m.pick(s, flow)!;
    expect(first).toBe(0);
    s[0]!.activeConns = 1;
    expect(m.pick(s, flow)).toBe(0);
    s[0]!.activeConns = 2;
    expect(m.pick(s, flow)).toBe(1);
  });
});
