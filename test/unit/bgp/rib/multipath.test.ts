// Multipath: which paths are ECMP-equal to the best (rte_mergable), how many, in what order, and weights.
import { describe, expect, it } from 'vitest';
import { selectBest } from '../../../../src/bgp/rib/decision.js';
import {
  bandwidthWeights, DEFAULT_MULTIPATH_OPTIONS, mergeable, selectMultipath, type MultipathOptions,
} from '../../../../src/bgp/rib/multipath.js';
import type { Path } from '../../../../src/bgp/rib/path.js';
import { WellKnownCommunity } from '../../../../src/wire/bgp/types.js';
import { path, seq, type Variant } from './paths.js';
import { linkBandwidth as lbw } from '../../../../src/wire/bgp/communities.js';

const NODES = ['192.168.10.10', '192.168.10.101', '192.168.10.102'];
const opts = (o: Partial<MultipathOptions> = {}): MultipathOptions => ({ ...DEFAULT_MULTIPATH_OPTIONS, maximumPaths: 4, ...o });

function nodes(v: (i: number) => Variant = () => ({})): Path[] {
  return NODES.map((peer, i) => path({ peer, ...v(i) }));
}
function multipath(paths: Path[], o: MultipathOptions) {
  const { best } = selectBest(paths, o)!;
  return selectMultipath(best, paths, o);
}
const summary = (paths: Path[], o: MultipathOptions) => multipath(paths, o).nexthops.map((n) => [n.address, n.weight]);

describe('selectMultipath', () => {
  it('the seed: three nodes announcing a VIP give three next hops of weight 1', () => {
    expect(summary(nodes(), opts())).toEqual([['192.168.10.10', 1], ['192.168.10.101', 1], ['192.168.10.102', 1]]);
  });

  it('maximumPaths limits the set, keeping the paths the decision prefers (lowest router id here)', () => {
    const paths = nodes((i) => ({ routerId: `10.0.0.${3 - i}` }));
    expect(summary(paths, opts({ maximumPaths: 2 }))).toEqual([['192.168.10.101', 1], ['192.168.10.102', 1]]);
    expect(multipath(paths, opts({ maximumPaths: 1 })).paths).toEqual([paths[2]]);
  });

  it('gives the same set and order whatever order the candidates come in', () => {
    const paths = nodes();
    const want = multipath(paths, opts());
    for (const p of [[paths[2]!, paths[0]!, paths[1]!], [paths[1]!, paths[2]!, paths[0]!]]) expect(multipath(p, opts())).toEqual(want);
  });

  it('next hops are sorted by address value, not text; IPv6 works the same way', () => {
    const v4 = ['192.168.10.10', '192.168.10.9', '192.168.10.100'].map((peer) => path({ peer }));
    expect(summary(v4, opts()).map(([a]) => a)).toEqual(['192.168.10.9', '192.168.10.10', '192.168.10.100']);
    const v6 = ['2001:db8::10', '2001:db8::9', 'fe80::1'].map((peer) => path({ peer, prefix: '2001:db8:1::1/128' }));
    expect(summary(v6, opts()).map(([a]) => a)).toEqual(['2001:db8::9', '2001:db8::10', 'fe80::1']);
  });

  it('one next hop per address: two path ids through the same node count once', () => {
    const paths = [path({ pathId: 1 }), path({ pathId: 2 }), path({ peer: NODES[1] })];
    expect(summary(paths, opts())).toEqual([['192.168.10.10', 1], ['192.168.10.101', 1]]);
  });
});

describe('mergeable', () => {
  const o = opts();
  const best = nodes()[0];
  const cases: [string, Variant, boolean][] = [
    ['same attributes', {}, true],
    ['lower LOCAL_PREF', { attributes: { localPref: 50 } }, false],
    ['longer AS_PATH', { attributes: { asPath: [seq(64512, 64512)] } }, false],
    ['worse ORIGIN', { attributes: { origin: 2 } }, false],
    ['higher MED, same neighbor AS', { attributes: { med: 5 } }, false],
    ['iBGP against eBGP', { ibgp: true }, false],
    ['higher IGP cost', { igpCost: 3 }, false],
    ['stale against fresh (RFC 4724: forwarding preserved)', { stale: true }, true],
    ['graceful shutdown against normal', { attributes: { communities: [WellKnownCommunity.GRACEFUL_SHUTDOWN] } }, false],
    ['different neighbor AS', { attributes: { asPath: [seq(64600)] } }, false],
    ['different router id and age (after the IGP step)', { routerId: '1.1.1.1', receivedAt: 99 }, true],
  ];
  for (const [name, v, want] of cases) {
    it(`${name}: ${want}`, () => {
      expect(mergeable(best!, path({ peer: NODES[1], ...v }), o)).toBe(want);
    });
  }

  it('multipathRelax allows a different neighbor AS with an AS_PATH of the same length only', () => {
    const r = opts({ multipathRelax: true });
    expect(mergeable(best!, path({ peer: NODES[1], attributes: { asPath: [seq(64600)] } }), r)).toBe(true);
    expect(mergeable(best!, path({ peer: NODES[1], attributes: { asPath: [seq(64600, 64601)] } }), r)).toBe(false);
    // MED is not comparable across neighbor ASes, so it does not split them
    expect(mergeable(best!, path({ peer: NODES[1], attributes: { asPath: [seq(64600)], med: 30 } }), r)).toBe(true);
  });

  it('alwaysCompareMed makes MED split paths from different ASes', () => {
    const r = opts({ multipathRelax: true, alwaysCompareMed: true });
    expect(mergeable(best!, path({ peer: NODES[1], attributes: { asPath: [seq(64600)], med: 30 } }), r)).toBe(false);
  });
});

describe('graceful shutdown (RFC 8326)', () => {
  const gshut = { attributes: { communities: [WellKnownCommunity.GRACEFUL_SHUTDOWN] } };
  it('a node in graceful shutdown leaves the ECMP set while others remain', () => {
    expect(summary(nodes((i) => (i === 0 ? gshut : {})), opts())).toEqual([['192.168.10.101', 1], ['192.168.10.102', 1]]);
  });
  it('when only graceful-shutdown paths are left they are still used', () => {
    const r = multipath(nodes((i) => (i === 0 ? {} : gshut)).slice(1), opts());
    expect(r.nexthops.map((n) => n.address)).toEqual(['192.168.10.101', '192.168.10.102']);
  });
});

describe('link bandwidth weights', () => {
  const MB = 125_000; // 1 Mbit/s in bytes per second
  it('weights are proportional to bandwidth when every member carries it', () => {
    const bws = [100, 100, 200];
    const paths = nodes((i) => ({ attributes: { extendedCommunities: [lbw(64512, bws[i]! * MB)] } }));
    expect(summary(paths, opts())).toEqual([['192.168.10.10', 64], ['192.168.10.101', 64], ['192.168.10.102', 128]]);
  });
  it('the transitive form of the community weighs the same', () => {
    const paths = nodes((i) => ({ attributes: { extendedCommunities: [lbw(64512, (i + 1) * 100 * MB, { transitive: i === 0 })] } }));
    expect(summary(paths, opts())).toEqual([['192.168.10.10', 43], ['192.168.10.101', 85], ['192.168.10.102', 128]]);
  });
  it('one member without the community: all weights 1', () => {
    const paths = nodes((i) => (i === 1 ? {} : { attributes: { extendedCommunities: [lbw(64512, 10 * MB)] } }));
    expect(summary(paths, opts()).map(([, w]) => w)).toEqual([1, 1, 1]);
  });
  it('bandwidth weighting can be turned off', () => {
    const paths = nodes((i) => ({ attributes: { extendedCommunities: [lbw(64512, (i + 1) * MB)] } }));
    expect(summary(paths, opts({ linkBandwidth: false })).map(([, w]) => w)).toEqual([1, 1, 1]);
  });
  it('scales into 1..255: a tiny share still gets 1, zero total gives all 1', () => {
    expect(bandwidthWeights([1, 1_000_000])).toEqual([1, 255]);
    expect(bandwidthWeights([0, 0])).toEqual([1, 1]);
    expect(bandwidthWeights([3, 1])).toEqual([191, 64]);
  });
});
