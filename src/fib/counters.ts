/**
 * What the FIB asked of the kernel and what the kernel refused, since open: one count per kernel request
 * (RTM_NEWROUTE, RTM_DELROUTE, RTM_NEWNEXTHOP for a gateway or a group, RTM_DELNEXTHOP) and per refusal by
 * errno, for the router's metrics. Counting is one array increment per request (a table of 100,000 routes
 * is 100,000 of them); refusals are rare and kept by name.
 */
import type { KernelRequest } from './kernel-request.js';

/** The kernel object a request is about, and what it does to it. */
export interface FibOperation {
  readonly object: 'route' | 'nexthop' | 'group';
  readonly op: 'add' | 'replace' | 'delete';
}

/** The operations in a fixed order; the counters are indexed by it. */
const OPERATIONS: readonly FibOperation[] = [
  { object: 'route', op: 'replace' }, { object: 'route', op: 'delete' },
  { object: 'nexthop', op: 'add' }, { object: 'nexthop', op: 'replace' }, { object: 'nexthop', op: 'delete' },
  { object: 'group', op: 'add' }, { object: 'group', op: 'replace' },
];

function indexOf(req: KernelRequest): number {
  switch (req.kind) {
    case 'route': case 'multipath-route': return 0;
    case 'delete-route': return 1;
    case 'nexthop': return req.replace ? 3 : 2;
    // RTM_DELNEXTHOP by id: a gateway object or a group, the kernel does not care which
    case 'delete-nexthop': return 4;
    case 'group': return req.replace ? 6 : 5;
  }
}

export interface FibCountersView {
  readonly operations: readonly (FibOperation & { readonly count: number })[];
  /** Requests the kernel refused, by operation and errno name. */
  readonly errors: readonly (FibOperation & { readonly code: string; readonly count: number })[];
}

export class FibCounters {
  private readonly sent = new Float64Array(OPERATIONS.length);
  private readonly refused = new Map<string, { readonly index: number; readonly code: string; count: number }>();

  requested(req: KernelRequest): void { this.sent[indexOf(req)]!++; }

  failed(req: KernelRequest, code: string): void {
    const index = indexOf(req);
    const key = `${index}/${code}`;
    const e = this.refused.get(key);
    if (e) e.count++; else this.refused.set(key, { index, code, count: 1 });
  }

  view(): FibCountersView {
    return {
      operations: OPERATIONS.map((o, i) => ({ ...o, count: this.sent[i]! })),
      errors: [...this.refused.values()].map((e) => ({ ...OPERATIONS[e.index]!, code: e.code, count: e.count })),
    };
  }
}
