// Order independence: for random candidate sets with many ties (seeded, bounded), every arrival order
// gives the same best path, step and multipath set; the best path is never beaten pairwise by a path
// from the same neighbor AS (where the steps are transitive).
import { describe, expect, it } from 'vitest';
import { allTieToIgpCost, comparePaths, selectBest } from '../../../../src/bgp/rib/decision.js';
import { DEFAULT_MULTIPATH_OPTIONS, multipathNexthops, NexthopSets, selectMultipath } from '../../../../src/bgp/rib/multipath.js';
import { neighborAs, type Path } from '../../../../src/bgp/rib/path.js';
import { WellKnownCommunity } from '../../../../src/wire/bgp/types.js';
import { path, seq } from './paths.js';
import { linkBandwidth } from '../../../../src/wire/bgp/communities.js';
import { seededRandom as rng } from '../../../../src/lib/random.js';


function randomPaths(r: (n: number) => number, spread = 2): Path[] {
  const count = 2 + r(4);
  return Array.from({ length: count }, (_, i) => path({
    peer: `10.0.${r(2)}.${i + 1}`,
    routerId: `1.1.1.${1 + r(3)}`,
    ibgp: r(4) === 0,
    stale: r(6) === 0,
    igpCost: r(2),
    receivedAt: r(3),
    attributes: {
      localPref: 100 + 50 * r(spread),
      asPath: [seq(...Array.from({ length: 1 + r(spread) }, () => 65000 + r(spread)))],
      origin: r(spread) as 0 | 1,
      ...(r(2) ? { med: r(spread + 1) } : {}),
      ...(r(8) === 0 ? { communities: [WellKnownCommunity.GRACEFUL_SHUTDOWN] } : {}),
    },
  }));
}

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

describe('decision is independent of arrival order', () => {
  it('500 random candidate sets, every permutation', () => {
    const r = rng(20261126);
    const o = { ...DEFAULT_MULTIPATH_OPTIONS, maximumPaths: 8, preferOldest: true };
    for (let round = 0; round < 500; round++) {
      const paths = randomPaths(r);
      const want = selectBest(paths, o)!;
      const wantMp = selectMultipath(want.best, paths, o).nexthops.map((n) => n.address);
      for (const p of permutations(paths)) {
        const got = selectBest(p, o)!;
        expect([round, got.best.source.address, got.step]).toEqual([round, want.best.source.address, want.step]);
        expect(selectMultipath(got.best, p, o).nexthops.map((n) => n.address)).toEqual(wantMp);
      }
      for (const other of paths) {
        if (other === want.best || neighborAs(other.attributes.asPath) !== neighborAs(want.best.attributes.asPath)) continue;
        expect(comparePaths(want.best, other, o).order).toBe(-1);
      }
    }
  });
});

describe('the tie shortcut (candidates equal up to the IGP cost skip those steps)', () => {
  it('gives what the full step table gives, on 2000 random candidate sets that often tie', () => {
    const r = rng(20261127);
    const o = { ...DEFAULT_MULTIPATH_OPTIONS, maximumPaths: 8 };
    let tied = 0;
    for (let round = 0; round < 2000; round++) {
      const paths = randomPaths(r, 1 + (round % 2)).map((p) => (round % 3 ? p : { ...p, stale: false, gracefulShutdown: false, igpCost: 0 }));
      const shortcut = allTieToIgpCost(paths, o);
      if (shortcut) tied++;
      const full = selectBest(paths, o, false)!;
      const fast = selectBest(paths, o, shortcut)!;
      expect([round, fast.best, fast.step]).toEqual([round, full.best, full.step]);
      expect(selectMultipath(fast.best, paths, o, shortcut)).toEqual(selectMultipath(full.best, paths, o, false));
    }
    expect(tied).toBeGreaterThan(50);
    expect(tied).toBeLessThan(2000);
  });
});

describe('multipath next hops without ranking (tied candidates, equal weights)', () => {
  it('are the shared array selectMultipath gives, on 2000 random sets (shared next hops, link bandwidth, small maximumPaths)', () => {
    const r = rng(20261128);
    const sets = new NexthopSets();
    let fast = 0;
    for (let round = 0; round < 2000; round++) {
      const o = { ...DEFAULT_MULTIPATH_OPTIONS, maximumPaths: [1, 2, 4, 8][r(4)]!, linkBandwidth: r(4) !== 0 };
      const paths = randomPaths(r, 1).map((p, i) => ({
        ...p, stale: false, gracefulShutdown: false, igpCost: 0,
        nextHop: `10.1.0.${r(3) === 0 ? 1 : i + 1}`,
        attributes: r(5) === 0 ? { ...p.attributes, extendedCommunities: [linkBandwidth(64512, 1000 * (1 + r(3)))] } : p.attributes,
      }));
      const tied = allTieToIgpCost(paths, o);
      const best = selectBest(paths, o, tied)!.best;
      const want = sets.intern(selectMultipath(best, paths, o, tied).nexthops);
      const got = multipathNexthops(best, paths, o, tied, sets);
      expect([round, got]).toEqual([round, want]);
      expect(got).toBe(want);
      if (tied && paths.length <= o.maximumPaths) fast++;
    }
    expect(fast).toBeGreaterThan(200);
  });
});
