/**
 * The locality-based schedulers, as net/netfilter/ipvs/ip_vs_lblc.c and ip_vs_lblcr.c do them: a cache maps
 * each destination address to a server (lblc) or a set of servers (lblcr). A cached server keeps getting
 * that destination's connections unless it is overloaded in the lblc sense: more active connections than
 * its weight while some server has fewer than half its weight. Otherwise the weighted least-connection
 * pick (overhead / weight, first in list order on ties) replaces (lblc) or joins (lblcr) the cache entry;
 * lblcr uses the least loaded member of the set. The kernel also expires idle entries (and shrinks
 * lblcr sets) after minutes; the model, which predicts short runs, does not.
 */
import { connOverhead, type Flow, type ModelServer, type SchedulerModel } from './types.js';

function leastWeighted(servers: readonly ModelServer[], among: readonly number[]): number | undefined {
  let least: number | undefined;
  let loh = 0;
  for (const i of among) {
    const s = servers[i]!;
    if (s.overloaded) continue;
    if (least === undefined) {
      if (s.weight > 0) { least = i; loh = connOverhead(s); }
      continue;
    }
    const doh = connOverhead(s);
    if (loh * s.weight > doh * servers[least]!.weight) { least = i; loh = doh; }
  }
  return least;
}

function overloaded(s: ModelServer, servers: readonly ModelServer[]): boolean {
  return s.activeConns > s.weight && servers.some((d) => d.activeConns * 2 < d.weight);
}

const all = (servers: readonly ModelServer[]): number[] => servers.map((_, i) => i);

/** Servers are remembered by address and port, so that list changes keep the cache meaningful. */
const id = (s: ModelServer): string => `${s.address}|${s.port}`;

export function locality(): SchedulerModel {
  const cache = new Map<string, string>();
  return {
    name: 'lblc',
    pick(servers, flow: Flow) {
      const cached = cache.get(flow.destination);
      const at = cached === undefined ? -1 : servers.findIndex((s) => id(s) === cached);
      if (at >= 0) {
        const s = servers[at]!;
        if (s.weight > 0 && !overloaded(s, servers)) return at;
      }
      const pick = leastWeighted(servers, all(servers));
      if (pick !== undefined) cache.set(flow.destination, id(servers[pick]!));
      return pick;
    },
  };
}

export function localityReplicated(): SchedulerModel {
  const sets = new Map<string, string[]>();
  return {
    name: 'lblcr',
    pick(servers, flow) {
      const set = sets.get(flow.destination);
      if (set) {
        const members = set.map((m) => servers.findIndex((s) => id(s) === m)).filter((i) => i >= 0);
        const min = leastWeighted(servers, members);
        if (min !== undefined && !overloaded(servers[min]!, servers)) return min;
        const pick = leastWeighted(servers, all(servers));
        if (pick !== undefined && !set.includes(id(servers[pick]!))) set.unshift(id(servers[pick]!));
        return pick;
      }
      const pick = leastWeighted(servers, all(servers));
      if (pick !== undefined) sets.set(flow.destination, [id(servers[pick]!)]);
      return pick;
    },
  };
}
