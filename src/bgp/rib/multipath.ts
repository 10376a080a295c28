/**
 * Multipath (ECMP) selection: which candidates are as good as the best path to share traffic with it
 * (BIRD's rte_mergable, FRR's `maximum-paths`), and the weight of each next hop.
 *
 * A path is mergeable with the best when the decision steps up to and including the IGP cost
 * (RFC 4271 9.1.2.2 a-e, plus graceful shutdown) do not tell them apart, and it came from the
 * same neighbor AS; with `multipathRelax` (FRR `bgp bestpath as-path multipath-relax`) the neighbor AS
 * may differ but the AS_PATH length must still be equal (step 3 ensures it). A GRACEFUL_SHUTDOWN path
 * (RFC 8326) is never mergeable with a normal one, but when only such paths are left they are used.
 *
 * Weights: when every chosen path carries the link bandwidth extended community
 * (draft-ietf-idr-link-bandwidth, read by wire/bgp/communities.ts), each
 * next hop gets a weight proportional to its share of the total bandwidth, scaled into 1..255 (FRR's
 * `bgp bestpath bandwidth` default); otherwise every weight is 1.
 */
import type { Nexthop } from '../../lib/nexthop.js';
import { addressKey, comparePaths, DEFAULT_DECISION_OPTIONS, MULTIPATH_LAST_STEP, STEPS, type DecisionOptions } from './decision.js';
import { neighborAs, type Path } from './path.js';
import { findLinkBandwidth } from '../../wire/bgp/communities.js';

export const MAX_MULTIPATH = 64;
export const MAX_WEIGHT = 255;

export interface MultipathOptions extends DecisionOptions {
  /** 1..64; 1 disables multipath. */
  readonly maximumPaths: number;
  readonly multipathRelax: boolean;
  /** Use link bandwidth for weights (FRR `bgp bestpath bandwidth ignore` turns it off). */
  readonly linkBandwidth: boolean;
}

export const DEFAULT_MULTIPATH_OPTIONS: MultipathOptions = {
  ...DEFAULT_DECISION_OPTIONS, maximumPaths: 1, multipathRelax: false, linkBandwidth: true,
};

/** Can `p` share traffic with `best`? (rte_mergable) */
export function mergeable(best: Path, p: Path, o: MultipathOptions): boolean {
  if (p === best) return true;
  for (let i = 0; i <= MULTIPATH_LAST_STEP; i++) {
    const s = STEPS[i]!;
    if (s.group && s.group(best, o) !== s.group(p, o)) continue; // not comparable: no difference
    if (s.key(best, o) !== s.key(p, o)) return false;
  }
  return o.multipathRelax || neighborAs(best.attributes.asPath) === neighborAs(p.attributes.asPath);
}

/** Weights proportional to bandwidth, each max(1, round(255 * bw / total)); all 1 when the total is 0. */
export function bandwidthWeights(bandwidths: readonly number[]): number[] {
  const total = bandwidths.reduce((s, b) => s + Math.max(0, b), 0);
  if (!(total > 0) || !Number.isFinite(total)) return bandwidths.map(() => 1);
  return bandwidths.map((b) => Math.min(MAX_WEIGHT, Math.max(1, Math.round((MAX_WEIGHT * Math.max(0, b)) / total))));
}

export interface Multipath {
  /** Chosen paths, best first, then in decision order. */
  readonly paths: readonly Path[];
  /** One per distinct next hop, sorted by address (stable nexthop groups for the FIB). */
  readonly nexthops: readonly Nexthop[];
}

const NONE: readonly Path[] = [];

/** The paths and next hops that share traffic for a prefix whose best path is `best`. Written for the common
 * case of a few candidates (one per node): plain loops, no sets, no weights computed unless bandwidth is known.
 * `tied`: the caller knows allTieToIgpCost(candidates) (decision.ts), so every candidate is mergeable. */
export function selectMultipath(best: Path, candidates: readonly Path[], o: MultipathOptions = DEFAULT_MULTIPATH_OPTIONS, tied = false): Multipath {
  const limit = Math.max(1, Math.min(MAX_MULTIPATH, o.maximumPaths));
  let others = NONE;
  if (limit > 1 && candidates.length > 1) {
    const m: Path[] = [];
    for (const p of candidates) if (p !== best && (tied || mergeable(best, p, o))) m.push(p);
    if (m.length > 1) m.sort((a, b) => comparePaths(a, b, o, tied || undefined).order);
    others = m;
  }
  const paths: Path[] = [best];
  for (const p of others) {
    if (paths.length >= limit) break;
    if (!paths.some((q) => q.nextHop === p.nextHop)) paths.push(p); // one next hop per address
  }
  let weights: number[] | undefined;
  if (o.linkBandwidth && paths.every((p) => p.attributes.extendedCommunities !== undefined)) {
    const bw = paths.map((p) => findLinkBandwidth(p.attributes.extendedCommunities));
    if (bw.every((b) => b !== undefined)) weights = bandwidthWeights(bw as number[]);
  }
  const nexthops = paths.map((path, i): Nexthop => ({ address: path.nextHop, weight: weights ? weights[i]! : 1 }));
  if (nexthops.length > 1) nexthops.sort((a, b) => (addressKey(a.address) < addressKey(b.address) ? -1 : 1));
  return { paths, nexthops };
}

/**
 * selectMultipath(best, candidates, o, tied).nexthops as `sets` shares it. In the common case (the candidates tie
 * up to the IGP cost, all fit under maximumPaths, none carries extended communities so every weight is 1) the
 * result is every distinct next hop, sorted: which of two paths through one next hop is kept does not matter,
 * so the candidates are not ranked and no per-prefix objects are made.
 */
export function multipathNexthops(best: Path, candidates: readonly Path[], o: MultipathOptions, tied: boolean, sets: NexthopSets): readonly Nexthop[] {
  const n = candidates.length;
  if (!tied || n > Math.max(1, Math.min(MAX_MULTIPATH, o.maximumPaths)) || n > UNIFORM_MAX) return sets.intern(selectMultipath(best, candidates, o, tied).nexthops);
  if (o.linkBandwidth) for (let i = 0; i < n; i++) if (candidates[i]!.attributes.extendedCommunities !== undefined) return sets.intern(selectMultipath(best, candidates, o, tied).nexthops);
  const addresses = UNIFORM;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const a = candidates[i]!.nextHop;
    let at = count;
    while (at > 0 && addressKey(addresses[at - 1]!) > addressKey(a)) at--;
    if (at > 0 && addresses[at - 1] === a) continue;
    for (let k = count; k > at; k--) addresses[k] = addresses[k - 1]!;
    addresses[at] = a;
    count++;
  }
  return sets.internUniform(addresses, count);
}

/** multipathNexthops' scratch list of addresses (sorted insertion, reused: nothing is allocated per prefix). */
const UNIFORM_MAX = 16;
const UNIFORM: string[] = new Array<string>(UNIFORM_MAX).fill('');

/** A node of the NexthopSets trie: the set that ends here, and the longer sets by their next member. */
interface SetNode { set: readonly Nexthop[] | undefined; readonly next: Map<string, Map<number, SetNode>> }

/**
 * One shared array per distinct next-hop set (the Loc-RIB's counterpart of the FIB's shared nexthop
 * groups): a table of 100,000 prefixes over a handful of nodes keeps a handful of arrays, not one per
 * prefix, and the FIB can recognise a set by identity. Looked up member by member, without building a
 * key; forgotten wholesale past `limit` distinct sets (sharing is an economy, never a meaning).
 */
export class NexthopSets {
  private root: SetNode = { set: undefined, next: new Map() };
  private count = 0;

  constructor(private readonly limit = 10_000) {}

  /** The shared array equal to `hops` (same members, same order), `hops` itself when it is the first. */
  intern(hops: readonly Nexthop[]): readonly Nexthop[] {
    if (this.count >= this.limit) { this.root = { set: undefined, next: new Map() }; this.count = 0; }
    let node = this.root;
    for (const h of hops) {
      let byWeight = node.next.get(h.address);
      if (!byWeight) node.next.set(h.address, (byWeight = new Map()));
      let child = byWeight.get(h.weight);
      if (!child) byWeight.set(h.weight, (child = { set: undefined, next: new Map() }));
      node = child;
    }
    if (node.set === undefined) { node.set = Object.freeze([...hops]); this.count++; }
    return node.set;
  }

  /** intern() of the first `count` addresses, each with weight 1, without making them first. */
  internUniform(addresses: readonly string[], count: number): readonly Nexthop[] {
    let node: SetNode | undefined = this.root;
    for (let i = 0; i < count && node; i++) node = node.next.get(addresses[i]!)?.get(1);
    if (node?.set !== undefined && this.count < this.limit) return node.set;
    return this.intern(addresses.slice(0, count).map((address) => ({ address, weight: 1 })));
  }
}
