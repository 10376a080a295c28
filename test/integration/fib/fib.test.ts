/**
 * The FIB against the real kernel, in namespaces made by the test: a router namespace with a veth to a
 * "nodes" namespace whose addresses are the next hops. The Fib runs in the router namespace (fib-driver.ts);
 * the test checks the result with `ip -j route` / `ip -j nexthop` and watches `ip monitor` to prove which
 * kernel objects a step touched (a marker route added after the step bounds what the step produced).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, Netlab, waitFor } from '../../helpers/netns.js';
import type { FibChangeInput } from '../../../src/fib/fib.js';
import { FibClient } from './fib-client.js';

const PROTO = '201';
const A = '10.0.0.10', B = '10.0.0.11', C = '10.0.0.12';
const A6 = 'fd00::10', B6 = 'fd00::11', C6 = 'fd00::12';

interface JsonRoute { dst: string; nhid?: number; metric?: number; protocol?: string; nexthops?: { gateway: string; weight: number }[]; gateway?: string }
interface JsonNexthop {
  id: number; gateway?: string; protocol: string; type?: string;
  group?: { id: number; weight?: number }[];
  resilient_args?: { buckets: number; idle_timer: number };
}

let lab: Netlab;
let r: string;
let clients: FibClient[] = [];

function ipJson<T>(args: string[]): T { return JSON.parse(lab.exec(r, 'ip', ['-j', ...args]) || '[]') as T; }
const routes = (): JsonRoute[] => [...ipJson<JsonRoute[]>(['route', 'show', 'proto', PROTO]), ...ipJson<JsonRoute[]>(['-6', 'route', 'show', 'proto', PROTO])];
const nexthops = (): JsonNexthop[] => ipJson<JsonNexthop[]>(['-d', 'nexthop']).filter((n) => n.protocol === PROTO);
const groupsOf = (list: JsonNexthop[]): JsonNexthop[] => list.filter((n) => n.group);
const gatewaysOf = (route: JsonRoute): string[] => (route.nexthops ?? []).map((n) => n.gateway).sort();

function hosts(base: string, n: number): string[] {
  const [a, b, c] = base.split('.');
  return Array.from({ length: n }, (_, i) => `${a}.${b}.${c}.${i + 1}/32`);
}
const set = (prefixes: string[], hops: { address: string; weight?: number }[]): FibChangeInput[] =>
  prefixes.map((prefix) => ({ op: 'set', prefix, nexthops: hops }));
const via = (...addresses: string[]): { address: string }[] => addresses.map((address) => ({ address }));

async function fib(opts = {}): Promise<FibClient> {
  const { client } = await FibClient.start(lab, r, opts);
  clients.push(client);
  return client;
}

let marks = 0;

/** `ip monitor route nexthop` in the router namespace; step() returns the lines a step produced. */
class KernelWatch {
  private lines: string[] = [];
  private constructor() {
    const child = lab.spawn(r, 'ip', ['monitor', 'route', 'nexthop']);
    let partial = '';
    child.stdout!.on('data', (d: Buffer) => {
      const parts = (partial + d.toString()).split('\n');
      partial = parts.pop()!;
      this.lines.push(...parts);
    });
  }

  /** A watch that is known to be listening: its first marker has been seen (ip monitor starts asynchronously). */
  static async start(): Promise<KernelWatch> {
    const w = new KernelWatch();
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        await w.step(1000);
        return w;
      } catch { /* not listening yet: try another marker */ }
    }
    throw new Error('ip monitor never reported a marker route');
  }

  /** Add a marker route, wait for it, and return the headline of every event before it since the last call. */
  async step(timeoutMs = 20_000): Promise<string[]> {
    const marker = `198.51.100.${++marks}`;
    lab.exec(r, 'ip', ['route', 'add', `${marker}/32`, 'dev', 'lo', 'proto', 'static']);
    const at = await waitFor(`monitor line for ${marker}`, () => { const i = this.lines.findIndex((l) => l.startsWith(marker)); return i < 0 ? undefined : i; }, timeoutMs);
    const before = this.lines.slice(0, at);
    this.lines = this.lines.slice(at + 1);
    // the kernel's own routes (an IPv6 link-local address finishing DAD adds one to table local) are not ours
    return before.filter((l) => l.length > 0 && !/^\s/.test(l) && !l.includes('198.51.100.') && !l.includes('table local'));
  }
}

beforeAll(() => {
  if (!isRoot()) throw new Error('the FIB integration tests need root (network namespaces and route changes); CI runs them as root');
  lab = new Netlab();
  r = lab.ns('r');
  const n = lab.ns('n');
  lab.link(r, ['10.0.0.1/24', 'fd00::1/64'], n, [`${A}/24`, `${B}/24`, `${C}/24`, `${A6}/64`, `${B6}/64`, `${C6}/64`]);
});

afterEach(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  clients = [];
  // leave the namespace as the next test expects it: none of our routes or nexthop objects, no markers
  const batch = [
    ...routes().map((x) => `route del ${x.dst} proto ${PROTO} metric ${x.metric ?? 20}`),
    ...[...groupsOf(nexthops()), ...nexthops().filter((x) => !x.group)].map((x) => `nexthop del id ${x.id}`),
    ...ipJson<JsonRoute[]>(['route', 'show', 'proto', 'static']).map((x) => `route del ${x.dst} proto static`),
  ];
  if (batch.length > 0) lab.exec(r, 'ip', ['-batch', '-'], `${batch.join('\n')}\n`);
  expect(routes()).toEqual([]);
  expect(nexthops()).toEqual([]);
});

afterAll(async () => { await lab?.cleanup(); });

describe('FIB in the kernel (nexthop objects)', () => {
  it('installs 3-way ECMP routes, IPv4 and IPv6, through one shared group per next-hop set', async () => {
    const f = await fib();
    const v4 = hosts('10.20.0.0', 10);
    const v6 = ['2001:db8::1/128', '2001:db8::2/128'];
    const res = await f.apply([...set(v4, via(A, B, C)), ...set(v6, via(A6, B6, C6))]);
    expect(res.failures).toEqual([]);
    const installed = routes();
    expect(installed).toHaveLength(12);
    const objs = nexthops();
    const groups = groupsOf(objs);
    expect(groups).toHaveLength(2);
    expect(objs.filter((x) => !x.group).map((x) => x.gateway).sort()).toEqual([A, B, C, A6, B6, C6].sort());
    for (const route of installed) {
      expect(route.metric).toBe(20);
      expect(groups.map((g) => g.id)).toContain(route.nhid);
      expect(gatewaysOf(route)).toEqual(route.dst.includes(':') ? [A6, B6, C6] : [A, B, C]);
    }
    expect(new Set(installed.filter((x) => !x.dst.includes(':')).map((x) => x.nhid)).size).toBe(1);
  });

  it('installs weights into the group and the route', async () => {
    const f = await fib();
    expect((await f.apply(set(['10.21.0.1/32'], [{ address: A, weight: 1 }, { address: B, weight: 2 }, { address: C, weight: 3 }]))).failures).toEqual([]);
    const [route] = routes();
    expect(route!.nexthops!.map((n) => [n.gateway, n.weight])).toEqual([[A, 1], [B, 2], [C, 3]]);
    const [group] = groupsOf(nexthops());
    expect(group!.group!.map((m) => m.weight ?? 1)).toEqual([1, 2, 3]);
  });

  it('a next hop withdrawn from every route rewrites the shared group in place: two requests, no route rewritten', async () => {
    const watch = await KernelWatch.start();
    const f = await fib();
    const prefixes = hosts('10.22.0.0', 50);
    await f.apply(set(prefixes, via(A, B, C)));
    const [before] = groupsOf(nexthops());
    expect(await watch.step()).toHaveLength(4 + 50);
    // two requests: the group's replace and the deletion of C's nexthop object
    const res = await f.apply(set(prefixes, via(A, B)));
    expect(res).toEqual({ requests: 2, failures: [] });
    // the metrics count kernel requests, not prefixes: 3 nexthops + 1 group + 50 routes, then 1 group + 1 delete
    const view = await f.counters();
    const count = (object: string, op: string) => view.operations.find((o) => o.object === object && o.op === op)?.count ?? 0;
    expect([count('nexthop', 'add'), count('group', 'add'), count('route', 'replace'), count('group', 'replace'), count('nexthop', 'delete')]).toEqual([3, 1, 50, 1, 1]);
    expect(view.errors).toEqual([]);
    const lines = await watch.step();
    const objects = lines.filter((l) => !l.startsWith('10.'));
    expect(objects).toHaveLength(2);
    expect(objects[0]).toMatch(new RegExp(`^id ${before!.id} group \\d+/\\d+ proto ${PROTO}`));
    expect(objects[1]).toMatch(/^Deleted id \d+ via 10\.0\.0\.12 /);
    // with nexthop_compat_mode=1 the kernel itself announces every route of a replaced group, unchanged
    for (const l of lines.filter((x) => x.startsWith('10.'))) expect(l).toContain(`nhid ${before!.id} `);
    const after = routes();
    expect(after).toHaveLength(50);
    for (const route of after) {
      expect(route.nhid).toBe(before!.id);
      expect(gatewaysOf(route)).toEqual([A, B]);
    }
  });

  it('one next hop down rewrites each group holding it, once, and leaves other groups alone', async () => {
    const watch = await KernelWatch.start();
    const f = await fib();
    const abc = hosts('10.23.0.0', 20), ac = hosts('10.23.1.0', 20), ab = hosts('10.23.2.0', 20);
    await f.apply([...set(abc, via(A, B, C)), ...set(ac, [{ address: A }, { address: C, weight: 2 }]), ...set(ab, via(A, B))]);
    await watch.step();
    const groupAC = groupsOf(nexthops()).find((g) => g.group!.length === 2 && g.group!.some((m) => m.weight === 2))!;
    const res = await f.apply([...set(abc, via(A, B)), ...set(ac, via(A))]);
    // {A,B,C} cannot become {A,B} in place (that group exists): its 20 routes move there and it is deleted;
    // {A,C*2} becomes {A} in place (one request for 20 routes); C's nexthop object is deleted
    expect(res).toEqual({ requests: 20 + 1 + 1 + 1, failures: [] });
    const lines = await watch.step();
    expect(lines.filter((l) => /^10\.23\.2\./.test(l))).toEqual([]);
    expect(lines.filter((l) => /^10\.23\.0\./.test(l))).toHaveLength(20);
    expect(lines.filter((l) => /^id \d+ group \d+ proto/.test(l))).toEqual([expect.stringMatching(new RegExp(`^id ${groupAC.id} `))]);
    // compat-mode notifications of the rewritten group's routes, which keep their nhid
    for (const l of lines.filter((x) => /^10\.23\.1\./.test(x))) expect(l).toContain(`nhid ${groupAC.id} `);
    expect(routes().filter((x) => x.dst.startsWith('10.23.1.')).every((x) => x.gateway === A || gatewaysOf(x).join() === A)).toBe(true);
    expect(nexthops().some((x) => x.gateway === C)).toBe(false);
  });

  it('withdrawNexthop rewrites every group holding the next hop at once; the route changes that follow cost nothing', async () => {
    const watch = await KernelWatch.start();
    const f = await fib();
    const abc = hosts('10.32.0.0', 30), bc = hosts('10.32.1.0', 30), c = hosts('10.32.2.0', 2);
    await f.apply([...set(abc, via(A, B, C)), ...set(bc, via(B, C)), ...set(c, via(C))]);
    const before = groupsOf(nexthops());
    await watch.step();
    expect(await f.withdraw(C)).toEqual({ requests: 2, failures: [] });
    const lines = (await watch.step()).filter((l) => l.startsWith('id '));
    expect(lines).toHaveLength(2);
    expect(groupsOf(nexthops()).map((g) => g.id).sort()).toEqual(before.map((g) => g.id).sort());
    expect(routes().filter((x) => x.dst.startsWith('10.32.0.')).every((x) => gatewaysOf(x).join() === [A, B].join())).toBe(true);
    expect(routes().filter((x) => x.dst.startsWith('10.32.1.')).every((x) => x.gateway === B || gatewaysOf(x).join() === B)).toBe(true);
    // the router's changes for the lost next hop: the sets already match, only the C-only routes go
    expect(await f.apply([...set(abc, via(A, B)), ...set(bc, via(B)), ...c.map((prefix): FibChangeInput => ({ op: 'delete', prefix }))]))
      .toEqual({ requests: 2 + 1 + 1, failures: [] });
    expect(nexthops().some((x) => x.gateway === C)).toBe(false);
  });

  it('after a restart, adopting the kernel state and re-applying the same routes touches nothing', async () => {
    const watch = await KernelWatch.start();
    const first = await fib();
    const three = hosts('10.24.0.0', 30), two = hosts('10.24.1.0', 5);
    await first.apply([...set(three, via(A, B, C)), ...set(two, via(B, C)), ...set(['2001:db8:24::1/128'], via(A6))]);
    await first.stop();
    await watch.step();
    const { client: second, opened } = await FibClient.start(lab, r, {});
    clients.push(second);
    expect(opened).toEqual({ mode: 'objects', adopted: 36 });
    expect(await second.apply([...set(three, via(A, B, C)), ...set(two, via(B, C)), ...set(['2001:db8:24::1/128'], via(A6))])).toEqual({ requests: 0, failures: [] });
    expect(await second.sweep()).toEqual({ requests: 0, failures: [] });
    expect(await watch.step()).toEqual([]);
    await second.stop();
    // a restart where one route changed its set and one is no longer wanted: only those are touched
    const { client: third } = await FibClient.start(lab, r, {});
    clients.push(third);
    await third.apply([...set(three.slice(1), via(A, B, C)), ...set(two.slice(0, 4), via(B, C)), ...set(two.slice(4), via(A, C)), ...set(['2001:db8:24::1/128'], via(A6))]);
    await third.sweep();
    const lines = await watch.step();
    expect(lines.filter((l) => /^(Deleted )?10\./.test(l)).sort()).toEqual([
      expect.stringMatching(/^10\.24\.1\.5 nhid \d+ proto 201 metric 20/),
      expect.stringMatching(/^Deleted 10\.24\.0\.1 nhid \d+ proto 201 metric 20/),
    ]);
    expect(lines.filter((l) => /^id \d+ group/.test(l))).toHaveLength(1);
    expect(routes()).toHaveLength(35);
  });

  it('uses the configured table (ids >= 256 go in RTA_TABLE) and metric, and adopts from that table only', async () => {
    const opts = { table: 1000, metric: 30 };
    const first = await fib(opts); // the table does not exist yet: the startup dump finds it empty
    await first.apply(set(hosts('10.35.0.0', 3), via(A, B)));
    await first.stop();
    const inTable = ipJson<JsonRoute[]>(['route', 'show', 'table', '1000', 'proto', PROTO]);
    expect(inTable.map((x) => [x.dst, x.metric, gatewaysOf(x).join()])).toEqual([1, 2, 3].map((i) => [`10.35.0.${i}`, 30, `${A},${B}`]));
    expect(routes()).toEqual([]);
    const { client, opened } = await FibClient.start(lab, r, opts);
    clients.push(client);
    expect(opened.adopted).toBe(3);
    expect(await client.apply(set(hosts('10.35.0.0', 3), via(A, B)))).toEqual({ requests: 0, failures: [] });
    const { client: other, opened: main } = await FibClient.start(lab, r, {});
    clients.push(other);
    expect(main.adopted).toBe(0);
    await client.apply(hosts('10.35.0.0', 3).map((prefix): FibChangeInput => ({ op: 'delete', prefix })));
    await client.sweep();
  });

  it('sweeps our routes that an earlier fib.table or fib.metric left behind (kept until the sweep), and no one else\'s', async () => {
    const inTable = (): JsonRoute[] => ipJson<JsonRoute[]>(['route', 'show', 'table', '1000']);
    const oldTable = await fib({ table: 1000, metric: 30 });
    await oldTable.apply(set(hosts('10.36.0.0', 3), via(A, B)));
    await oldTable.stop();
    const oldMetric = await fib({ metric: 30 });
    await oldMetric.apply([...set(hosts('10.36.1.0', 2), via(A)), ...set(['2001:db8:36::1/128'], via(A6))]);
    await oldMetric.stop();
    lab.exec(r, 'ip', ['route', 'add', '10.36.2.1/32', 'via', A, 'table', '1000', 'metric', '30', 'proto', 'static']);
    try {
      const { client: now, opened } = await FibClient.start(lab, r, {});
      clients.push(now);
      expect(opened.adopted).toBe(0);
      const wanted = [...hosts('10.36.0.0', 3), ...hosts('10.36.1.0', 2)];
      await now.apply(set(wanted, via(A, B)));
      // until the sweep (the startup hold's end) the old routes stay and forward as before
      expect(inTable().map((x) => x.dst).sort()).toEqual(['10.36.0.1', '10.36.0.2', '10.36.0.3', '10.36.2.1']);
      expect(routes().filter((x) => x.metric === 30).map((x) => x.dst).sort()).toEqual(['10.36.1.1', '10.36.1.2', '2001:db8:36::1']);
      expect((await now.sweep()).failures).toEqual([]);
      expect(inTable().map((x) => [x.dst, x.protocol])).toEqual([['10.36.2.1', 'static']]);
      expect(routes().map((x) => [x.dst, x.metric, gatewaysOf(x).join()]).sort()).toEqual(wanted.map((p) => [p.replace('/32', ''), 20, `${A},${B}`]).sort());
      // the old sets' groups went with them; the one still in use stays
      expect(groupsOf(nexthops()).map((g) => g.id)).toEqual([...new Set(routes().map((x) => x.nhid))]);
      expect((await now.sweep()).requests).toBe(0);
    } finally {
      lab.exec(r, 'ip', ['route', 'del', '10.36.2.1/32', 'table', '1000', 'proto', 'static']);
    }
  });

  it('restores a route that someone else deletes', async () => {
    const f = await fib();
    await f.apply(set(hosts('10.25.0.0', 3), via(A, B, C)));
    lab.exec(r, 'ip', ['route', 'del', '10.25.0.2/32', 'proto', PROTO]);
    const back = await waitFor('route restored', () => routes().find((x) => x.dst === '10.25.0.2'));
    expect(gatewaysOf(back)).toEqual([A, B, C]);
    await waitFor('restored event', () => f.events().find((e) => e.type === 'restored' && e.prefixes.join() === '10.25.0.2/32'));
  });

  it('repairs groups and routes when someone deletes one of its nexthop objects', async () => {
    const f = await fib();
    await f.apply(set(hosts('10.26.0.0', 5), via(A, B, C)));
    const c = nexthops().find((x) => x.gateway === C)!;
    lab.exec(r, 'ip', ['nexthop', 'del', 'id', String(c.id)]);
    await waitFor('group repaired', () => (groupsOf(nexthops())[0]?.group?.length === 3 ? true : undefined));
    expect(routes().every((x) => gatewaysOf(x).join() === [A, B, C].join())).toBe(true);
    await waitFor('resync event', () => f.events().find((e) => e.type === 'resync' && e.reason.includes(`nexthop ${c.id}`)));
  });

  it('puts everything back when an interface that went down (taking our nexthops with it) comes back', async () => {
    const f = await fib();
    await f.apply(set(hosts('10.33.0.0', 5), via(A, B, C)));
    const dev = lab.ifname('01a');
    lab.exec(r, 'ip', ['link', 'set', dev, 'down']);
    try {
      await waitFor('nexthops flushed with the link', () => (nexthops().length === 0 && routes().length === 0 ? true : undefined));
      await waitFor('a resync that could not repair', () => f.events().find((e) => e.type === 'resync' && e.result.failures.length > 0));
    } finally {
      lab.exec(r, 'ip', ['link', 'set', dev, 'up']);
    }
    await waitFor('routes back', () => (routes().length === 5 && routes().every((x) => gatewaysOf(x).length === 3) ? true : undefined));
    expect(groupsOf(nexthops())).toHaveLength(1);
  });

  it('installs resilient groups and keeps them resilient when a next hop goes', async () => {
    const f = await fib({ resilient: { buckets: 32, idleTimerSeconds: 5, unbalancedTimerSeconds: 0 } });
    const prefixes = hosts('10.27.0.0', 4);
    expect((await f.apply(set(prefixes, via(A, B, C)))).failures).toEqual([]);
    const [g] = groupsOf(nexthops());
    expect(g).toMatchObject({ type: 'resilient', resilient_args: { buckets: 32, idle_timer: 5 } });
    await f.apply(set(prefixes, via(A, B)));
    const [after] = groupsOf(nexthops());
    expect(after).toMatchObject({ id: g!.id, type: 'resilient', resilient_args: { buckets: 32 } });
    expect(after!.group).toHaveLength(2);
  });

  it('reports kernel refusals with the errno name and the extended ack text', async () => {
    const f = await fib({ resilient: { buckets: 0, idleTimerSeconds: 1, unbalancedTimerSeconds: 0 } });
    const res = await f.apply(set(['10.28.0.1/32'], via(A, B)));
    expect(res.failures).toContainEqual({ what: expect.stringMatching(/^group \d+$/), code: 'EINVAL', message: 'Number of buckets needs to be non-0' });
    expect(res.failures).toContainEqual(expect.objectContaining({ what: 'route 10.28.0.1/32' }));
    expect(routes()).toEqual([]);
    // each refusal counted by object, operation and errno
    expect((await f.counters()).errors).toContainEqual({ object: 'group', op: 'add', code: 'EINVAL', count: 1 });
  });

  it('refuses next hops that are not on a connected network without touching the kernel', async () => {
    const f = await fib();
    const res = await f.apply([...set(['10.29.0.1/32'], via(A, '192.0.2.7')), ...set(['10.29.0.2/32'], via(A))]);
    expect(res.failures.map((x) => [x.what, x.code])).toEqual([['nexthop 192.0.2.7', 'ENETUNREACH'], ['route 10.29.0.1/32', 'ENETUNREACH']]);
    expect(routes().map((x) => x.dst)).toEqual(['10.29.0.2']);
  });

  it('our own bulk changes never reach the monitor (a socket filter drops them), so they cannot overflow it', async () => {
    const f = await fib({ monitorReceiveBufferBytes: 1 });
    const prefixes = hosts('10.30.0.0', 250).concat(hosts('10.30.1.0', 250), hosts('10.30.2.0', 250), hosts('10.30.3.0', 250));
    expect((await f.apply(set(prefixes, via(A, B, C)))).failures).toEqual([]);
    expect((await f.apply(set(prefixes, via(A, B)))).requests).toBe(2);
    // someone else's change still gets through: the restore proves the monitor is alive
    lab.exec(r, 'ip', ['route', 'del', '10.30.0.7/32', 'proto', PROTO]);
    await waitFor('restored event', () => f.events().find((e) => e.type === 'restored'));
    expect(f.events().filter((e) => e.type === 'resync')).toEqual([]);
    expect(routes()).toHaveLength(1000);
  });

  it('a monitor overflow (ENOBUFS) from someone else\'s burst triggers a resync instead of a crash', async () => {
    const f = await fib({ monitorReceiveBufferBytes: 1 });
    await f.apply(set(hosts('10.34.0.0', 20), via(A, B, C)));
    // large enough to overflow a minimal receive buffer even when the reader is quick
    const burst = Array.from({ length: 4000 }, (_, i) => `route add 203.${i >> 8}.${i & 0xff}.1/32 dev lo proto static`);
    lab.exec(r, 'ip', ['-batch', '-'], `${burst.join('\n')}\n`);
    await waitFor('resync after overflow', () => f.events().find((e) => e.type === 'resync' && e.reason.includes('ENOBUFS')));
    expect(routes()).toHaveLength(20);
    expect((await f.apply(set(['10.34.9.1/32'], via(A)))).failures).toEqual([]);
  });
});

describe('FIB in the kernel (RTA_MULTIPATH fallback)', () => {
  it('installs multipath routes without nexthop objects and rewrites them when a next hop goes', async () => {
    const f = await fib({ mode: 'multipath' });
    const prefixes = hosts('10.31.0.0', 5);
    expect((await f.apply(set(prefixes, [{ address: A }, { address: B, weight: 2 }, { address: C }]))).failures).toEqual([]);
    expect(nexthops()).toEqual([]);
    for (const route of routes()) {
      expect(route.nhid).toBeUndefined();
      expect(route.nexthops!.map((n) => [n.gateway, n.weight])).toEqual([[A, 1], [B, 2], [C, 1]]);
    }
    expect((await f.apply(set(prefixes, via(A, B)))).requests).toBe(5);
    expect(routes().map(gatewaysOf)).toEqual(Array(5).fill([A, B]));
  });
});
