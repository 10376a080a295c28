/**
 * rr and wrr as net/netfilter/ipvs/ip_vs_rr.c and ip_vs_wrr.c do them. rr continues from the last server
 * it picked and skips overloaded or zero-weight servers. wrr keeps a current weight cw that starts at
 * mw = max weight - (gcd - 1) and steps down by the gcd of the weights each time the list wraps; a server
 * is picked when its weight >= cw. Both start from the list head when the service is created (and wrr
 * again whenever a server is added, removed or edited).
 */
import type { ModelServer, SchedulerModel } from './types.js';

const usable = (s: ModelServer): boolean => !s.overloaded && s.weight > 0;

export function roundRobin(): SchedulerModel {
  /** Index of the last pick; -1 is the list head. */
  let last = -1;
  return {
    name: 'rr',
    pick(servers) {
      for (let i = 1; i <= servers.length; i++) {
        const at = (last + i) % servers.length;
        if (usable(servers[at]!)) { last = at; return at; }
      }
      return undefined;
    },
  };
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * wrr's state follows the kernel's: created with the service (init_svc over the servers it has then) and
 * adjusted by every server change (ip_vs_wrr_dest_changed): the position returns to the list head, gcd and
 * mw are recomputed, and cw is kept unless it exceeds mw or is 0 (or is realigned to the gcd grid). A
 * service created empty and then given its servers one by one therefore starts with cw = 1: one pass over
 * every server, then the weighted passes from mw down.
 */
export function weightedRoundRobin(initial: readonly ModelServer[] = []): SchedulerModel {
  const gcdOf = (servers: readonly ModelServer[]): number =>
    servers.reduce((g, s) => (s.weight > 0 ? (g > 0 ? gcd(s.weight, g) : s.weight) : g), 0) || 1;
  const maxOf = (servers: readonly ModelServer[]): number => Math.max(0, ...servers.map((s) => s.weight));
  let di = gcdOf(initial);
  let mw = maxOf(initial) - (di - 1);
  let cw = mw;
  /** Current position; -1 is the list head. */
  let cl = -1;
  return {
    name: 'wrr',
    serversChanged(servers) {
      cl = -1;
      di = gcdOf(servers);
      mw = maxOf(servers) - (di - 1);
      if (cw > mw || cw === 0) cw = mw;
      else if (di > 1) cw = Math.trunc(cw / di) * di + 1;
    },
    pick(servers) {
      if (mw === 0) return undefined;
      // bounded: each value of cw sees every server at most once, and cw runs through its values at most twice
      const limit = (servers.length + 1) * (Math.ceil(mw / di) + 1) * 2;
      let lastPass = false;
      let restarted = false;
      const lastStart = cl;
      let stop: number | undefined;
      let at = cl;
      for (let steps = 0; steps < limit; steps++) {
        at++;
        if (at >= servers.length) {
          at = -1;
          cw -= di;
          if (cw <= 0) {
            cw = mw;
            if (lastPass || lastStart === -1) { cl = at; return undefined; }
            restarted = true;
          }
          lastPass = cw <= di;
          if (lastPass && restarted && lastStart !== -1) stop = lastStart;
          continue;
        }
        const s = servers[at]!;
        if (!s.overloaded && s.weight >= cw) { cl = at; return at; }
        if (at === stop) { cl = at; return undefined; }
      }
      return undefined;
    },
  };
}
