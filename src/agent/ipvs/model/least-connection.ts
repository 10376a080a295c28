/**
 * The connection-counting schedulers, as net/netfilter/ipvs/ip_vs_{lc,wlc,sed,nq,twos}.c compute them:
 * lc takes the least overhead (active x 256 + inactive); wlc the least overhead / weight; sed the least
 * (active + 1) / weight; nq an idle server if there is one, else as sed; twos draws two servers at random
 * in proportion to their weights and keeps the less loaded one. Ties go to the server first in list order
 * (the comparisons are strict), so with known counts every choice but twos's is exact.
 */
import { connOverhead, type ModelServer, type SchedulerModel } from './types.js';

type Overhead = (s: ModelServer) => number;

/** The first usable server, then any later one whose overhead/weight is strictly lower (h1*w2 > h2*w1). */
function weightedLeast(servers: readonly ModelServer[], overhead: Overhead): number | undefined {
  let least: number | undefined;
  let loh = 0;
  for (let i = 0; i < servers.length; i++) {
    const s = servers[i]!;
    if (s.overloaded) continue;
    if (least === undefined) {
      if (s.weight > 0) { least = i; loh = overhead(s); }
      continue;
    }
    const doh = overhead(s);
    if (loh * s.weight > doh * servers[least]!.weight) { least = i; loh = doh; }
  }
  return least;
}

export function leastConnection(): SchedulerModel {
  return {
    name: 'lc',
    pick(servers) {
      let least: number | undefined;
      let loh = 0;
      servers.forEach((s, i) => {
        if (s.overloaded || s.weight === 0) return;
        const doh = connOverhead(s);
        if (least === undefined || doh < loh) { least = i; loh = doh; }
      });
      return least;
    },
  };
}

export function weightedLeastConnection(): SchedulerModel {
  return { name: 'wlc', pick: (servers) => weightedLeast(servers, connOverhead) };
}

const sedOverhead: Overhead = (s) => s.activeConns + 1;

export function shortestExpectedDelay(): SchedulerModel {
  return { name: 'sed', pick: (servers) => weightedLeast(servers, sedOverhead) };
}

export function neverQueue(): SchedulerModel {
  return {
    name: 'nq',
    pick(servers) {
      let least: number | undefined;
      let loh = 0;
      for (let i = 0; i < servers.length; i++) {
        const s = servers[i]!;
        if (s.overloaded || s.weight === 0) continue;
        const doh = sedOverhead(s);
        if (s.activeConns === 0) return i;
        if (least === undefined || loh * s.weight > doh * servers[least]!.weight) { least = i; loh = doh; }
      }
      return least;
    },
  };
}

/** `random(n)` returns an integer in [0, n), like the kernel's prandom_u32_max. */
export function powerOfTwoChoices(random: (n: number) => number): SchedulerModel {
  return {
    name: 'twos',
    pick(servers) {
      const live = servers.map((s, i) => [s, i] as const).filter(([s]) => !s.overloaded && s.weight > 0);
      if (live.length === 0) return undefined;
      const total = live.reduce((t, [s]) => t + s.weight, 0) + 1;
      let r1 = random(total);
      let r2 = random(total);
      let c1: number | undefined;
      let c2: number | undefined;
      for (const [s, i] of live) {
        r1 -= s.weight;
        r2 -= s.weight;
        if (r1 <= 0 && c1 === undefined) c1 = i;
        if (r2 <= 0 && c2 === undefined) c2 = i;
        if (c1 !== undefined && c2 !== undefined) break;
      }
      // r = total - 1 never gets <= 0 before the end: the kernel then keeps the last live server
      const first = c1 ?? live[live.length - 1]![1];
      if (c2 === undefined) return first;
      const a = servers[first]!;
      const b = servers[c2]!;
      return b.weight * connOverhead(a) > a.weight * connOverhead(b) ? c2 : first;
    },
  };
}
