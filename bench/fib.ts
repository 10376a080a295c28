/**
 * FIB install benchmark (not a test): `npx tsx bench/fib.ts [routes] [runs]`. In a namespace made for the
 * run, installs N /32 routes (default 100,000) pointing at one 3-way nexthop group, then replaces the group
 * (every route moves to 2 next hops), then deletes everything, with:
 *   - vipgate's Fib.apply (the whole stack: parse, plan, encode, batched send, acks, with its monitor
 *     reading the notifications our changes cause; nexthop_compat_mode=0 as on the router box),
 *   - the kernel floor: the same route messages pre-encoded and sent 200 per sendmsg through the channel,
 *   - `ip -batch` doing the same from a file,
 * and reports medians of the runs and the ratios. Node cannot enter a namespace, so the script re-runs
 * itself inside it (`ip netns exec NS node --import tsx bench/fib.ts --inside ...`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Prefix } from '../src/lib/address.js';
import { NetlinkChannel } from '../src/fib/channel.js';
import { Fib, RTPROT_VIPGATE, type FibChangeInput } from '../src/fib/fib.js';
import { encodeKernelRequests, type KernelRequest } from '../src/fib/kernel-request.js';
import { Netlab } from '../test/helpers/netns.js';

const HOPS = ['10.0.0.10', '10.0.0.11', '10.0.0.12'];
const METRIC = 20;

interface Timings { install: number; replaceGroup: number; remove: number; withdraw?: number }

function prefixes(n: number): Prefix[] {
  return Array.from({ length: n }, (_, i) => ({ family: 4 as const, addr: Uint8Array.of(10, 100 + (i >> 16), (i >> 8) & 0xff, i & 0xff), len: 32 }));
}

const seconds = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

function ipRoutes(): number {
  return JSON.parse(execFileSync('ip', ['-j', 'route', 'show', 'proto', String(RTPROT_VIPGATE)], { encoding: 'utf8', maxBuffer: 1 << 28 }) || '[]').length;
}

async function benchFib(all: Prefix[]): Promise<Timings> {
  const fib = await Fib.open();
  fib.onEvent = (e) => { if (e.type !== 'restored') process.stderr.write(`fib event during the bench: ${JSON.stringify(e)}\n`); };
  const set = (hops: string[]): FibChangeInput[] => all.map((prefix) => ({ op: 'set', prefix, nexthops: hops.map((address) => ({ address })) }));
  const three = set(HOPS), two = set(HOPS.slice(0, 2));
  let t = process.hrtime.bigint();
  const a = await fib.apply(three);
  const install = seconds(t);
  if (a.failures.length || ipRoutes() !== all.length) throw new Error(`fib install: ${JSON.stringify(a.failures.slice(0, 3))}`);
  t = process.hrtime.bigint();
  const b = await fib.apply(two);
  const replaceGroup = seconds(t);
  if (b.failures.length || b.requests !== 2) throw new Error(`fib group replace: ${b.requests} requests, ${JSON.stringify(b.failures.slice(0, 3))}`);
  // back to three next hops (the group is rewritten in place again), then the fast path a BFD-down takes
  await fib.apply(three);
  t = process.hrtime.bigint();
  const w = await fib.withdrawNexthop(HOPS[2]!);
  const withdraw = seconds(t);
  if (w.failures.length || w.requests !== 2 || (await fib.apply(two)).requests !== 0) throw new Error('fib withdraw failed');
  t = process.hrtime.bigint();
  const c = await fib.apply(all.map((prefix) => ({ op: 'delete', prefix })));
  const remove = seconds(t);
  if (c.failures.length || ipRoutes() !== 0) throw new Error('fib delete failed');
  await fib.close();
  return { install, replaceGroup, remove, withdraw };
}

/** The kernel floor: pre-encoded messages, 200 per sendmsg, only the sending and the acks timed. */
async function benchFloor(all: Prefix[], dev: string): Promise<Timings> {
  const channel = new NetlinkChannel();
  const s = { table: 254, protocol: RTPROT_VIPGATE, metric: METRIC };
  const run = async (reqs: KernelRequest[]): Promise<number> => {
    const msgs = encodeKernelRequests(reqs, s);
    const t = process.hrtime.bigint();
    await Promise.all(msgs.map((m) => channel.writeAsync(m)));
    return seconds(t);
  };
  const hop = (id: number, i: number) => ({ kind: 'nexthop' as const, id, gateway: Uint8Array.of(10, 0, 0, 10 + i), oif: ifindex(dev), replace: false });
  await run([hop(900001, 0), hop(900002, 1), hop(900003, 2),
    { kind: 'group', id: 900010, members: [{ id: 900001, weight: 1 }, { id: 900002, weight: 1 }, { id: 900003, weight: 1 }], replace: false }]);
  const install = await run(all.map((prefix) => ({ kind: 'route', prefix, nhId: 900010 })));
  const replaceGroup = await run([{ kind: 'group', id: 900010, members: [{ id: 900001, weight: 1 }, { id: 900002, weight: 1 }], replace: true }]);
  const remove = await run(all.map((prefix) => ({ kind: 'delete-route', prefix })));
  await run([900010, 900001, 900002, 900003].map((id) => ({ kind: 'delete-nexthop' as const, id })));
  channel.close();
  return { install, replaceGroup, remove };
}

function benchIpBatch(all: Prefix[], dev: string, dir: string): Timings {
  const file = (name: string, lines: string[]): string => { const p = join(dir, name); writeFileSync(p, `${lines.join('\n')}\n`); return p; };
  const text = (p: Prefix): string => `${p.addr.join('.')}/32`;
  const add = file('add', [
    ...HOPS.map((h, i) => `nexthop add id ${800001 + i} via ${h} dev ${dev} proto ${RTPROT_VIPGATE}`),
    `nexthop add id 800010 group 800001/800002/800003 proto ${RTPROT_VIPGATE}`,
    ...all.map((p) => `route add ${text(p)} nhid 800010 proto ${RTPROT_VIPGATE} metric ${METRIC}`),
  ]);
  const del = file('del', [
    ...all.map((p) => `route del ${text(p)} proto ${RTPROT_VIPGATE} metric ${METRIC}`),
    'nexthop del id 800010', 'nexthop del id 800001', 'nexthop del id 800002', 'nexthop del id 800003',
  ]);
  const ip = (args: string[]): number => {
    const t = process.hrtime.bigint();
    const r = spawnSync('ip', args, { encoding: 'utf8', maxBuffer: 1 << 26 });
    const took = seconds(t);
    if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
    return took;
  };
  const install = ip(['-batch', add]);
  if (ipRoutes() !== all.length) throw new Error('ip -batch install incomplete');
  const replaceGroup = ip(['nexthop', 'replace', 'id', '800010', 'group', '800001/800002', 'proto', String(RTPROT_VIPGATE)]);
  const remove = ip(['-batch', del]);
  return { install, replaceGroup, remove };
}

function ifindex(dev: string): number {
  return (JSON.parse(execFileSync('ip', ['-j', 'link', 'show', dev], { encoding: 'utf8' })) as { ifindex: number }[])[0]!.ifindex;
}

async function inside(n: number, runs: number, dev: string): Promise<void> {
  const all = prefixes(n);
  const dir = mkdtempSync(join(tmpdir(), 'vipgate-bench-'));
  const results: Record<'fib' | 'floor' | 'ipBatch', Timings[]> = { fib: [], floor: [], ipBatch: [] };
  try {
    for (let i = 0; i < runs; i++) {
      results.ipBatch.push(benchIpBatch(all, dev, dir));
      results.fib.push(await benchFib(all));
      results.floor.push(await benchFloor(all, dev));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(results));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function outside(n: number, runs: number): Promise<void> {
  const lab = new Netlab();
  try {
    const r = lab.ns('r');
    const nodes = lab.ns('n');
    const { ifA } = lab.link(r, ['10.0.0.1/24'], nodes, HOPS.map((h) => `${h}/24`));
    // as on the router box: routes through nexthop objects are not also announced and dumped in the expanded
    // form, so a group replace does not make the kernel announce every route using the group
    lab.exec(r, 'sysctl', ['-q', '-w', 'net.ipv4.nexthop_compat_mode=0']);
    const self = fileURLToPath(import.meta.url);
    const root = fileURLToPath(new URL('../', import.meta.url));
    const out = execFileSync('ip', ['netns', 'exec', r, process.execPath, '--import', 'tsx', self, '--inside', String(n), String(runs), ifA],
      { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'] });
    const results = JSON.parse(out) as Record<'fib' | 'floor' | 'ipBatch', Timings[]>;
    const row = (name: string, ts: Timings[]) => ({
      name, install: median(ts.map((t) => t.install)), replaceGroup: median(ts.map((t) => t.replaceGroup)), remove: median(ts.map((t) => t.remove)),
    });
    const rows = [row('vipgate Fib.apply', results.fib), row('kernel floor (pre-encoded, 200/sendmsg)', results.floor), row('ip -batch', results.ipBatch)];
    console.log(`${n} /32 routes -> one 3-way nexthop group, medians of ${runs} runs (seconds)`);
    console.table(rows.map((x) => ({ '': x.name, install: x.install.toFixed(3), 'replace group': x.replaceGroup.toFixed(4), delete: x.remove.toFixed(3) })));
    const [fib, floor, ipb] = rows as [typeof rows[0], typeof rows[0], typeof rows[0]];
    console.log(`install: ip -batch / vipgate = ${(ipb.install / fib.install).toFixed(2)}x, vipgate / floor = ${(fib.install / floor.install).toFixed(2)}x`);
    console.log(`delete:  ip -batch / vipgate = ${(ipb.remove / fib.remove).toFixed(2)}x, vipgate / floor = ${(fib.remove / floor.remove).toFixed(2)}x`);
    console.log(`replace group (all ${n} routes move): vipgate apply() of the ${n} changes ${(fib.replaceGroup * 1000).toFixed(1)} ms, `
      + `withdrawNexthop() ${(median(results.fib.map((t) => t.withdraw!)) * 1000).toFixed(1)} ms, floor ${(floor.replaceGroup * 1000).toFixed(1)} ms, `
      + `ip ${(ipb.replaceGroup * 1000).toFixed(1)} ms (ip includes its process start)`);
  } finally {
    await lab.cleanup();
  }
}

const args = process.argv.slice(2);
if (args[0] === '--inside') await inside(Number(args[1]), Number(args[2]), args[3]!);
else await outside(Number(args[0] ?? 100_000), Number(args[1] ?? 3));
