/**
 * The FIB planner and reconciler without a kernel (src/fib/model.ts, src/fib/reconcile.ts): which requests a
 * batch of route changes becomes, in which order, and what a kernel dump is repaired with. Pure: it sits
 * next to the namespace tests of the same module, which check the kernel side of the same behaviour.
 */
import { describe, expect, it } from 'vitest';
import { parseAddress, parsePrefix } from '../../../src/lib/address.js';
import { FibModel, IdAllocator, type DesiredChange } from '../../../src/fib/model.js';
import type { Nexthop } from '../../../src/lib/nexthop.js';
import { adopt, diff } from '../../../src/fib/reconcile.js';
import type { KernelRequest } from '../../../src/fib/kernel-request.js';
import { AF_INET, RTN_UNICAST } from '../../../src/wire/netlink/constants.js';
import type { RouteMessage } from '../../../src/wire/netlink/route.js';

const S = { table: 254, protocol: 201, metric: 20 };
const A = '10.0.0.10', B = '10.0.0.11', C = '10.0.0.12';
const resolved = new Map([A, B, C].map((a, i) => [a, { gateway: parseAddress(a), oif: 7 + i }]));
const hops = (...addresses: string[]): Nexthop[] => addresses.map((address) => ({ address, weight: 1 }));
const change = (prefix: string, h?: Nexthop[]): DesiredChange => ({ key: prefix, prefix: parsePrefix(prefix), ...(h ? { hops: h } : {}) });

/** Requests as short strings: "nh+ 1 10.0.0.10", "grp+ 4 [1,2,3]", "grp= 4 [1,2]", "rt 10.1.0.1/32 -> 4", ... */
function show(reqs: KernelRequest[]): string[] {
  return reqs.map((r) => {
    switch (r.kind) {
      case 'nexthop': return `nh${r.replace ? '=' : '+'} ${r.id} ${r.gateway.join('.')}`;
      case 'group': return `grp${r.replace ? '=' : '+'} ${r.id} [${r.members.map((m) => (m.weight === 1 ? m.id : `${m.id}*${m.weight}`)).join(',')}]`;
      case 'delete-nexthop': return `nh- ${r.id}`;
      case 'route': return `rt ${r.prefix.addr.join('.')}/${r.prefix.len} -> ${r.nhId}`;
      case 'multipath-route': return `mp ${r.prefix.addr.join('.')}/${r.prefix.len} -> ${r.paths.map((p) => `${p.gateway!.join('.')}*${p.weight}`).join(',')}`;
      case 'delete-route': return `rt- ${r.prefix.addr.join('.')}/${r.prefix.len}`;
    }
  });
}

function model(mode: 'objects' | 'multipath' = 'objects'): FibModel {
  return new FibModel(new IdAllocator(1), mode);
}

describe('planner (nexthop objects)', () => {
  it('creates nexthops, then one shared group, then the routes', () => {
    const m = model();
    expect(show(m.plan([change('10.1.0.1/32', hops(A, B, C)), change('10.1.0.2/32', hops(C, B, A))], resolved))).toEqual([
      'nh+ 2 10.0.0.10', 'nh+ 3 10.0.0.11', 'nh+ 4 10.0.0.12', 'grp+ 1 [2,3,4]', 'rt 10.1.0.1/32 -> 1', 'rt 10.1.0.2/32 -> 1',
    ]);
    expect(m.plan([change('10.1.0.1/32', hops(B, A, C))], resolved)).toEqual([]);
  });

  it('rewrites a group in place when all its routes move to a set no group has', () => {
    const m = model();
    m.plan(['10.1.0.1/32', '10.1.0.2/32', '10.1.0.3/32'].map((p) => change(p, hops(A, B, C))), resolved);
    expect(show(m.plan(['10.1.0.1/32', '10.1.0.2/32', '10.1.0.3/32'].map((p) => change(p, hops(A, B))), resolved)))
      .toEqual(['grp= 1 [2,3]', 'nh- 4']);
  });

  it('when most routes move, rewrites in place and first moves the rest to a new group with the old set', () => {
    const m = model();
    m.plan(['10.1.0.1/32', '10.1.0.2/32', '10.1.0.3/32', '10.1.0.4/32'].map((p) => change(p, hops(A, B, C))), resolved);
    expect(show(m.plan(['10.1.0.1/32', '10.1.0.2/32', '10.1.0.3/32'].map((p) => change(p, hops(A, B))), resolved)))
      .toEqual(['grp+ 5 [2,3,4]', 'rt 10.1.0.4/32 -> 5', 'grp= 1 [2,3]']);
  });

  it('when few routes move, moves them and leaves the group alone', () => {
    const m = model();
    m.plan(['10.1.0.1/32', '10.1.0.2/32', '10.1.0.3/32'].map((p) => change(p, hops(A, B, C))), resolved);
    expect(show(m.plan([change('10.1.0.1/32', [{ address: A, weight: 1 }, { address: B, weight: 5 }])], resolved)))
      .toEqual(['grp+ 5 [2,3*5]', 'rt 10.1.0.1/32 -> 5']);
  });

  it('a bulk move to a set some group has already (the table came in pieces) rewrites the old group in place too', () => {
    const m = model();
    const prefixes = Array.from({ length: 100 }, (_, i) => `10.2.0.${i}/32`);
    m.plan(prefixes.map((p) => change(p, hops(A))), resolved);
    // the first ten routes gain a next hop in one batch (a new group), the other ninety in the next
    expect(show(m.plan(prefixes.slice(0, 10).map((p) => change(p, hops(A, B))), resolved)).filter((r) => r.startsWith('rt'))).toHaveLength(10);
    expect(show(m.plan(prefixes.slice(10).map((p) => change(p, hops(A, B))), resolved))).toEqual(['grp= 1 [2,4]']); // 3: the new group
    // and again for the third next hop: each group rewritten once, no route written
    const third = [...show(m.plan(prefixes.slice(0, 10).map((p) => change(p, hops(A, B, C))), resolved)),
      ...show(m.plan(prefixes.slice(10).map((p) => change(p, hops(A, B, C))), resolved))];
    expect(third.filter((r) => r.startsWith('rt'))).toEqual([]);
    expect(third.filter((r) => r.startsWith('grp='))).toHaveLength(2);
    expect([...m.routes.values()].every((r) => r.group?.members.map((x) => x.nh.address).join() === [A, B, C].join())).toBe(true);
    // a few routes moving to an existing group still just move
    expect(show(m.plan([change(prefixes[0]!, hops(A, B))], resolved)).filter((r) => r.startsWith('rt'))).toHaveLength(1);
  });

  it('moves routes to an existing group and deletes the group and nexthops nothing uses any more', () => {
    const m = model();
    m.plan([change('10.1.0.1/32', hops(A, B)), change('10.1.0.2/32', hops(A, B, C))], resolved);
    expect(show(m.plan([change('10.1.0.2/32', hops(A, B))], resolved))).toEqual(['rt 10.1.0.2/32 -> 1', 'nh- 4', 'nh- 5']);
    expect(show(m.plan([change('10.1.0.1/32'), change('10.1.0.2/32', [])], resolved)))
      .toEqual(['rt- 10.1.0.1/32', 'rt- 10.1.0.2/32', 'nh- 1', 'nh- 2', 'nh- 3']);
    expect(m.groups.size + m.nexthops.size + m.routes.size).toBe(0);
  });

  it('withdraw() takes a next hop out of every group holding it with one request per group', () => {
    const m = model();
    m.plan([change('10.1.0.1/32', hops(A, B, C)), change('10.1.0.2/32', hops(B, C)), change('10.1.0.3/32', hops(C))], resolved);
    expect(show(m.withdraw(C))).toEqual(['grp= 1 [2,3]', 'grp= 5 [3]']);
    expect(m.plan([change('10.1.0.1/32', hops(A, B)), change('10.1.0.2/32', hops(B))], resolved)).toEqual([]);
  });
});

describe('planner (RTA_MULTIPATH fallback)', () => {
  it('writes every route with its paths and rewrites each route when its set changes', () => {
    const m = model('multipath');
    expect(show(m.plan([change('10.1.0.1/32', hops(A, B))], resolved))).toEqual(['mp 10.1.0.1/32 -> 10.0.0.10*1,10.0.0.11*1']);
    expect(show(m.plan([change('10.1.0.1/32', hops(A))], resolved))).toEqual(['mp 10.1.0.1/32 -> 10.0.0.10*1']);
  });
});

describe('adoption and repair', () => {
  const route = (dst: string, nhId?: number): RouteMessage => ({
    family: AF_INET, dstLen: 32, srcLen: 0, tos: 0, table: 254, protocol: 201, scope: 0, type: RTN_UNICAST, flags: 0,
    dst: parseAddress(dst), priority: 20, ...(nhId !== undefined ? { nhId } : {}),
  });
  const nexthops = [
    { family: AF_INET, scope: 0, protocol: 201, flags: 0, id: 11, gateway: parseAddress(A), oif: 7 },
    { family: AF_INET, scope: 0, protocol: 201, flags: 0, id: 12, gateway: parseAddress(B), oif: 8 },
    { family: 0, scope: 0, protocol: 201, flags: 0, id: 20, group: [{ id: 11, weight: 1 }, { id: 12, weight: 1 }] },
    { family: AF_INET, scope: 0, protocol: 4, flags: 0, id: 1, gateway: parseAddress(C), oif: 9 },
  ];

  it('adopts kernel state so that re-applying it costs nothing, and sweeps what is not confirmed', () => {
    const m = model();
    expect(adopt(m, { nexthops, routes: [route('10.1.0.1'), route('10.1.0.2', 20), route('10.1.0.3', 20)] }, S)).toEqual([]);
    expect(m.plan([change('10.1.0.2/32', hops(B, A))], resolved)).toEqual([]);
    expect(show(m.sweep())).toEqual(['rt- 10.1.0.1/32', 'rt- 10.1.0.3/32']);
    // id 1 belongs to someone else: new objects skip it
    expect(show(m.plan([change('10.1.0.9/32', hops(C))], resolved))).toEqual(['nh+ 3 10.0.0.12', 'grp+ 2 [3]', 'rt 10.1.0.9/32 -> 2']);
  });

  it('repairs a dump that lost a member, a route, and has a stray route of ours', () => {
    const m = model();
    adopt(m, { nexthops, routes: [route('10.1.0.1', 20), route('10.1.0.2', 20)] }, S);
    m.plan([change('10.1.0.1/32', hops(A, B)), change('10.1.0.2/32', hops(A, B))], resolved);
    const damaged = [nexthops[1]!, { ...nexthops[2]!, group: [{ id: 12, weight: 1 }] }];
    expect(show(diff(m, { nexthops: damaged, routes: [route('10.1.0.1', 20), route('10.9.9.9', 20)] }, S)))
      .toEqual(['nh+ 11 10.0.0.10', 'grp= 20 [11,12]', 'rt 10.1.0.2/32 -> 20', 'rt- 10.9.9.9/32']);
  });
});
