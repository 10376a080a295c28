/**
 * Keeps next hops that probing found dead out of the routes sent to the kernel while their BGP sessions stay
 * up, and puts them back when they answer again. It sits between the router's Routing and the Fib: route
 * changes pass through `filter`; it remembers the full next-hop set of every route that holds a probed next
 * hop, so that `markUp` can give those routes back their whole set. A route whose every next hop is down keeps
 * its set (there is nothing better to send the traffic to).
 */
import { formatPrefix } from '../lib/address.js';
import type { FibChange, Nexthop } from '../lib/nexthop.js';

export class NexthopGate {
  private readonly down = new Set<string>();
  /** Full sets of routes holding a probed next hop, by prefix. */
  private readonly held = new Map<string, Extract<FibChange, { op: 'set' }>>();

  constructor(private readonly probed: (address: string) => boolean) {}

  isDown(address: string): boolean { return this.down.has(address); }

  filter<C extends FibChange>(changes: Iterable<C>): C[] {
    const out: C[] = [];
    // routes share next-hop arrays: decide once per array
    const memo = new Map<readonly Nexthop[], readonly Nexthop[]>();
    for (const c of changes) {
      const key = formatPrefix(c.prefix);
      if (c.op === 'delete') { this.held.delete(key); out.push(c); continue; }
      const set = c as Extract<FibChange, { op: 'set' }>;
      if (!set.nexthops.some((h) => this.probed(h.address))) { this.held.delete(key); out.push(c); continue; }
      this.held.set(key, set);
      let live = memo.get(set.nexthops);
      if (!live) {
        const alive = set.nexthops.filter((h) => !this.down.has(h.address));
        live = alive.length === 0 || alive.length === set.nexthops.length ? set.nexthops : alive;
        memo.set(set.nexthops, live);
      }
      out.push(live === set.nexthops ? c : { ...c, nexthops: live });
    }
    return out;
  }

  markDown(address: string): void { this.down.add(address); }

  /** The next hop answers again: the routes holding it, with their full sets (minus next hops still down). */
  markUp(address: string): FibChange[] {
    if (!this.down.delete(address)) return [];
    const routes = [...this.held.values()].filter((c) => c.nexthops.some((h) => h.address === address));
    return this.filter(routes);
  }
}
