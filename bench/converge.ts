/**
 * Convergence benchmark (not a test; needs root): `npx tsx bench/converge.ts [N=100000] [--runs=3]
 * [--routers=vipgate,bird,frr] [--mode=all|turn] [--poll-ms=200] [--nice=-10] [--no-profile] [--heap]
 * [--vipgate=OTHER/bin/vipgate.js] [--before=OTHER/bin/vipgate.js] [--label=NAME]`. Run `npm run build` first. --vipgate
 * runs another build (a copy of the tree with a change) in place of this one; --before adds another build
 * as one more router, "vipgate-before", measured in the same runs (e.g. a `git worktree` of the commit
 * before a change, built there), to see what a change buys on a noisy machine.
 *
 * For each router under test (vipgate, BIRD 2, FRR 8.4; see lib/routers.ts for their configs) and each run,
 * in namespaces made for the run: the router's namespace and three peer namespaces on one bridge segment
 * (10.0.0.1 and 10.0.0.11-13). One feeder process per peer (lib/feeder.ts) opens an eBGP session from
 * AS 64512 and, on a signal, sends the same N IPv4 /32s (100.64.0.0 upward) with itself as the next hop,
 * in pre-encoded UPDATEs. The clock starts when the signal goes out, after all three sessions are
 * Established, and stops when a poll of the router's kernel (lib/kernel-watch.ts, every --poll-ms after
 * each dump) sees all N routes with three next hops; that poll's end is the figure (an upper bound; the
 * previous poll's end, a lower bound, is in the JSON). Also measured: the first route in the kernel after
 * the signal (an `ip monitor route` in the router's namespace, lib/kernel-watch.ts, stopped at its first
 * line; the feeders send at the signal, so this is nearly the time from the first UPDATE); the withdrawal
 * of everything after convergence, every session closed at once (the feeders killed: their kernel closes
 * the TCP connections), to no route of the router's left in the kernel (polled the same way), with the
 * CPU seconds it took (not in probe runs); and over the router's processes
 * (lib/proc-stats.ts): peak RSS (sum of VmHWM) and CPU seconds (utime + stime) spent between the signal
 * and convergence.
 *
 * --mode=all (default): all three peers send at once. That is the case a router meets in practice (it
 * restarts, or the LAN comes back, and every node's table arrives at the same moment), and the only one
 * a peer-by-peer order cannot hide: a 100k-prefix table is ~500 kB, which the socket buffers swallow at
 * once, so "peer 2 starts when peer 1 has written everything" would be all-at-once with millisecond offsets.
 * --mode=turn: peer k+1 starts only once the kernel holds all N routes with k next hops (the poll delay
 * of each stage is included in the figure).
 *
 * The script renices itself and its autogroup (--nice, default -10; its children inherit it) so that on a shared machine the
 * routers, feeders and polls get the CPU before unrelated work; each run also records the share of its
 * time in which some task waited for a CPU (/proc/pressure/cpu), to show how loaded the machine was.
 *
 * Medians over the runs (order of the routers rotated per run), ratios to the best of each column, and
 * the results as JSON in bench/results/converge-<date>.json (other parameters, and --label, add to the name). Unless --no-profile, one more vipgate run
 * under `node --cpu-prof` (not counted in the medians) names vipgate's top costs between the signal and
 * convergence; with --heap, another one takes a heap snapshot at convergence and names what fills the
 * heap (use a smaller N, e.g. 20000: a snapshot must fit in one JavaScript string to be read).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, setPriority, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Netlab, isRoot } from '../test/helpers/netns.js';
import { CLI } from '../test/helpers/vipgate.js';
import { summarizeProfile, type FunctionCost, type ProfileSummary } from './lib/cpuprofile.js';
import { summarizeHeapSnapshot } from './lib/heap-snapshot.js';
import { Feeder } from './lib/feeders.js';
import { waitForNoRoutes, waitForRoutes, watchFirstRoute, type Sample } from './lib/kernel-watch.js';
import { cpuSeconds, cpuStallMicros, peakRssMiB } from './lib/proc-stats.js';
import { PEER_AS, START, startVipgate, type RouterName, type RouterUnderTest, type Topology } from './lib/routers.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ROUTER_ADDRESS = '10.0.0.1';
const SUBNET = '10.0.0.0/24';
const PEERS = ['10.0.0.11', '10.0.0.12', '10.0.0.13'];
const FIRST_PREFIX = '100.64.0.0';
/** As on the router box (firmware/etc/sysctl.d/90-vipgate.conf), for every router under test alike. */
const SYSCTLS = { 'net.ipv4.ip_forward': '1', 'net.ipv4.fib_multipath_hash_policy': '1', 'net.ipv4.nexthop_compat_mode': '0' };
const ESTABLISH_TIMEOUT_MS = 60_000;
const CONVERGE_TIMEOUT_MS = 120_000;

/** A router under test: one of lib/routers.ts, or vipgate-before (another vipgate build, --before). */
type Entrant = RouterName | 'vipgate-before';

interface Options { n: number; runs: number; routers: Entrant[]; mode: 'all' | 'turn'; pollMs: number; probes: Probe['kind'][]; nice: number; vipgateCli: string; beforeCli?: string; label?: string }

interface RunResult {
  /** Seconds from the signal to the poll that saw full ECMP (upper bound). */
  seconds: number;
  /** The poll before it (lower bound). */
  lowerBound: number;
  /** The first route the kernel added after the signal (null: none seen). */
  firstRouteSeconds: number | null;
  /** Every session closed after convergence to no route left in the kernel (poll upper bound), and its CPU seconds. */
  withdrawSeconds: number;
  withdrawCpuSeconds: number;
  /** First poll that saw all N prefixes, with any number of next hops. */
  allPresentSeconds: number | null;
  peakRssMiB: number;
  /** CPU seconds of the router's processes between the signal and convergence. */
  cpuSeconds: number;
  /** Since the router started (startup and session setup included). */
  cpuSecondsTotal: number;
  /** Share of the run's wall time in which some runnable task waited for a CPU (PSI): other load. */
  cpuStall: number;
  /** The feeders' own time to write their UPDATEs into the socket, ms. */
  feederWriteMs: number[];
  samples: Sample[];
}

type Outcome = RunResult | { error: string };

/** Medians of a router's successful runs. */
interface Summary { seconds: number; lowerBound: number; firstRouteSeconds: number | null; withdrawSeconds: number; withdrawCpuSeconds: number; allPresentSeconds: number | null; peakRssMiB: number; cpuSeconds: number; runs: number }

function parseOptions(argv: readonly string[]): Options {
  const o: Options = { n: 100_000, runs: 3, routers: ['vipgate', 'bird', 'frr'], mode: 'all', pollMs: 200, probes: ['cpu'], nice: -10, vipgateCli: CLI };
  for (const a of argv) {
    const [k, v = ''] = a.split('=');
    if (/^\d+$/.test(a)) o.n = Number(a);
    else if (k === '--runs') o.runs = Number(v);
    else if (k === '--routers') o.routers = v.split(',') as RouterName[];
    else if (k === '--mode' && (v === 'all' || v === 'turn')) o.mode = v;
    else if (k === '--poll-ms') o.pollMs = Number(v);
    else if (k === '--nice') o.nice = Number(v);
    else if (k === '--vipgate') o.vipgateCli = resolve(v);
    else if (k === '--before') o.beforeCli = resolve(v);
    else if (k === '--label' && /^[\w.-]+$/.test(v)) o.label = v;
    else if (a === '--no-profile') o.probes = o.probes.filter((x) => x !== 'cpu');
    else if (a === '--heap') o.probes.push('heap');
    else throw new Error(`unknown argument ${a}`);
  }
  if (o.routers.some((r) => !(r in START))) throw new Error(`--routers takes ${Object.keys(START).join(',')}`);
  if (o.beforeCli !== undefined && !o.routers.includes('vipgate-before')) o.routers.push('vipgate-before');
  if (!(o.n > 0 && o.n < 1 << 22) || !(o.runs >= 1) || !(o.pollMs >= 10)) throw new Error('N must be 1..4194303, --runs >= 1, --poll-ms >= 10');
  return o;
}

let activeLab: Netlab | undefined;

/** A vipgate run under a probe: a CPU profile (--cpu-prof) or a heap snapshot taken at convergence. */
interface Probe { readonly kind: 'cpu' | 'heap'; readonly dir: string }

const PROBE_FLAGS: Record<Probe['kind'], (dir: string) => string[]> = {
  cpu: (dir) => ['--cpu-prof', `--cpu-prof-dir=${dir}`],
  heap: (dir) => ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`],
};

/** The file a probe wrote, once its size has stopped changing (a heap snapshot is written progressively). */
async function probeFile(dir: string, suffix: string, timeoutMs: number): Promise<string> {
  let last = -1;
  for (let i = 0; i < timeoutMs / 500; i++) {
    const f = readdirSync(dir).find((x) => x.endsWith(suffix));
    const size = f ? statSync(join(dir, f)).size : -1;
    if (f && size > 0 && size === last) return join(dir, f);
    last = size;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no complete ${suffix} in ${dir} within ${timeoutMs} ms`);
}

async function probe(p: Probe, router: { pid: number; stopGracefully(): Promise<void> }, window: { from: bigint; to: bigint }): Promise<ProbeResult> {
  if (p.kind === 'cpu') {
    await router.stopGracefully();
    return { cpu: summarizeProfile(await probeFile(p.dir, '.cpuprofile', 10_000), window, 40) };
  }
  process.kill(router.pid, 'SIGUSR2');
  return { heap: summarizeHeapSnapshot(await probeFile(p.dir, '.heapsnapshot', 300_000), 25) };
}

type ProbeResult = { cpu: ProfileSummary } | { heap: ReturnType<typeof summarizeHeapSnapshot> };

/** Namespaces, router and feeders for one run; everything removed before it returns. */
async function measure(name: Entrant, o: Options, p?: Probe): Promise<RunResult & { probe?: ProbeResult }> {
  const lab = new Netlab();
  activeLab = lab;
  let router: RouterUnderTest | undefined;
  const feeders: Feeder[] = [];
  let ns: string | undefined;
  let firstRoute: ReturnType<typeof watchFirstRoute> | undefined;
  try {
    const seg = lab.segment('seg');
    ns = lab.ns('rtr');
    seg.attach(ns, [`${ROUTER_ADDRESS}/24`], 'r');
    for (const [k, v] of Object.entries(SYSCTLS)) lab.exec(ns, 'sysctl', ['-qw', `${k}=${v}`]);
    const peerNs = PEERS.map((address, i) => {
      const p = lab.ns(`p${i + 1}`);
      seg.attach(p, [`${address}/24`], `p${i + 1}`);
      return p;
    });
    const topo: Topology = { lab, ns, address: ROUTER_ADDRESS, subnet: SUBNET, peers: PEERS };
    const vipgate = p ? await startVipgate(topo, PROBE_FLAGS[p.kind](p.dir), o.vipgateCli) : undefined;
    router = vipgate ?? (name === 'vipgate-before' ? await START.vipgate(topo, o.beforeCli) : await START[name](topo, o.vipgateCli));
    PEERS.forEach((address, i) => feeders.push(new Feeder(lab, { ns: peerNs[i]!, router: ROUTER_ADDRESS, asn: PEER_AS, address, count: o.n, firstPrefix: FIRST_PREFIX })));
    await Promise.all(feeders.map((f) => f.expect('established', ESTABLISH_TIMEOUT_MS)));
    const pids = router.processes();
    if (pids.length === 0) throw new Error(`no ${name} process found in ${ns}`);
    firstRoute = watchFirstRoute(ns, router.protocol);
    await firstRoute.ready;
    const cpu0 = cpuSeconds(pids);
    const stall0 = cpuStallMicros();
    const t0 = process.hrtime.bigint();
    const samples: Sample[] = [];
    const check = (): void => {
      for (const f of feeders) f.check();
      if (router!.processes().length < pids.length) throw new Error(`a ${name} process is gone`);
    };
    if (o.mode === 'all') {
      for (const f of feeders) f.go();
      samples.push(...await waitForRoutes(ns, router.protocol, o.n, PEERS.length, t0, check, o.pollMs, CONVERGE_TIMEOUT_MS));
    } else {
      for (const [k, f] of feeders.entries()) {
        f.go();
        samples.push(...await waitForRoutes(ns, router.protocol, o.n, k + 1, t0, check, o.pollMs, CONVERGE_TIMEOUT_MS));
      }
    }
    const t1 = process.hrtime.bigint();
    const cpu1 = cpuSeconds(pids);
    const stall = (cpuStallMicros() - stall0) / (Number(t1 - t0) / 1000);
    const rss = peakRssMiB(pids);
    const sent = await Promise.all(feeders.map((f) => f.expect('sent', 10_000)));
    const probed = p && vipgate ? await probe(p, vipgate, { from: t0, to: t1 }) : undefined;
    let withdraw = { seconds: 0, cpuSeconds: 0 };
    if (!p) {
      const cpu2 = cpuSeconds(pids);
      const t2 = process.hrtime.bigint();
      for (const f of feeders) f.kill();
      const gone = await waitForNoRoutes(ns, router.protocol, t2, () => { if (router!.processes().length < pids.length) throw new Error(`a ${name} process is gone`); }, o.pollMs, CONVERGE_TIMEOUT_MS);
      withdraw = { seconds: gone.at(-1)!.seconds, cpuSeconds: cpuSeconds(pids) - cpu2 };
    }
    const last = samples.at(-1)!;
    return {
      seconds: last.seconds,
      lowerBound: samples.at(-2)?.seconds ?? 0,
      firstRouteSeconds: firstRoute.seconds(t0),
      withdrawSeconds: withdraw.seconds,
      withdrawCpuSeconds: withdraw.cpuSeconds,
      allPresentSeconds: samples.find((s) => s.present >= o.n)?.seconds ?? null,
      peakRssMiB: rss,
      cpuSeconds: cpu1 - cpu0,
      cpuSecondsTotal: cpu1,
      cpuStall: Math.round(stall * 100) / 100,
      feederWriteMs: sent.map((l) => Number(l.split(' ')[2])),
      samples,
      ...(probed ? { probe: probed } : {}),
    };
  } catch (e) {
    throw new Error(`${(e as Error).message}${router ? `\n    ${name} log:\n${router.logTail()}` : ''}`);
  } finally {
    firstRoute?.stop();
    for (const f of feeders) f.kill();
    if (router && ns) {
      await router.kill();
      // remove the routes now, so that the kernel does not free 100k+ routes in the background of the next run
      for (const args of [['route', 'flush', 'proto', String(router.protocol)], ['nexthop', 'flush']]) {
        try { execFileSync('ip', ['-n', ns, ...args], { stdio: 'ignore', timeout: 60_000 }); } catch { /* nothing to flush */ }
      }
    }
    await lab.cleanup();
    activeLab = undefined;
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const fmt = (x: number, digits = 2): string => x.toFixed(digits);

function table(summary: Record<string, Summary>): string {
  const rows = Object.entries(summary);
  const best = (k: 'seconds' | 'peakRssMiB' | 'cpuSeconds' | 'withdrawSeconds'): number => Math.min(...rows.map(([, r]) => r[k]));
  const head = ['router', 'full ECMP s', '(>= s)', 'x best', 'first route s', 'all present s', 'peak RSS MiB', 'x best', 'CPU s', 'x best', 'withdraw s', 'x best', 'its CPU s', 'runs'];
  const body = rows.map(([name, r]) => [name, fmt(r.seconds), `(${fmt(r.lowerBound)})`, fmt(r.seconds / best('seconds')), r.firstRouteSeconds === null ? '-' : fmt(r.firstRouteSeconds, 3), r.allPresentSeconds === null ? '-' : fmt(r.allPresentSeconds),
    fmt(r.peakRssMiB, 1), fmt(r.peakRssMiB / best('peakRssMiB')), fmt(r.cpuSeconds), fmt(r.cpuSeconds / best('cpuSeconds')),
    fmt(r.withdrawSeconds), fmt(r.withdrawSeconds / best('withdrawSeconds')), fmt(r.withdrawCpuSeconds), String(r.runs)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}

function versions(): Record<string, string> {
  // the first line a command prints (BIRD prints its version on stderr)
  const first = (cmd: string, args: string[]): string => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
    return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] ?? '';
  };
  const dirty = first('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no', '--', 'src']) ? ' (src has uncommitted changes)' : '';
  return {
    vipgate: `${first('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'])}${dirty}`,
    bird: first('bird', ['--version']),
    frr: first('/usr/lib/frr/bgpd', ['--version']),
    node: process.version,
  };
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (!isRoot()) throw new Error('run as root: the benchmark makes network namespaces');
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  for (const cli of [o.vipgateCli, o.beforeCli]) if (cli !== undefined && !existsSync(cli)) throw new Error(`${cli} does not exist`);
  // routers, feeders and polls inherit this: on a shared machine they get the CPU before other work does.
  // With autogroup scheduling (kernel.sched_autogroup_enabled) a nice value only counts within the session's
  // group, so the group's own nice value is set as well.
  setPriority(o.nice);
  try { writeFileSync('/proc/self/autogroup', String(o.nice)); } catch { /* no autogroup scheduling */ }
  const started = new Date();
  const load = loadavg();
  process.stderr.write(`converge: N=${o.n}, 3 peers (${o.mode === 'all' ? 'all at once' : 'in turn'}), ${o.runs} run(s) of ${o.routers.join(', ')}; load average ${load.map((l) => l.toFixed(2)).join(' ')}\n`);
  const outcomes: Record<string, Outcome[]> = Object.fromEntries(o.routers.map((r) => [r, []]));
  for (let run = 0; run < o.runs; run++) {
    const order = o.routers.map((_, i) => o.routers[(i + run) % o.routers.length]!);
    for (const name of order) {
      const t = Date.now();
      let outcome: Outcome;
      try { outcome = await measure(name, o); } catch (e) { outcome = { error: (e as Error).message }; }
      outcomes[name]!.push(outcome);
      process.stderr.write(`  run ${run + 1} ${name}: ${'error' in outcome ? `FAILED: ${outcome.error}` : `${fmt(outcome.seconds)} s (>= ${fmt(outcome.lowerBound)}), ${fmt(outcome.peakRssMiB, 1)} MiB, ${fmt(outcome.cpuSeconds)} CPU s, withdrawal ${fmt(outcome.withdrawSeconds)} s, CPU stall ${fmt(outcome.cpuStall * 100, 0)}%`} [${((Date.now() - t) / 1000).toFixed(0)} s wall]\n`);
    }
  }
  const probes: Record<string, ({ seconds: number } & ProbeResult) | { error: string }> = {};
  for (const kind of o.routers.includes('vipgate') ? o.probes : []) {
    const dir = mkdtempSync(join(tmpdir(), `vipgate-${kind}-`));
    try {
      const r = await measure('vipgate', o, { kind, dir });
      probes[kind] = { seconds: r.seconds, ...r.probe! };
      process.stderr.write(`  vipgate run under the ${kind} probe: ${fmt(r.seconds)} s; raw files (Chrome DevTools opens them): ${dir}\n`);
    } catch (e) {
      probes[kind] = { error: (e as Error).message };
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const summary: Record<string, Summary> = {};
  for (const [name, list] of Object.entries(outcomes)) {
    const ok = list.filter((r): r is RunResult => !('error' in r));
    if (ok.length === 0) continue;
    const present = ok.map((r) => r.allPresentSeconds).filter((x): x is number => x !== null);
    const first = ok.map((r) => r.firstRouteSeconds).filter((x): x is number => x !== null);
    summary[name] = {
      seconds: median(ok.map((r) => r.seconds)), lowerBound: median(ok.map((r) => r.lowerBound)),
      allPresentSeconds: present.length ? median(present) : null,
      firstRouteSeconds: first.length ? median(first) : null,
      withdrawSeconds: median(ok.map((r) => r.withdrawSeconds)), withdrawCpuSeconds: median(ok.map((r) => r.withdrawCpuSeconds)),
      peakRssMiB: median(ok.map((r) => r.peakRssMiB)), cpuSeconds: median(ok.map((r) => r.cpuSeconds)), runs: ok.length,
    };
  }
  const text = table(summary);
  process.stdout.write(`\n${o.n} /32s from 3 peers (${o.mode === 'all' ? 'all at once' : 'in turn'}), medians, time to full 3-way ECMP in the kernel:\n${text}\n`);
  const row = (f: FunctionCost): string => `  ${String(f.selfMs).padStart(6)} ms self ${String(f.totalMs).padStart(6)} ms total  ${f.name}\n`;
  for (const [kind, r] of Object.entries(probes)) {
    if ('error' in r) process.stdout.write(`\nvipgate ${kind} probe failed: ${r.error}\n`);
    else if ('cpu' in r) {
      process.stdout.write(`\nvipgate CPU profile, signal to convergence (${r.cpu.busyMs} ms busy of ${r.cpu.sampledMs} ms sampled), top self time:\n`);
      for (const f of r.cpu.bySelf.slice(0, 15)) process.stdout.write(row(f));
      process.stdout.write('top total time (callees included):\n');
      for (const f of r.cpu.byTotal.slice(0, 15)) process.stdout.write(row(f));
    } else {
      process.stdout.write(`\nvipgate heap at convergence: ${r.heap.totalMiB} MiB in objects; largest kinds:\n`);
      for (const k of r.heap.kinds.slice(0, 15)) process.stdout.write(`  ${String(k.mib).padStart(7)} MiB ${String(k.count).padStart(9)}  ${k.kind}\n`);
    }
  }

  const day = started.toISOString().slice(0, 10);
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  // the default parameters give the record; other runs get their own file
  const variant = (o.n === 100_000 && o.mode === 'all' && o.routers.length === 3 && o.vipgateCli === CLI ? ''
    : `-n${o.n}-${o.mode}-${o.routers.join('-')}${o.vipgateCli === CLI ? '' : '-other-build'}`) + (o.label ? `-${o.label}` : '');
  const file = join(dir, `converge-${day}${variant}.json`);
  writeFileSync(file, `${JSON.stringify({
    benchmark: 'converge', started: started.toISOString(), finished: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, kernel: release(), loadAverageAtStart: load, loadAverageAtEnd: loadavg() },
    versions: versions(),
    parameters: {
      prefixes: o.n, peers: PEERS.length, mode: o.mode, runs: o.runs, pollMs: o.pollMs, nice: o.nice, vipgate: o.vipgateCli,
      ...(o.beforeCli === undefined ? {} : { vipgateBefore: o.beforeCli }), sysctls: SYSCTLS,
    },
    summary, table: text.split('\n'), runs: outcomes, probes,
  }, null, 2)}\n`);
  process.stdout.write(`\nresults: ${file}\n`);
}

for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.once(sig, () => { void (activeLab?.cleanup() ?? Promise.resolve()).finally(() => process.exit(code)); });
}
await main().catch(async (e: unknown) => {
  process.stderr.write(`converge: ${(e as Error).message}\n`);
  await activeLab?.cleanup();
  process.exitCode = 1;
});
