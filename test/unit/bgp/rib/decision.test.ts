// Best path selection: one base path plus one variant per decision step (OpenBGPD's test style).
// In every case the better path comes from the peer that would lose every later tie-breaker
// (higher router id and address), so the step under test is what makes it win.
import { describe, expect, it } from 'vitest';
import {
  better, comparePaths, DEFAULT_DECISION_OPTIONS, DecisionStep, selectBest, STEPS, type DecisionOptions,
} from '../../../../src/bgp/rib/decision.js';
import { asPathLength, neighborAs, type Path } from '../../../../src/bgp/rib/path.js';
import { AsPathSegmentType, Origin, WellKnownCommunity } from '../../../../src/wire/bgp/types.js';
import { path, seq, set, type Variant } from './paths.js';

const A = '192.168.10.10';
const B = '192.168.10.20';
const base: Variant = { attributes: { localPref: 100 } };
/** Build the worse path (peer A) and the better one (peer B) from the base plus a variant each. */
function pair(worse: Variant, winner: Variant): [Path, Path] {
  const w = path({ ...base, peer: A, ...worse, attributes: { ...base.attributes, ...worse.attributes } });
  const b = path({ ...base, peer: B, ...winner, attributes: { ...base.attributes, ...winner.attributes } });
  return [w, b];
}

const cases: { step: DecisionStep; worse: Variant; better: Variant; options?: Partial<DecisionOptions> }[] = [
  // graceful shutdown loses even with a higher LOCAL_PREF
  { step: DecisionStep.GRACEFUL_SHUTDOWN, worse: { attributes: { localPref: 300, communities: [WellKnownCommunity.GRACEFUL_SHUTDOWN] } }, better: {} },
  // a stale path (RFC 4724 4.2) ranks like a fresh one: LOCAL_PREF still decides
  { step: DecisionStep.LOCAL_PREF, worse: {}, better: { stale: true, attributes: { localPref: 200 } } },
  // LOCAL_PREF beats a shorter AS_PATH
  { step: DecisionStep.LOCAL_PREF, worse: {}, better: { attributes: { localPref: 200, asPath: [seq(64512, 65000, 65001)] } } },
  // AS_PATH length beats ORIGIN
  { step: DecisionStep.AS_PATH_LENGTH, worse: { attributes: { asPath: [seq(64512, 64512)] } }, better: { attributes: { origin: Origin.INCOMPLETE } } },
  // ORIGIN beats MED
  { step: DecisionStep.ORIGIN, worse: { attributes: { origin: Origin.EGP, med: 0 } }, better: { attributes: { med: 50 } } },
  // MED (same neighbor AS) beats eBGP over iBGP
  { step: DecisionStep.MED, worse: { attributes: { med: 20 } }, better: { ibgp: true, attributes: { med: 10 } } },
  // a missing MED counts as 0 (RFC 4271 9.1.2.2 c)
  { step: DecisionStep.MED, worse: { attributes: { med: 1 } }, better: {} },
  // eBGP beats a lower IGP cost
  { step: DecisionStep.EBGP_OVER_IBGP, worse: { ibgp: true }, better: { igpCost: 10 } },
  { step: DecisionStep.IGP_COST, worse: { igpCost: 5 }, better: { igpCost: 1 } },
  { step: DecisionStep.OLDEST_EBGP, worse: { receivedAt: 2000 }, better: { receivedAt: 1000 }, options: { preferOldest: true } },
  { step: DecisionStep.ROUTER_ID, worse: { routerId: '10.0.0.10' }, better: { routerId: '10.0.0.9' } },
  // ORIGINATOR_ID stands in for the router id (RFC 4456 9)
  { step: DecisionStep.ROUTER_ID, worse: { routerId: '10.0.0.1', ibgp: true }, better: { routerId: '10.0.0.200', ibgp: true, attributes: { originatorId: '10.0.0.0' } } },
  { step: DecisionStep.CLUSTER_LIST, worse: { routerId: '1.1.1.1', attributes: { clusterList: ['9.9.9.9', '8.8.8.8'] } }, better: { routerId: '1.1.1.1', attributes: { clusterList: ['9.9.9.9'] } } },
  { step: DecisionStep.NEIGHBOR_ADDRESS, worse: { routerId: '1.1.1.1', peer: '192.168.10.100' }, better: { routerId: '1.1.1.1', peer: '192.168.10.99' } },
  { step: DecisionStep.PATH_ID, worse: { peer: B, pathId: 7 }, better: { pathId: 3 } },
];

describe('selectBest: one variant per step', () => {
  for (const c of cases) {
    it(`${c.step}: the variant wins at this step in either order`, () => {
      const o = { ...DEFAULT_DECISION_OPTIONS, ...c.options };
      const [w, b] = pair(c.worse, c.better);
      expect(selectBest([w, b], o)).toEqual({ best: b, step: c.step });
      expect(selectBest([b, w], o)).toEqual({ best: b, step: c.step });
      expect(comparePaths(b, w, o)).toEqual({ order: -1, step: c.step });
      expect(comparePaths(w, b, o)).toEqual({ order: 1, step: c.step });
      expect(better(b, w, o)).toBe(true);
      expect(better(w, b, o)).toBe(false);
    });
  }

  it('covers every step of the table', () => {
    const covered = new Set(cases.map((c) => c.step));
    expect(STEPS.map((s) => s.step).filter((s) => !covered.has(s))).toEqual([]);
  });

  it('one candidate wins as the only candidate; none gives undefined', () => {
    const p = path();
    expect(selectBest([p])).toEqual({ best: p, step: DecisionStep.ONLY_CANDIDATE });
    expect(selectBest([])).toBeUndefined();
  });

  it('the oldest-path step is off by default: the router id decides', () => {
    const [w, b] = pair({ receivedAt: 2000, routerId: '10.0.0.1' }, { receivedAt: 1000, routerId: '10.0.0.2' });
    expect(selectBest([w, b])).toEqual({ best: w, step: DecisionStep.ROUTER_ID });
    expect(selectBest([w, b], { ...DEFAULT_DECISION_OPTIONS, preferOldest: true })).toEqual({ best: b, step: DecisionStep.OLDEST_EBGP });
  });

  it('the oldest-path step skips iBGP paths', () => {
    const [w, b] = pair({ ibgp: true, receivedAt: 1, routerId: '10.0.0.2' }, { ibgp: true, receivedAt: 2, routerId: '10.0.0.1' });
    expect(selectBest([w, b], { ...DEFAULT_DECISION_OPTIONS, preferOldest: true })).toEqual({ best: b, step: DecisionStep.ROUTER_ID });
  });

  it('a graceful-shutdown path counts LOCAL_PREF 0 against another graceful-shutdown path', () => {
    const g = [WellKnownCommunity.GRACEFUL_SHUTDOWN];
    const [w, b] = pair({ attributes: { localPref: 500, communities: g }, routerId: '10.0.0.1' }, { attributes: { localPref: 100, communities: g }, routerId: '10.0.0.2' });
    // both count as LOCAL_PREF 0, so the router id decides, not the 500
    expect(selectBest([w, b])).toEqual({ best: w, step: DecisionStep.ROUTER_ID });
  });

  it('a missing LOCAL_PREF counts as the configured default', () => {
    const [w, b] = pair({ attributes: { localPref: 150 } }, { attributes: { localPref: undefined } });
    expect(selectBest([w, b])!.best).toBe(w);
    expect(selectBest([w, b], { ...DEFAULT_DECISION_OPTIONS, defaultLocalPref: 200 })).toEqual({ best: b, step: DecisionStep.LOCAL_PREF });
  });
});

describe('MED', () => {
  it('is not compared between different neighbor ASes unless alwaysCompareMed', () => {
    const [w, b] = pair({ routerId: '10.0.0.1', attributes: { asPath: [seq(65001)], med: 0 } }, { routerId: '10.0.0.2', attributes: { asPath: [seq(65002)], med: 100 } });
    expect(selectBest([w, b])).toEqual({ best: w, step: DecisionStep.ROUTER_ID });
    expect(selectBest([w, b], { ...DEFAULT_DECISION_OPTIONS, alwaysCompareMed: true })).toEqual({ best: w, step: DecisionStep.MED });
  });

  it('gives the same winner for every arrival order (RFC 4271 9.1.2.2 c is a set rule, not pairwise)', () => {
    // pairwise, A beats B (different AS, IGP cost), C beats A (same AS, MED) and B beats C (IGP cost):
    // the set rule first removes A (higher MED than C in AS 65001), then B wins on IGP cost
    const a = path({ peer: '10.0.0.1', attributes: { asPath: [seq(65001)], med: 100 }, igpCost: 5 });
    const b = path({ peer: '10.0.0.2', attributes: { asPath: [seq(65002)], med: 50 }, igpCost: 10 });
    const c = path({ peer: '10.0.0.3', attributes: { asPath: [seq(65001)], med: 50 }, igpCost: 20 });
    const orders = [[a, b, c], [a, c, b], [b, a, c], [b, c, a], [c, a, b], [c, b, a]];
    for (const o of orders) expect(selectBest(o)).toEqual({ best: b, step: DecisionStep.IGP_COST });
  });
});

describe('AS_PATH helpers', () => {
  it('counts an AS_SET as 1 and confederation segments as 0', () => {
    expect(asPathLength([seq(1, 2, 3), set(4, 5, 6)])).toBe(4);
    expect(asPathLength([{ type: AsPathSegmentType.AS_CONFED_SEQUENCE, asns: [65000, 65001] }, seq(1)])).toBe(1);
    expect(asPathLength([{ type: AsPathSegmentType.AS_CONFED_SET, asns: [65000] }])).toBe(0);
    expect(asPathLength(undefined)).toBe(0);
  });

  it('an AS_SET makes a path as long as one more AS in sequence', () => {
    const [w, b] = pair({ attributes: { asPath: [seq(64512), set(1, 2, 3, 4)] }, routerId: '10.0.0.1' }, { attributes: { asPath: [seq(64512, 65000)] }, routerId: '10.0.0.2' });
    expect(selectBest([w, b])).toEqual({ best: w, step: DecisionStep.ROUTER_ID });
  });

  it('the neighbor AS is the first AS outside the confederation; empty path is 0 (our own)', () => {
    expect(neighborAs([{ type: AsPathSegmentType.AS_CONFED_SEQUENCE, asns: [65000] }, seq(64512, 1)])).toBe(64512);
    expect(neighborAs([])).toBe(0);
  });
});
