/**
 * Cross-field checks of a converted agent configuration, as MetalLB's config package makes them: unique
 * pool names, no address in two pools, no router configured twice for one node, aggregation lengths no
 * shorter than the widest CIDR of a pool (a first-last range counts as the CIDRs it summarizes to), and no
 * two advertisements of one pool that would give one route two LOCAL_PREFs (MetalLB's
 * validateBGPAdvPerPool; the announcer applies the same rule per Service and node, localPrefCompatible).
 * Names of pools and peers that do not exist are errors in vipgate's own format and warnings in MetalLB's
 * (MetalLB applies such an entry to nothing); a MetalLB configuration without peers is valid and idle.
 */
import type { Findings } from './lenient.js';
import type { AdvertisementConfig, AgentConfig, PeerConfig, PoolConfig } from './model.js';
import { widestCidr } from './values.js';

/** Two advertisements may not both match one route and set different LOCAL_PREFs (MetalLB's BGPAdvertisementsHaveCompatibleLocalPref, nodes known to overlap). */
export function localPrefCompatible(a: AdvertisementConfig, b: AdvertisementConfig, pool: PoolConfig): boolean {
  if ((a.localPref ?? 0) === (b.localPref ?? 0)) return true;
  const v4 = pool.ranges.some((r) => r.family === 4);
  const v6 = pool.ranges.some((r) => r.family === 6);
  const diff4 = a.aggregationLength !== b.aggregationLength;
  const diff6 = a.aggregationLengthV6 !== b.aggregationLengthV6;
  if ((!v4 && !v6) || (diff4 && !v6) || (diff6 && !v4) || (diff4 && diff6)) return true;
  // advertisements to disjoint sets of peers do not meet
  return a.peers.length > 0 && b.peers.length > 0 && !a.peers.some((p) => b.peers.includes(p));
}

const selectorsKey = (p: PeerConfig): string => JSON.stringify(p.nodeSelectors);

/** Could two peers' node selectors pick one node? Unknowable without the nodes: every node, or the same selectors, do. */
function mayShareNode(a: PeerConfig, b: PeerConfig): boolean {
  return a.nodeSelectors.length === 0 || b.nodeSelectors.length === 0 || selectorsKey(a) === selectorsKey(b);
}

export function semanticIssues(c: AgentConfig, f: Findings): void {
  const reference = c.format === 'vipgate' ? f.issue.bind(f) : f.warn.bind(f);
  const pools = new Map<string, PoolConfig>();
  for (const p of c.pools) {
    if (pools.has(p.name)) f.issue(`${p.origin}.name`, `pool "${p.name}" is defined twice`);
    pools.set(p.name, p);
  }
  const ranges = c.pools.flatMap((p) => p.ranges.map((r) => ({ p, r })));
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const a = ranges[i]!;
      const b = ranges[j]!;
      if (a.r.family === b.r.family && a.r.first <= b.r.last && b.r.first <= a.r.last) {
        f.issue(`${b.p.origin}.addresses`, `${b.r.text} overlaps ${a.r.text} of pool "${a.p.name}": one address, one pool`);
      }
    }
  }
  const peerNames = new Set(c.peers.map((p) => p.name));
  c.peers.forEach((p, i) => {
    const twin = c.peers.slice(0, i).find((q) => q.address === p.address && q.port === p.port && mayShareNode(p, q));
    if (twin) f.issue(`${p.origin}.address`, `peer ${p.address} is configured twice for the same nodes (also ${twin.origin})`);
  });
  if (c.peers.length === 0) f.warn('peers', 'none: the agent announces to nobody until a BGP peer is configured');
  for (const a of c.advertisements) {
    a.pools?.forEach((name, i) => {
      const pool = pools.get(name);
      if (!pool) { reference(`${a.origin}.pools[${i}]`, `no pool named "${name}": this entry selects nothing`); return; }
      for (const r of pool.ranges) {
        const agg = r.family === 4 ? a.aggregationLength : a.aggregationLengthV6;
        const widest = widestCidr(r);
        if (agg < widest) {
          f.issue(`${a.origin}.aggregationLength${r.family === 6 ? 'V6' : ''}`, `${agg} is shorter than /${widest} of ${r.text} in pool "${name}": the aggregate would cover addresses outside the pool`);
        }
      }
    });
    a.peers.forEach((name, i) => { if (!peerNames.has(name)) reference(`${a.origin}.peers[${i}]`, `no peer named "${name}": this entry selects nothing`); });
  }
  if (c.format === 'vipgate') return;
  // MetalLB: one route, one LOCAL_PREF, among advertisements without serviceSelectors that reach the same nodes
  for (const pool of c.pools) {
    const mine = c.advertisements.filter((a) => !a.serviceSelectors?.length && (!a.pools || a.pools.includes(pool.name)));
    mine.forEach((a, i) => {
      const other = mine.slice(0, i).find((b) => !localPrefCompatible(a, b, pool) && (a.nodeSelectors.length === 0 || b.nodeSelectors.length === 0 || JSON.stringify(a.nodeSelectors) === JSON.stringify(b.nodeSelectors)));
      if (other) f.issue(`${a.origin}.localPref`, `${a.localPref ?? 0} conflicts with localPref ${other.localPref ?? 0} of ${other.origin} for pool "${pool.name}": the same routes to the same peers from the same nodes`);
    });
  }
}
