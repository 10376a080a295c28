/**
 * Keeps a next hop out of one route only: the next hops that failed a Service's health check through them
 * (service-health.ts), per route, while the node's other routes and its BGP session stay as they are. Like
 * NexthopGate (gate.ts, which drops a dead host from every route) it sits between the router's Routing and the
 * Fib: route changes pass through `filter`, it remembers each route's full next-hop set, and markDown/markUp
 * give the changes that take a next hop out of that route or put it back. A route whose every next hop failed
 * keeps its set (there is nothing better to send the traffic to).
 */
import { formatPrefix } from '../lib/address.js';
import type { GatedChange } from './gate.js';

type SetChange = Extract<GatedChange, { op: 'set' }>;

export class ServiceGate {
  /** prefix → next hops down for it. */
  private readonly down = new Map<string, Set<string>>();
  /** prefix → the full set last asked for. */
  private readonly full = new Map<string, SetChange>();

  /** `watched`: the routes a health check applies to (the others pass untouched and are not remembered). */
  constructor(private readonly watched: (prefix: string) => boolean) {}

  filter<C extends GatedChange>(changes: Iterable<C>): C[] {
    const out: C[] = [];
    for (const c of changes) {
      const key = formatPrefix(c.prefix);
      if (!this.watched(key)) { out.push(c); continue; }
      if (c.op === 'delete') { this.full.delete(key); out.push(c); continue; }
      const set = c as Extract<C, { op: 'set' }>;
      this.full.set(key, set);
      const down = this.down.get(key);
      if (!down || down.size === 0) { out.push(c); continue; }
      const alive = set.nexthops.filter((h) => !down.has(h.address));
      out.push(alive.length === 0 || alive.length === set.nexthops.length ? c : { ...set, nexthops: alive });
    }
    return out;
  }

  /** `nexthop` failed for `prefix`: the route without it (nothing when the router has no such route). */
  markDown(prefix: string, nexthop: string): GatedChange[] {
    const down = this.down.get(prefix) ?? new Set<string>();
    this.down.set(prefix, down);
    down.add(nexthop);
    const full = this.full.get(prefix);
    return full ? this.filter([full]) : [];
  }

  /** `nexthop` passes again for `prefix`: the route with it (and without next hops still down). */
  markUp(prefix: string, nexthop: string): GatedChange[] {
    const down = this.down.get(prefix);
    if (!down?.delete(nexthop)) return [];
    if (down.size === 0) this.down.delete(prefix);
    const full = this.full.get(prefix);
    return full ? this.filter([full]) : [];
  }

  /** Forget what was down for pairs no longer checked (a route or next hop gone). */
  retain(keep: (prefix: string, nexthop: string) => boolean): void {
    for (const [prefix, down] of this.down) {
      for (const nh of down) if (!keep(prefix, nh)) down.delete(nh);
      if (down.size === 0) this.down.delete(prefix);
    }
  }
}
