/**
 * Service health through each node, on real sockets and the kernel's own policy routing: the router (the
 * built CLI in its namespace) learns two VIPs from two BIRD nodes and checks each through each node — VIP1 by
 * HTTP GET on 8081, VIP2 by TCP connect on 8082, each served by its own "pod" per node. When n2's pod for VIP1
 * stops answering, VIP1 leaves n2 (its kernel group loses that next hop) while VIP2 keeps both nodes and both
 * BGP sessions stay up; a client's requests to VIP1 fail only until then; the pod back, n2 is back in VIP1's
 * group. Shown in `show routes`, `show bfd`, the history, and the policy rules are gone after the router stops.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/netns.js';
import { BirdDaemon } from '../../helpers/daemons/bird.js';
import { CLI, VipgateRouter } from '../../helpers/vipgate.js';
import { gatewaysOf, NODES, ROUTER, seedLab, type SeedLab } from './seed-topology.js';
import type { BfdView } from '../../../src/control/views.js';

const VIP1 = '172.20.1.1';
const VIP2 = '172.20.1.2';
const [N1, N2] = NODES.map((n) => n.address) as [string, string];
const HISTORY = join(mkdtempSync(join(tmpdir(), 'vipgate-health-')), 'history.db');

const CONFIG = `
asn: 64513
routerId: ${ROUTER}
maximumPaths: 4
neighbors:
  - { address: ${N1}, remoteAs: 64512, group: nodes }
  - { address: ${N2}, remoteAs: 64512, group: nodes }
groups:
  nodes: { import: { prefixes: ["172.20.1.0/24 le 32"] }, export: { prefixes: [] }, holdTime: 9 }
fib: { startupHold: 0 }
store: { path: ${HISTORY}, flushMs: 50 }
serviceHealth:
  checks:
    - { prefixes: [${VIP1}/32], ports: [8081], check: http, path: /healthz, intervalMs: 200, timeoutMs: 300, fall: 2, rise: 2 }
    - { prefixes: [${VIP2}/32], ports: [8082], check: tcp, intervalMs: 200, timeoutMs: 300, fall: 2, rise: 2 }
`;

/** A pod: an HTTP server on VIP:port answering with the node's name. */
const POD = `
const [name, vip, port] = process.argv.slice(1);
require('node:http').createServer((q, s) => s.end(name)).listen(Number(port), vip);
`;

let s: SeedLab;
let router: VipgateRouter;
const birds: BirdDaemon[] = [];
const pods = new Map<string, ChildProcess>();

function startPod(node: 'n1' | 'n2', vip: string, port: number): void {
  pods.set(`${node} ${vip}`, s.lab.spawn(s.nodes[node]!, process.execPath, ['-e', POD, node, vip, String(port)]));
}

const hops = (vip: string) => (gatewaysOf(s, vip) ?? []).map((g) => g.gateway).join();

function cli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, ...args, '--socket', router.socket], (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout)));
  });
}

/** `count` GETs from the client to VIP1:8081, one every 10 ms: how many failed, and who answered. */
function clientRequests(count: number): Promise<{ failed: number; answered: Record<string, number> }> {
  const script = `
(async () => {
  const r = { failed: 0, answered: {} };
  for (let i = 0; i < ${count}; i++) {
    const c = new AbortController(); const t = setTimeout(() => c.abort(), 1000);
    try { const n = await (await fetch('http://${VIP1}:8081/', { signal: c.signal, headers: { connection: 'close' } })).text(); r.answered[n] = (r.answered[n] ?? 0) + 1; }
    catch { r.failed++; } finally { clearTimeout(t); }
    await new Promise((d) => setTimeout(d, 10));
  }
  console.log(JSON.stringify(r));
})();`;
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', s.client, process.execPath, '-e', script], { timeout: 120_000 }, (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout) as { failed: number; answered: Record<string, number> })));
  });
}

beforeAll(async () => {
  s = seedLab([VIP1, VIP2]);
  for (const n of ['n1', 'n2'] as const) { startPod(n, VIP1, 8081); startPod(n, VIP2, 8082); }
  router = await VipgateRouter.start(s.lab, s.router, CONFIG);
  const announce = [VIP1, VIP2].map((v) => ({ prefix: `${v}/32`, origin: 'igp' as const }));
  for (const [i, n] of NODES.slice(0, 2).entries()) {
    birds.push(await BirdDaemon.start(s.lab, s.nodes[n.name]!, { routerId: NODES[i]!.address, as: 64512, neighbors: [{ address: ROUTER, as: 64513, holdTime: 9 }], announce }));
  }
  await waitFor('both VIPs on n1 and n2', () => (hops(VIP1) === `${N1},${N2}` && hops(VIP2) === `${N1},${N2}` ? true : undefined), 30_000);
}, 90_000);

afterAll(async () => {
  for (const b of birds) await b.stop().catch(() => undefined);
  for (const p of pods.values()) p.kill();
  await router?.dispose();
  await s?.lab.cleanup();
  rmSync(join(HISTORY, '..'), { recursive: true, force: true });
});

describe('service health through each node', () => {
  it('checks every VIP through every node, each from its node\'s own ports and policy rule', async () => {
    const v = await waitFor('four paths judged up', async () => {
      const b = JSON.parse(await cli(['show', 'bfd', '--json'])) as BfdView;
      return b.services.length === 4 && b.services.every((p) => p.up && p.checks >= 2) ? b : undefined;
    }, 20_000);
    expect(v.services.map((p) => `${p.prefix} ${p.nexthop}`).sort()).toEqual([`${VIP1}/32 ${N1}`, `${VIP1}/32 ${N2}`, `${VIP2}/32 ${N1}`, `${VIP2}/32 ${N2}`]);
    const rules = s.lab.exec(s.router, 'ip', ['rule', 'show']);
    expect(rules).toMatch(/^500:\s+from all ipproto tcp sport 6100[0-9]-610[0-9][0-9] lookup 6100[01]/m);
    const tables = [61000, 61001].map((t) => s.lab.exec(s.router, 'ip', ['route', 'show', 'table', String(t)]).trim()).sort();
    expect(tables).toEqual([`default via ${N1} dev ${tables[0]!.split(' dev ')[1]}`, `default via ${N2} dev ${tables[1]!.split(' dev ')[1]}`]);
  }, 30_000);

  it('a pod that stops answering takes its node out of that VIP only; sessions stay; back when it answers', async () => {
    const sessionsBefore = (await router.summary()).peers.map((p) => [p.address, p.state, p.establishedCount]);
    const streaming = clientRequests(300);
    await new Promise((r) => setTimeout(r, 300));
    const killedAt = Date.now();
    pods.get(`n2 ${VIP1}`)!.kill('SIGKILL');
    await waitFor('VIP1 off n2', () => (hops(VIP1) === N1 ? true : undefined), 20_000, 10);
    const detectedMs = Date.now() - killedAt;
    expect(hops(VIP2)).toBe(`${N1},${N2}`);
    expect((await router.summary()).peers.map((p) => [p.address, p.state, p.establishedCount])).toEqual(sessionsBefore);
    const routes = await cli(['show', 'routes']);
    expect(routes).toContain(`\tout: ${N2} (service check: 8081: ECONNREFUSED)`);
    const stream = await streaming;
    // what failed was sent to n2 while its pod was gone and before it left the group (2 rounds of 200 ms)
    const sentDuringWindow = Math.ceil(detectedMs / 10) + 5;
    expect(stream.failed).toBeLessThanOrEqual(sentDuringWindow);
    expect(stream.answered.n1).toBeGreaterThan(0);
    console.log(`service health: VIP1 left n2 ${detectedMs} ms after its pod died; client: ${stream.failed} of 300 failed, answered ${JSON.stringify(stream.answered)}`);
    // after the change every request reaches n1
    const after = await clientRequests(20);
    expect(after).toEqual({ failed: 0, answered: { n1: 20 } });

    startPod('n2', VIP1, 8081);
    await waitFor('VIP1 back on n2', () => (hops(VIP1) === `${N1},${N2}` ? true : undefined), 20_000, 20);
    expect(await cli(['show', 'routes'])).not.toContain('out:');
    const db = new Database(HISTORY, { readonly: true });
    const rows = await waitFor('both changes in the history', () => {
      const r = db.prepare('SELECT prefix, nexthop, up, reason FROM service_paths ORDER BY id').all();
      return r.length >= 2 ? r : undefined;
    }, 10_000);
    db.close();
    expect(rows).toEqual([
      { prefix: `${VIP1}/32`, nexthop: N2, up: 0, reason: '8081: ECONNREFUSED' },
      { prefix: `${VIP1}/32`, nexthop: N2, up: 1, reason: '8081: ECONNREFUSED' },
    ]);
  }, 90_000);

  it('a router stopping removes its policy rules and tables', async () => {
    await router.stop();
    expect(s.lab.exec(s.router, 'ip', ['rule', 'show'])).not.toMatch(/sport 6100/);
    expect(s.lab.exec(s.router, 'ip', ['route', 'show', 'table', '61000']).trim()).toBe('');
  }, 30_000);
});
