/**
 * Gates between the router's Routing and the Fib that keep next hops found dead out of the routes sent to the
 * kernel while their BGP sessions stay up, and put them back when they are found alive again. Route changes
 * pass through `filter`; a gate remembers the full next-hop set of every route it watches, so that a next hop
 * coming back gives those routes their whole set again. A route whose every next hop is out keeps its set
 * (there is nothing better to send the traffic to).
 *
 * NexthopGate: a next hop out of every route (ICMP probing of the next hop, prober.ts).
 * ServiceGate: a next hop out of one route only (a Service IP whose check through that node fails,
 * service-health.ts): the node's other routes and its session are untouched.
 */
import { formatPrefix, type Prefix } from '../lib/address.js';
import type { FibChange, Nexthop } from '../lib/nexthop.js';

type GatedSet = Extract<FibChange, { op: 'set' }>;

abstract class RouteGate {
  /** Full sets of the routes this gate watches, by prefix. */
  protected readonly held = new Map<string, GatedSet>();

  /** Whether the gate keeps this route's full set (it may have to take a next hop out of it). */
  protected abstract watches(key: string, set: GatedSet): boolean;
  /** Whether `address` is out of the route `key`. */
  protected abstract excluded(key: string, address: string): boolean;
  /** True when excluded() does not depend on the route: routes sharing a next-hop array are decided once. */
  protected abstract readonly perHop: boolean;

  filter<C extends FibChange>(changes: Iterable<C>): C[] {
    const out: C[] = [];
    const memo = new Map<readonly Nexthop[], readonly Nexthop[]>();
    for (const c of changes) {
      const key = formatPrefix(c.prefix);
      if (c.op === 'delete') { this.held.delete(key); out.push(c); continue; }
      const set = c as GatedSet;
      if (!this.watches(key, set)) { this.held.delete(key); out.push(c); continue; }
      this.held.set(key, set);
      let live = this.perHop ? memo.get(set.nexthops) : undefined;
      if (!live) {
        const alive = set.nexthops.filter((h) => !this.excluded(key, h.address));
        live = alive.length === 0 || alive.length === set.nexthops.length ? set.nexthops : alive;
        if (this.perHop) memo.set(set.nexthops, live);
      }
      out.push(live === set.nexthops ? c : { ...c, nexthops: live });
    }
    return out;
  }

  /** The watched routes for which `pick` holds, filtered again (to be applied after a next hop's state changed). */
  protected refilter(pick: (key: string, set: GatedSet) => boolean): FibChange[] {
    return this.filter([...this.held].filter(([key, set]) => pick(key, set)).map(([, set]) => set));
  }
}

export class NexthopGate extends RouteGate {
  private readonly down = new Set<string>();
  protected readonly perHop = true;

  constructor(private readonly probed: (address: string) => boolean) { super(); }

  isDown(address: string): boolean { return this.down.has(address); }

  protected watches(_key: string, set: GatedSet): boolean { return set.nexthops.some((h) => this.probed(h.address)); }
  protected excluded(_key: string, address: string): boolean { return this.down.has(address); }

  markDown(address: string): void { this.down.add(address); }

  /** The next hop answers again: the routes holding it, with their full sets (minus next hops still down). */
  markUp(address: string): FibChange[] {
    if (!this.down.delete(address)) return [];
    return this.refilter((_key, set) => set.nexthops.some((h) => h.address === address));
  }
}

export class ServiceGate extends RouteGate {
  /** "prefix|next hop" pairs that are out. */
  private readonly out = new Set<string>();
  protected readonly perHop = false;

  constructor(private readonly checked: (prefix: Prefix) => boolean) { super(); }

  protected watches(_key: string, set: GatedSet): boolean { return this.checked(set.prefix); }
  protected excluded(key: string, address: string): boolean { return this.out.has(`${key}|${address}`); }

  /** The routes watched now, with their full next-hop sets (what the checks run over). */
  routes(): IterableIterator<[string, GatedSet]> { return this.held.entries(); }

  isOut(key: string, address: string): boolean { return this.out.has(`${key}|${address}`); }

  /** Take `address` out of the route `key` (true) or put it back (false): that route, filtered again. */
  mark(key: string, address: string, out: boolean): FibChange[] {
    const pair = `${key}|${address}`;
    if (out === this.out.has(pair)) return [];
    if (out) this.out.add(pair); else this.out.delete(pair);
    return this.refilter((k) => k === key);
  }

  /** Forget pairs whose route or next hop is gone (so a next hop that comes back later starts in). */
  prune(): void {
    for (const pair of this.out) {
      const [key, address] = pair.split('|') as [string, string];
      if (!this.held.get(key)?.nexthops.some((h) => h.address === address)) this.out.delete(pair);
    }
  }
}
