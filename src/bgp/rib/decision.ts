/**
 * Best path selection: RFC 4271 9.1.2.2 with the usual extensions, as a table of numbered steps (the way
 * OpenBGPD's rde_decide.c numbers its own). Each step keeps the candidates with the lowest key; the step
 * that separated the winner from its last competitor is reported as the reason.
 *
 *   0 graceful-shutdown  paths carrying GRACEFUL_SHUTDOWN lose (RFC 8326 4: their LOCAL_PREF counts as 0)
 *   1 local-pref         highest LOCAL_PREF (RFC 4271 9.1.1; missing: the configured default, 100)
 *   2 as-path-length     shortest AS_PATH, AS_SET counts 1, confederation segments 0 (9.1.2.2 a, RFC 5065 5.3)
 *   3 origin             lowest ORIGIN (9.1.2.2 b)
 *   4 med                lowest MED among paths from the same neighbor AS, missing MED = 0 (9.1.2.2 c)
 *   5 ebgp-over-ibgp     (9.1.2.2 d)
 *   6 igp-cost           lowest cost to the next hop (9.1.2.2 e)      -- multipath equality ends here
 *   7 oldest-ebgp        optional: among eBGP paths only, the one received first (RFC 5004)
 *   8 router-id          lowest BGP Identifier, ORIGINATOR_ID when present (9.1.2.2 f, RFC 4456 9)
 *   9 cluster-list       shortest CLUSTER_LIST (RFC 4456 9)
 *  10 neighbor-address   lowest peer address (9.1.2.2 g)
 *  11 path-id            lowest ADD-PATH identifier (only paths of one peer are left)
 *
 * Paths kept stale across a peer's graceful restart (RFC 4724 4.2) rank like fresh ones: the restarting
 * speaker preserved its forwarding state (F bit), so its next hop still forwards and stays in the ECMP
 * groups while it restarts; flows on it do not move. Only long-lived stale paths (RFC 9494 4.3, LLGR_STALE)
 * would rank last, and vipgate does not keep paths past the restart time.
 *
 * Steps run on the whole candidate set, as the RFC describes, so the MED rule (which is not transitive when
 * compared pair by pair) gives the same winner whatever order the paths arrive in. `comparePaths` is
 * the two-path question (BIRD's rte_better); multipath.ts asks the other one (rte_mergable).
 */
import { parseAddress } from '../../lib/address.js';
import { toHex } from '../../lib/bytes.js';
import { DEFAULT_LOCAL_PREF } from '../export.js';
import { asPathLength, neighborAs, type Path } from './path.js';

export const DecisionStep = {
  ONLY_CANDIDATE: 'only-candidate',
  GRACEFUL_SHUTDOWN: 'graceful-shutdown',
  LOCAL_PREF: 'local-pref',
  AS_PATH_LENGTH: 'as-path-length',
  ORIGIN: 'origin',
  MED: 'med',
  EBGP_OVER_IBGP: 'ebgp-over-ibgp',
  IGP_COST: 'igp-cost',
  OLDEST_EBGP: 'oldest-ebgp',
  ROUTER_ID: 'router-id',
  CLUSTER_LIST: 'cluster-list',
  NEIGHBOR_ADDRESS: 'neighbor-address',
  PATH_ID: 'path-id',
} as const;
export type DecisionStep = (typeof DecisionStep)[keyof typeof DecisionStep];

export interface DecisionOptions {
  /** Compare MED between paths from different neighbor ASes too (FRR `bgp always-compare-med`). */
  readonly alwaysCompareMed: boolean;
  /** Step 8 on: prefer the oldest of equal eBGP paths, for stability (RFC 5004). */
  readonly preferOldest: boolean;
  /** LOCAL_PREF assumed when a path has none (eBGP-learned paths before import policy sets one). */
  readonly defaultLocalPref: number;
}

export const DEFAULT_DECISION_OPTIONS: DecisionOptions = {
  alwaysCompareMed: false, preferOldest: false, defaultLocalPref: DEFAULT_LOCAL_PREF,
};

type Key = number | string;

export interface Step {
  readonly step: DecisionStep;
  /** Lower is better. */
  readonly key: (p: Path, o: DecisionOptions) => Key;
  /** Compare keys only between paths in the same group (MED: the neighbor AS). */
  readonly group?: (p: Path, o: DecisionOptions) => Key;
  /** The step applies only when this holds for the remaining candidates. */
  readonly applies?: (c: readonly Path[], o: DecisionOptions) => boolean;
}

/** RFC 8326 4: a receiver treats a GRACEFUL_SHUTDOWN path as having LOCAL_PREF 0. */
export function effectiveLocalPref(p: Path, o: DecisionOptions): number {
  return p.gracefulShutdown ? 0 : p.attributes.localPref ?? o.defaultLocalPref;
}

const hexCache = new Map<string, string>();
/** A string key that sorts like the address bytes, IPv4 before IPv6. */
export function addressKey(text: string): string {
  let k = hexCache.get(text);
  if (k === undefined) {
    k = toHex(parseAddress(text)).padStart(32, ' ');
    if (hexCache.size > 100_000) hexCache.clear();
    hexCache.set(text, k);
  }
  return k;
}

export const STEPS: readonly Step[] = [
  { step: DecisionStep.GRACEFUL_SHUTDOWN, key: (p) => (p.gracefulShutdown ? 1 : 0) },
  { step: DecisionStep.LOCAL_PREF, key: (p, o) => -effectiveLocalPref(p, o) },
  { step: DecisionStep.AS_PATH_LENGTH, key: (p) => asPathLength(p.attributes.asPath) },
  { step: DecisionStep.ORIGIN, key: (p) => p.attributes.origin ?? 0 },
  {
    step: DecisionStep.MED, key: (p) => p.attributes.med ?? 0,
    group: (p, o) => (o.alwaysCompareMed ? 0 : neighborAs(p.attributes.asPath)),
  },
  { step: DecisionStep.EBGP_OVER_IBGP, key: (p) => (p.source.ibgp ? 1 : 0) },
  { step: DecisionStep.IGP_COST, key: (p) => p.igpCost },
  {
    step: DecisionStep.OLDEST_EBGP, key: (p) => p.receivedAt,
    applies: (c, o) => o.preferOldest && c.every((p) => !p.source.ibgp),
  },
  { step: DecisionStep.ROUTER_ID, key: (p) => addressKey(p.attributes.originatorId ?? p.source.routerId) },
  { step: DecisionStep.CLUSTER_LIST, key: (p) => p.attributes.clusterList?.length ?? 0 },
  { step: DecisionStep.NEIGHBOR_ADDRESS, key: (p) => (p.source.address === '' ? '' : addressKey(p.source.address)) },
  { step: DecisionStep.PATH_ID, key: (p) => p.pathId },
];

/** Index of the last step whose equality makes paths equal-cost for multipath (RFC 4271 9.1.2.2 e). */
export const MULTIPATH_LAST_STEP = STEPS.findIndex((s) => s.step === DecisionStep.IGP_COST);

/** Keep the candidates with the lowest key (per group when the step has groups). */
function narrow(c: readonly Path[], s: Step, o: DecisionOptions): readonly Path[] {
  if (s.applies && !s.applies(c, o)) return c;
  if (!s.group) {
    let min = s.key(c[0]!, o);
    let ties = true;
    for (let i = 1; i < c.length; i++) {
      const k = s.key(c[i]!, o);
      if (k !== min) ties = false;
      if (k < min) min = k;
    }
    return ties ? c : c.filter((p) => s.key(p, o) === min);
  }
  const keys = c.map((p) => s.key(p, o));
  const groups = c.map((p) => s.group!(p, o));
  const best = new Map<Key, Key>();
  for (let i = 0; i < c.length; i++) {
    const b = best.get(groups[i]!);
    if (b === undefined || keys[i]! < b) best.set(groups[i]!, keys[i]!);
  }
  return c.filter((_, i) => keys[i] === best.get(groups[i]!));
}

export interface Decision {
  readonly best: Path;
  /** The step that separated the best path from its last competitor. */
  readonly step: DecisionStep;
}

/**
 * Do `a` and `b` tie on every step up to the IGP cost (0..MULTIPATH_LAST_STEP), from the same neighbor AS?
 * Then none of those steps can separate them and each is mergeable with the other (multipath.ts). The common
 * case, nodes announcing the same VIPs alike, answered without the step table. A false answer only means
 * "ask the steps" (LOCAL_PREF is compared before graceful shutdown zeroes it: stricter, never wrong).
 */
export function tieToIgpCost(a: Path, b: Path, o: DecisionOptions): boolean {
  if (a.gracefulShutdown !== b.gracefulShutdown || a.source.ibgp !== b.source.ibgp || a.igpCost !== b.igpCost) return false;
  const x = a.attributes, y = b.attributes;
  if (x === y) return true;
  return (x.localPref ?? o.defaultLocalPref) === (y.localPref ?? o.defaultLocalPref) && (x.origin ?? 0) === (y.origin ?? 0)
    && (x.med ?? 0) === (y.med ?? 0) && asPathLength(x.asPath) === asPathLength(y.asPath) && neighborAs(x.asPath) === neighborAs(y.asPath);
}

/** tieToIgpCost for every candidate (with the first). */
export function allTieToIgpCost(c: readonly Path[], o: DecisionOptions): boolean {
  for (let i = 1; i < c.length; i++) if (!tieToIgpCost(c[0]!, c[i]!, o)) return false;
  return true;
}

/** RFC 4271 9.1.2: the best of the candidates, and why. Undefined for no candidates. `tied`: the caller knows
 * allTieToIgpCost(candidates), so the steps up to the IGP cost are skipped (they would keep every candidate). */
export function selectBest(candidates: readonly Path[], o: DecisionOptions = DEFAULT_DECISION_OPTIONS, tied?: boolean): Decision | undefined {
  const first = candidates[0];
  if (!first) return undefined;
  if (candidates.length === 1) return { best: first, step: DecisionStep.ONLY_CANDIDATE };
  let c = candidates;
  for (let i = (tied ?? allTieToIgpCost(candidates, o)) ? MULTIPATH_LAST_STEP + 1 : 0; i < STEPS.length; i++) {
    const s = STEPS[i]!;
    c = narrow(c, s, o);
    if (c.length === 1) return { best: c[0]!, step: s.step };
  }
  // (peer, path id) is unique per prefix, so only duplicates of one path can get here
  return { best: c[0]!, step: DecisionStep.PATH_ID };
}

/** BIRD's rte_better as a comparator: negative when `a` is preferred, with the deciding step. */
export function comparePaths(a: Path, b: Path, o: DecisionOptions = DEFAULT_DECISION_OPTIONS, tied?: boolean): { order: number; step: DecisionStep } {
  const d = selectBest([a, b], o, tied)!;
  return { order: d.best === a ? -1 : 1, step: d.step };
}

/** Is `a` preferred over `b`? */
export function better(a: Path, b: Path, o: DecisionOptions = DEFAULT_DECISION_OPTIONS): boolean {
  return comparePaths(a, b, o).order < 0;
}
