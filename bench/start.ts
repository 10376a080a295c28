/**
 * Start-up benchmark (not a test; needs root): `npx tsx bench/start.ts [--runs=5] [--services=100]
 * [--before=OTHER/bin/vipgate.js] [--node-flags='FLAG ...'] [--idle-ms=3000] [--label=NAME]`. Run `npm run build` first. --before measures another
 * build (e.g. a `git worktree` of the base commit, built there) as "vipgate-before" in the same runs;
 * --node-flags are given to node for the router and agent processes of every build (e.g. heap flags to try).
 *
 * Per run and build, in namespaces made for the run (router 10.0.0.1, node 10.0.0.2 on one veth):
 * 1. `vipgate router` with one neighbor (the node, BFD 300 ms x 3) and no web, telemetry or history: the
 *    time from spawning the process to its control socket answering `show bgp summary` (polled every 5 ms
 *    through the CLI's own client) and the CPU seconds it had used by then (less noisy on a shared machine
 *    than the wall time), the time a `vipgate show bgp summary` process then takes, and the
 *    router's RSS after --idle-ms idle (VmRSS; VmHWM, the peak; RssAnon, its private part).
 * 2. `vipgate agent` on the node: file source with --services LoadBalancer Services (Local traffic policy,
 *    one ready endpoint each on this node), MQTT telemetry to a mosquitto in the node namespace, BFD to the
 *    router: the time from spawning it until the router's Loc-RIB holds every Service's /32, then its RSS
 *    after --idle-ms idle; and the router's RSS with that agent established.
 * Reference in the same runs: a bare Node process that only listens on a unix socket (the floor of both
 * figures on this machine: `node` itself). Medians over the runs, ratios to the floor, and the results as
 * JSON in bench/results/start-<date>[-label].json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, loadavg, release } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Netlab, isRoot } from '../test/helpers/netns.js';
import { makeWorkDir, removeWorkDir, spawnLogged, stopChild, tailLog } from '../test/helpers/daemons/process.js';
import { requireProgram } from '../test/helpers/programs.js';
import { cpuSeconds } from './lib/proc-stats.js';
import { CLI } from '../test/helpers/vipgate.js';
import { routerClient } from '../src/control/client.js';
import type { BgpSummary } from '../src/control/views.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ROUTER = '10.0.0.1';
const NODE = '10.0.0.2';
const ANSWER_TIMEOUT_MS = 20_000;
const POLL_MS = 5;
const BFD = '{ minRx: 300, minTx: 300, multiplier: 3 }';

type Entrant = 'vipgate' | 'vipgate-before' | 'node-floor';

interface Options { runs: number; services: number; entrants: Entrant[]; cli: Record<Entrant, string>; nodeFlags: string[]; idleMs: number; label?: string }

/** VmRSS, VmHWM (the peak) and RssAnon: the private part (heaps, stacks); the rest is mostly the node binary's
 * file pages, shared with every node process and given back under memory pressure. */
interface Memory { rssMiB: number; peakMiB: number; anonMiB: number }

interface RunResult {
  /** Spawn to the first answer on the control socket (the floor: to its first accepted connection). */
  routerAnswerSeconds: number;
  /** CPU seconds (user + system, all threads) the process had used when it first answered: wall time less the waits for a CPU on a shared machine. */
  routerAnswerCpuSeconds: number;
  /** Wall time of a `vipgate show bgp summary` process (the floor: `node -e 0`). */
  showSeconds: number;
  routerIdle: Memory;
  /** Spawn of the agent to all its Services' routes in the router's Loc-RIB (not for the floor). */
  agentRoutesSeconds?: number;
  /** CPU seconds the agent had used by then. */
  agentRoutesCpuSeconds?: number;
  agentIdle?: Memory;
  routerWithAgent?: Memory;
}

function parseOptions(argv: readonly string[]): Options {
  const o: Options = { runs: 5, services: 100, entrants: ['vipgate', 'node-floor'], cli: { vipgate: CLI, 'vipgate-before': '', 'node-floor': '' }, nodeFlags: [], idleMs: 3000 };
  for (const a of argv) {
    const [k, v = ''] = a.split('=');
    if (k === '--runs') o.runs = Number(v);
    else if (k === '--services') o.services = Number(v);
    else if (k === '--before') { o.cli['vipgate-before'] = resolve(v); o.entrants.splice(1, 0, 'vipgate-before'); }
    else if (k === '--node-flags') o.nodeFlags = a.slice(k.length + 1).split(' ').filter(Boolean);
    else if (k === '--idle-ms') o.idleMs = Number(v);
    else if (k === '--label' && /^[\w.-]+$/.test(v)) o.label = v;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!(o.runs >= 1 && o.runs <= 50) || !(o.services >= 0 && o.services <= 10_000)) throw new Error('--runs 1..50, --services 0..10000');
  return o;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const seconds = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

function memory(pid: number): Memory {
  const s = spawnSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' }).stdout;
  const mib = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB$`, 'm').exec(s)?.[1] ?? NaN) / 1024;
  return { rssMiB: mib('VmRSS'), peakMiB: mib('VmHWM'), anonMiB: mib('RssAnon') };
}

/** Poll `probe` every POLL_MS until it resolves truthy; seconds since `t0`. */
async function until(what: string, t0: bigint, probe: () => Promise<boolean>, alive: () => void): Promise<number> {
  for (let i = 0; i < ANSWER_TIMEOUT_MS / POLL_MS; i++) {
    alive();
    if (await probe().catch(() => false)) return seconds(t0);
    await sleep(POLL_MS);
  }
  throw new Error(`no ${what} within ${ANSWER_TIMEOUT_MS} ms`);
}

const connects = (path: string): Promise<boolean> => new Promise((r) => {
  const s = connect(path);
  s.once('connect', () => { s.destroy(); r(true); });
  s.once('error', () => r(false));
});

function manifests(n: number): string {
  const docs = ['apiVersion: v1\nkind: Node\nmetadata: { name: n1 }'];
  for (let i = 0; i < n; i++) {
    docs.push(`apiVersion: v1\nkind: Service\nmetadata: { name: svc-${i}, namespace: default }\nspec: { type: LoadBalancer, externalTrafficPolicy: Local, ports: [{ port: 80 }], selector: { app: svc-${i} } }`);
    docs.push(`apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: { name: svc-${i}-1, namespace: default, labels: { kubernetes.io/service-name: svc-${i} } }\naddressType: IPv4\nendpoints:\n  - { addresses: ["10.42.${i >> 8}.${i & 0xff}"], conditions: { ready: true }, nodeName: n1, targetRef: { name: p0 } }`);
  }
  return docs.join('\n---\n');
}

async function measure(name: Entrant, o: Options): Promise<RunResult> {
  const lab = new Netlab();
  const dir = makeWorkDir('start-bench');
  const log = join(dir, `${name}.log`);
  try {
    const rns = lab.ns('rtr');
    const nns = lab.ns('node');
    lab.link(rns, [`${ROUTER}/24`], nns, [`${NODE}/24`]);
    const socket = join(dir, 'control.sock');
    const alive = (c: { exitCode: number | null }) => () => { if (c.exitCode !== null) throw new Error(`${name} exited with ${c.exitCode}: ${tailLog(log, 8)}`); };
    if (name === 'node-floor') {
      const t0 = process.hrtime.bigint();
      const c = spawnLogged(lab, rns, process.execPath, ['-e', `require('node:net').createServer((s) => s.end()).listen(${JSON.stringify(socket)})`], log);
      const routerAnswerSeconds = await until('accepted connection', t0, () => connects(socket), alive(c));
      const routerAnswerCpuSeconds = cpuSeconds([c.pid!]);
      const t1 = process.hrtime.bigint();
      spawnSync(process.execPath, ['-e', '0']);
      const showSeconds = seconds(t1);
      await sleep(o.idleMs);
      return { routerAnswerSeconds, routerAnswerCpuSeconds, showSeconds, routerIdle: memory(c.pid!) };
    }
    const cli = o.cli[name];
    const config = join(dir, 'router.yaml');
    writeFileSync(config, `asn: 64513\nrouterId: ${ROUTER}\nneighbors:\n  - { address: ${NODE}, remoteAs: 64512, import: all, bfd: ${BFD} }\n`);
    const t0 = process.hrtime.bigint();
    const router = spawnLogged(lab, rns, process.execPath, [...o.nodeFlags, cli, 'router', '--config', config, '--socket', socket], log);
    const summary = (): Promise<BgpSummary> => routerClient(socket).call('show bgp summary', {}, 2000);
    const routerAnswerSeconds = await until('answer to show bgp summary', t0, async () => (await summary()) !== undefined, alive(router));
    const routerAnswerCpuSeconds = cpuSeconds([router.pid!]);
    const t1 = process.hrtime.bigint();
    const show = spawnSync(process.execPath, [cli, 'show', 'bgp', 'summary', '--socket', socket], { encoding: 'utf8', timeout: 10_000 });
    const showSeconds = seconds(t1);
    if (show.status !== 0) throw new Error(`vipgate show bgp summary: ${show.stderr}`);
    await sleep(o.idleMs);
    const routerIdle = memory(router.pid!);

    const mosquitto = join(dir, 'mosquitto.conf');
    writeFileSync(mosquitto, 'listener 1883 127.0.0.1\npersistence false\nallow_anonymous true\nuser root\n');
    lab.spawn(nns, requireProgram('mosquitto'), ['-c', mosquitto]);
    const services = join(dir, 'services.yaml');
    writeFileSync(services, manifests(o.services));
    const agentConfig = join(dir, 'agent.yaml');
    writeFileSync(agentConfig, [
      'asn: 64512', `routerId: ${NODE}`, `peers: [{ address: ${ROUTER}, asn: 64513, bfd: ${BFD} }]`,
      'pools: [{ name: default, addresses: [172.20.0.0/16] }]', 'telemetry: { url: "mqtt://127.0.0.1:1883", site: bench }', '',
    ].join('\n'));
    const t2 = process.hrtime.bigint();
    const agent = spawnLogged(lab, nns, process.execPath, [...o.nodeFlags, cli, 'agent', '--source', `file:${services}`, '--config', agentConfig, '--node', 'n1', '--socket', join(dir, 'agent.sock')], join(dir, 'agent.log'));
    const agentRoutesSeconds = await until(`${o.services} routes from the agent`, t2, async () => (await summary()).ribEntries >= o.services && (await summary()).peers.some((p) => p.state === 'Established'), alive(agent));
    const agentRoutesCpuSeconds = cpuSeconds([agent.pid!]);
    await sleep(o.idleMs);
    const result = { routerAnswerSeconds, routerAnswerCpuSeconds, showSeconds, routerIdle, agentRoutesSeconds, agentRoutesCpuSeconds, agentIdle: memory(agent.pid!), routerWithAgent: memory(router.pid!) };
    await stopChild(agent, 5000);
    await stopChild(router, 5000);
    return result;
  } catch (e) {
    throw new Error(`${(e as Error).message}\n  ${name} log:\n${tailLog(log, 8)}\n  agent log:\n${tailLog(join(dir, 'agent.log'), 8)}`);
  } finally {
    await lab.cleanup();
    removeWorkDir(dir);
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

type Summary = Record<string, number>;

/** Medians of every figure of the successful runs (nested memory figures flattened: routerIdle.rssMiB). */
function summarize(runs: readonly RunResult[]): Summary {
  const flat = runs.map((r) => Object.fromEntries(Object.entries(r).flatMap(([k, v]) => (typeof v === 'number' ? [[k, v]] : Object.entries(v as Memory).map(([k2, v2]) => [`${k}.${k2}`, v2])))));
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))];
  return Object.fromEntries(keys.map((k) => [k, Math.round(median(flat.map((f) => f[k]!).filter((x) => x !== undefined)) * 1000) / 1000]));
}

function table(summary: Record<string, Summary>): string {
  const cols = ['routerAnswerSeconds', 'routerAnswerCpuSeconds', 'showSeconds', 'routerIdle.rssMiB', 'routerIdle.peakMiB', 'routerIdle.anonMiB', 'agentRoutesSeconds', 'agentRoutesCpuSeconds', 'agentIdle.rssMiB', 'agentIdle.peakMiB', 'agentIdle.anonMiB', 'routerWithAgent.rssMiB'];
  const floor = summary['node-floor'];
  const head = ['', ...Object.keys(summary)];
  const rows = cols.map((c) => [c, ...Object.values(summary).map((s) => {
    const v = s[c];
    if (v === undefined) return '-';
    const ref = floor?.[c.startsWith('agentIdle') || c.startsWith('routerWithAgent') ? c.replace(/^\w+\./, 'routerIdle.') : c];
    return `${v.toFixed(c.endsWith('MiB') ? 1 : 3)}${ref ? ` (${(v / ref).toFixed(2)}x)` : ''}`;
  })]);
  const widths = head.map((_, i) => Math.max(...[head, ...rows].map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (!isRoot()) throw new Error('run as root: the benchmark makes network namespaces');
  const started = new Date();
  const load = loadavg();
  process.stderr.write(`start: ${o.runs} run(s) of ${o.entrants.join(', ')}, ${o.services} Services; load average ${load.map((l) => l.toFixed(2)).join(' ')}\n`);
  const outcomes: Record<string, (RunResult | { error: string })[]> = Object.fromEntries(o.entrants.map((e) => [e, []]));
  for (let run = 0; run < o.runs; run++) {
    for (const name of o.entrants.map((_, i) => o.entrants[(i + run) % o.entrants.length]!)) {
      let r: RunResult | { error: string };
      try { r = await measure(name, o); } catch (e) { r = { error: (e as Error).message }; }
      outcomes[name]!.push(r);
      process.stderr.write(`  run ${run + 1} ${name}: ${'error' in r ? `FAILED: ${r.error}` : JSON.stringify(r)}\n`);
    }
  }
  const summary: Record<string, Summary> = {};
  for (const [name, list] of Object.entries(outcomes)) {
    const ok = list.filter((r): r is RunResult => !('error' in r));
    if (ok.length) summary[name] = { ...summarize(ok), runs: ok.length };
  }
  const text = table(summary);
  process.stdout.write(`\nmedians (x the bare node process):\n${text}\n`);
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `start-${started.toISOString().slice(0, 10)}${o.label ? `-${o.label}` : ''}.json`);
  const git = spawnSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  writeFileSync(file, `${JSON.stringify({
    benchmark: 'start', started: started.toISOString(), finished: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, kernel: release(), loadAverageAtStart: load, loadAverageAtEnd: loadavg() },
    versions: { vipgate: git, node: process.version },
    parameters: { runs: o.runs, services: o.services, idleMs: o.idleMs, nodeFlags: o.nodeFlags, vipgate: o.cli.vipgate, ...(o.cli['vipgate-before'] ? { vipgateBefore: o.cli['vipgate-before'] } : {}) },
    summary, table: text.split('\n'), runs: outcomes,
  }, null, 2)}\n`);
  process.stdout.write(`\nresults: ${file}\n`);
}

await main().catch((e: unknown) => {
  process.stderr.write(`start: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
