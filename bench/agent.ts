/**
 * vipgate agent benchmark (not a test), on loopback with a vipgate speaker as the router in this process:
 * 1. Latency from a snapshot change (a Local Service's ready endpoints on this node go 1 → 2 → 1, so its
 *    link bandwidth changes) to the UPDATE decoded at the router: Agent.onSnapshot with 1 and with 1,000
 *    Services in the snapshot; reference in the same run: the same change handed straight to the
 *    announcer (Announcer.apply with a precomputed desired state), i.e. the BGP path alone.
 * 2. The same from a write of the watched file (--source file:, fs.watch + 20 ms debounce) in a real
 *    `vipgate agent` process.
 * 3. RSS of a `vipgate agent` process (dist/) with 1,000 LoadBalancer Services announced, against the same
 *    process with none (reference), and the time from process start until all 1,000 routes arrived.
 * Run: npm run build && npx tsx bench/agent.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from '../src/agent/agent.js';
import { desiredAnnouncements } from '../src/agent/announce/desired.js';
import { parseAgentConfig } from '../src/agent/config/load.js';
import type { ServiceInfo, Snapshot } from '../src/agent/model.js';
import type { Source } from '../src/agent/source/source.js';
import { Peer } from '../src/bgp/peer.js';
import { Speaker } from '../src/bgp/speaker.js';
import type { RibInChange } from '../src/bgp/adj-rib-in.js';
import { systemClock } from '../src/lib/clock.js';
import { createLogger, silentLogger } from '../src/lib/log.js';

const ITERATIONS = 200;
const FILE_ITERATIONS = 40;
const CLI = new URL('../bin/vipgate.js', import.meta.url).pathname;

/** The router: a vipgate speaker accepting 127.0.0.1 in AS 64513; `onRoutes` sees every decoded change. */
async function startRouter(onRoutes: (changes: RibInChange[]) => void, established: () => void): Promise<{ port: number; speaker: Speaker }> {
  const speaker = new Speaker(systemClock, {
    state: () => undefined, established: () => established(), down: () => undefined,
    routes: (_p, changes) => onRoutes(changes), endOfRib: () => undefined, updateErrors: () => undefined,
    exportTable: () => [], refused: () => undefined, peerAdded: () => undefined, peerRemoved: () => undefined,
  });
  const base = { name: 'agent', address: '127.0.0.1', port: 179, families: [4, 6] as (4 | 6)[], nextHopSelf: false };
  speaker.addPeer({
    ...base,
    fsm: {
      localAs: 64513, routerId: '10.0.0.1', remoteAs: 64512, holdTime: 90, connectRetryTime: 1, passive: true, autoRestart: true,
      idleHoldTime: 0, idleHoldMax: 1, capabilities: Peer.capabilities({ ...base, localAs: 64513 }),
    },
  }).start();
  await speaker.listen([{ address: '127.0.0.1', port: 0 }]);
  return { port: speaker.boundPorts()[0]!, speaker };
}

const agentYaml = (port: number): string => `
asn: 64512
routerId: 10.0.0.2
peers: [{ address: 127.0.0.1, port: ${port}, asn: 64513, connectRetry: 1 }]
pools: [{ name: default, addresses: [172.20.0.0/16] }]
`;

function services(n: number): ServiceInfo[] {
  return Array.from({ length: n }, (_, i) => ({
    namespace: 'default', name: `svc-${i}`, type: 'LoadBalancer', externalTrafficPolicy: 'Local' as const, requestedIPs: [],
    ports: [{ protocol: 'TCP', port: 80 }], selector: `app=svc-${i}`, ipFamilies: ['IPv4' as const], dualStack: false,
    externalIPs: [], ingressIPs: [],
  }));
}

function snapshot(svcs: ServiceInfo[], endpointsOfFirst: number): Snapshot {
  return {
    services: svcs,
    slices: svcs.map((s, i) => ({ namespace: 'default', name: `${s.name}-1`, service: s.name, endpoints: Array.from({ length: i === 0 ? endpointsOfFirst : 1 }, () => ({ ready: true, nodeName: 'n1' })) })),
    nodes: [{ name: 'n1', labels: {}, ready: true, excluded: false }],
  };
}

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `median ${q(0.5).toFixed(3)} ms, p95 ${q(0.95).toFixed(3)} ms, max ${s.at(-1)!.toFixed(3)} ms (n=${s.length})`;
}

/** Part 1: in-process latency, through the whole agent and through the announcer alone. */
async function inProcess(count: number): Promise<void> {
  let waiter: ((t: number) => void) | undefined;
  let total = 0;
  let up!: () => void;
  const isUp = new Promise<void>((r) => { up = r; });
  const { port, speaker } = await startRouter((changes) => { total += changes.length; waiter?.(performance.now()); }, () => up());
  const source: Source = { kind: 'file', start: async () => undefined, stop: async () => undefined };
  const config = parseAgentConfig(agentYaml(port));
  const agent = new Agent({ node: 'n1', config, source, clock: systemClock, log: process.env['BENCH_DEBUG'] ? createLogger('bench', 'debug') : silentLogger() });
  const svcs = services(count);
  agent.onSnapshot(snapshot(svcs, 1));
  await isUp;
  for (let i = 0; i < 10_000 && total < count; i++) await new Promise((r) => setTimeout(r, 5));
  const next = () => new Promise<number>((r) => { waiter = r; });
  const full: number[] = [];
  const direct: number[] = [];
  // the agent's snapshot goes to 2 endpoints (UPDATE with 2 Gbit/s); the reference puts the announcer back
  // to the 1-endpoint state (UPDATE with 1 Gbit/s), so that every step is a change
  const two = snapshot(svcs, 2);
  const back = desiredAnnouncements({ snapshot: snapshot(svcs, 1), config, node: 'n1', ipsOf: (s) => agent.assignments?.assignments.get(`${s.namespace}/${s.name}`)?.ips ?? [] });
  for (let i = 0; i < ITERATIONS; i++) {
    let p = next();
    let t0 = performance.now();
    agent.onSnapshot(two);
    full.push((await p) - t0);
    p = next();
    t0 = performance.now();
    agent.announcer.apply(back);
    direct.push((await p) - t0);
  }
  console.log(`  ${count} Service(s) in the snapshot:`);
  console.log(`    snapshot → UPDATE at the router:       ${stats(full)}`);
  console.log(`    reference, announcer alone:            ${stats(direct)}`);
  await agent.stop();
  await speaker.close();
}

function rssOf(pid: number): { rss: number; hwm: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

function manifests(n: number, endpointsOfFirst: number): string {
  const docs = ['apiVersion: v1\nkind: Node\nmetadata: { name: n1 }'];
  for (let i = 0; i < n; i++) {
    docs.push(`apiVersion: v1\nkind: Service\nmetadata: { name: svc-${i}, namespace: default }\nspec: { type: LoadBalancer, externalTrafficPolicy: Local, ports: [{ port: 80 }], selector: { app: svc-${i} } }`);
    const eps = Array.from({ length: i === 0 ? endpointsOfFirst : 1 }, (_, j) => `  - { addresses: ["10.42.${i >> 8}.${(i & 0xff)}"], conditions: { ready: true }, nodeName: n1, targetRef: { name: p${j} } }`).join('\n');
    docs.push(`apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: { name: svc-${i}-1, namespace: default, labels: { kubernetes.io/service-name: svc-${i} } }\naddressType: IPv4\nendpoints:\n${eps}`);
  }
  return docs.join('\n---\n');
}

/** Parts 2 and 3: a real agent process on the file source. */
async function process1000(count: number, measureFile: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vipgate-bench-agent-'));
  let total = 0;
  let waiter: ((t: number) => void) | undefined;
  let upAt = 0;
  const { port, speaker } = await startRouter((changes) => { total += changes.length; waiter?.(performance.now()); }, () => { upAt = performance.now(); });
  const file = join(dir, 'services.yaml');
  const write = (text: string) => { writeFileSync(`${file}.tmp`, text); renameSync(`${file}.tmp`, file); };
  write(manifests(count, 1));
  writeFileSync(join(dir, 'agent.yaml'), agentYaml(port));
  const t0 = performance.now();
  const child: ChildProcess = spawn(process.execPath, [CLI, 'agent', '--source', `file:${file}`, '--config', join(dir, 'agent.yaml'), '--node', 'n1', '--socket', join(dir, 'agent.sock'), '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    for (let i = 0; i < 6000 && (upAt === 0 || total < count); i++) await new Promise((r) => setTimeout(r, 5));
    const announced = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 1000));
    const m = rssOf(child.pid!);
    console.log(`  ${count} Services: RSS ${m.rss.toFixed(1)} MiB (peak ${m.hwm.toFixed(1)} MiB); ${total} routes at the router ${announced.toFixed(0)} ms after process start`);
    if (measureFile) {
      const lat: number[] = [];
      for (let i = 0; i < FILE_ITERATIONS; i++) {
        const p = new Promise<number>((r) => { waiter = r; });
        const t = performance.now();
        write(manifests(count, i % 2 === 0 ? 2 : 1));
        lat.push((await p) - t);
      }
      console.log(`  file written → UPDATE at the router (${count} Services in the file): ${stats(lat)}`);
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await speaker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log('1. snapshot change → UPDATE (in process, loopback)');
await inProcess(1);
await inProcess(1000);
console.log('2./3. vipgate agent process, file source');
await process1000(0, false);
await process1000(1, true);
await process1000(1000, true);
