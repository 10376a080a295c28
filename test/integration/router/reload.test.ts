/**
 * `vipgate reload` (and SIGHUP) on a running router with three BIRD nodes: each change in the file is
 * applied without touching what did not change. A neighbor added comes up and joins the ECMP groups while the
 * other sessions stay up; a narrower import policy takes one VIP out of the kernel with every session kept;
 * maximum-paths 1 shrinks the groups; a removed neighbor gets Cease/Peer De-configured and a changed hold
 * time Cease/Other Configuration Change; a removed network is withdrawn from the nodes; a file that does
 * not validate is refused with its field named and changes nothing; a fib change waits for a restart.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/netns.js';
import { BirdDaemon } from '../../helpers/daemons/bird.js';
import { waitNoRoute, waitPeerState, waitRoute } from '../../helpers/daemons/types.js';
import { CLI, VipgateRouter } from '../../helpers/vipgate.js';
import { gatewaysOf, NODES, ROUTER, seedLab, type SeedLab } from './seed-topology.js';
import type { ReloadResult } from '../../../src/control/views.js';

const VIP1 = '172.20.1.1';
const VIP2 = '172.20.1.2';
const NET = '198.51.100.0/24';
const [N1, N2, N3] = NODES.map((n) => n.address) as [string, string, string];
const HISTORY = join(mkdtempSync(join(tmpdir(), 'vipgate-reload-')), 'history.db');

function config(o: { nodes: string[]; importPrefixes?: string; maximumPaths?: number; networks?: string[]; holdTime?: Record<string, number>; drain?: string[]; extra?: string }): string {
  return `
asn: 64513
routerId: ${ROUTER}
maximumPaths: ${o.maximumPaths ?? 4}
networks: [${(o.networks ?? [NET]).join(', ')}]
neighbors:
${o.nodes.map((a) => `  - { address: ${a}, remoteAs: 64512, group: nodes${o.holdTime?.[a] ? `, holdTime: ${o.holdTime[a]}` : ''}${o.drain?.includes(a) ? ', drain: true' : ''} }`).join('\n')}
groups:
  nodes: { import: { prefixes: [${o.importPrefixes ?? '"172.20.1.0/24 le 32"'}] }, export: { prefixes: ["${NET}"] }, holdTime: 9 }
fib: { startupHold: 0 }
store: { path: ${HISTORY}, flushMs: 50 }
${o.extra ?? ''}
`;
}

let s: SeedLab;
let router: VipgateRouter;
const birds: BirdDaemon[] = [];

/** `vipgate reload --json` as a user runs it: exit code, parsed answer, stderr. */
function reload(): Promise<{ code: number; result?: ReloadResult; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'reload', '--json', '--socket', router.socket], (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stderr, ...(code === 0 ? { result: JSON.parse(stdout) as ReloadResult } : {}) });
    });
  });
}

const hops = (vip: string) => (gatewaysOf(s, vip) ?? []).map((g) => g.gateway).join();
const established = async (address: string) => (await router.peer(address))?.establishedCount;

beforeAll(async () => {
  s = seedLab([VIP1, VIP2]);
  router = await VipgateRouter.start(s.lab, s.router, config({ nodes: [N1, N2] }));
  const announce = [VIP1, VIP2].map((v) => ({ prefix: `${v}/32`, origin: 'igp' as const }));
  for (const [i, n] of NODES.entries()) {
    birds.push(await BirdDaemon.start(s.lab, s.nodes[n.name]!, { routerId: NODES[i]!.address, as: 64512, neighbors: [{ address: ROUTER, as: 64513, holdTime: 9 }], announce }));
  }
  await waitFor('both VIPs on n1 and n2', () => (hops(VIP1) === `${N1},${N2}` && hops(VIP2) === `${N1},${N2}` ? true : undefined), 30_000);
}, 90_000);

afterAll(async () => {
  for (const b of birds) await b.stop().catch(() => undefined);
  await router?.dispose();
  await s?.lab.cleanup();
  rmSync(join(HISTORY, '..'), { recursive: true, force: true });
});

describe('vipgate reload', () => {
  it('adds a neighbor: it comes up and joins the groups, the other sessions stay up', async () => {
    const before = [await established(N1), await established(N2)];
    writeFileSync(router.config, config({ nodes: [N1, N2, N3] }));
    const r = await reload();
    expect(r.code).toBe(0);
    expect(r.result!.added).toEqual([N3]);
    expect(r.result!.reset).toEqual([]);
    await waitFor('VIP1 on three nodes', () => (hops(VIP1) === `${N1},${N2},${N3}` ? true : undefined), 30_000);
    expect([await established(N1), await established(N2)]).toEqual(before);
    await waitRoute(birds[2]!, NET, ROUTER);
  }, 60_000);

  it('a narrower import policy withdraws one VIP from the kernel, sessions kept (soft reconfiguration)', async () => {
    const before = await Promise.all([N1, N2, N3].map(established));
    writeFileSync(router.config, config({ nodes: [N1, N2, N3], importPrefixes: `"${VIP1}/32"` }));
    const r = await reload();
    expect(r.result!.soft.map((c) => [c.neighbor, c.fields])).toEqual([[N1, ['import']], [N2, ['import']], [N3, ['import']]]);
    await waitFor('VIP2 out of the kernel', () => (hops(VIP2) === '' ? true : undefined), 10_000);
    expect(hops(VIP1)).toBe(`${N1},${N2},${N3}`);
    expect(await Promise.all([N1, N2, N3].map(established))).toEqual(before);
    // and back: the routes were kept in the Adj-RIB-In, nothing is asked of the peers
    writeFileSync(router.config, config({ nodes: [N1, N2, N3] }));
    expect((await reload()).code).toBe(0);
    await waitFor('VIP2 back on three nodes', () => (hops(VIP2) === `${N1},${N2},${N3}` ? true : undefined), 10_000);
  }, 60_000);

  it('maximumPaths 1 leaves one next hop per VIP', async () => {
    writeFileSync(router.config, config({ nodes: [N1, N2, N3], maximumPaths: 1 }));
    const r = await reload();
    expect(r.result!.decision).toBe(true);
    await waitFor('one next hop', () => ((gatewaysOf(s, VIP1) ?? []).length === 1 ? true : undefined), 10_000);
    writeFileSync(router.config, config({ nodes: [N1, N2, N3] }));
    await reload();
    await waitFor('three next hops again', () => (hops(VIP1) === `${N1},${N2},${N3}` ? true : undefined), 10_000);
  }, 60_000);

  it('a removed neighbor gets Cease/Peer De-configured, a changed hold time Cease/Other Configuration Change', async () => {
    const n1Before = await established(N1);
    writeFileSync(router.config, config({ nodes: [N1, N3], holdTime: { [N3]: 12 } }));
    const r = await reload();
    expect(r.result!.removed).toEqual([N2]);
    expect(r.result!.reset).toEqual([{ neighbor: N3, fields: ['holdTime', 'keepalive'] }]);
    await waitFor('VIP1 without n2', () => (hops(VIP1) === `${N1},${N3}` ? true : undefined), 20_000);
    const n2 = await waitFor('n2 sees the Cease', async () => {
      const p = (await birds[1]!.peers()).find((x) => x.address === ROUTER);
      return p?.state !== 'Established' && p?.lastError ? p : undefined;
    }, 10_000);
    expect(n2.lastError).toMatch(/de-?configured/i);
    await waitPeerState(birds[2]!, ROUTER);
    expect((await birds[2]!.peers()).find((x) => x.address === ROUTER)?.holdTime).toBe(9);
    expect(await established(N1)).toBe(n1Before);
    expect(await router.peer(N2)).toBeUndefined();
  }, 60_000);

  it('a removed network is withdrawn from the nodes', async () => {
    writeFileSync(router.config, config({ nodes: [N1, N3], holdTime: { [N3]: 12 }, networks: [] }));
    const r = await reload();
    expect(r.result!.networks.removed).toEqual([NET]);
    await waitNoRoute(birds[0]!, NET, ROUTER, 10_000);
  }, 30_000);

  it('a file that does not validate is refused with its field named, and nothing changes', async () => {
    const routesBefore = hops(VIP1);
    writeFileSync(router.config, config({ nodes: [N1, N3] }).replace('maximumPaths: 4', 'maximumPaths: 400'));
    const r = await reload();
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('maximumPaths');
    expect(r.stderr).toContain('nothing changed');
    expect(hops(VIP1)).toBe(routesBefore);
    expect((await router.summary()).peers.map((p) => p.address).sort()).toEqual([N1, N3]);
  }, 30_000);

  it('SIGHUP reloads too; a fib change waits for a restart', async () => {
    writeFileSync(router.config, config({ nodes: [N1, N2, N3], holdTime: { [N3]: 12 }, networks: [], extra: 'fib: { startupHold: 0, metric: 30 }' }).replace('fib: { startupHold: 0 }\n', ''));
    const pid = router.pid!;
    s.lab.exec(s.router, 'kill', ['-HUP', String(pid)]);
    await waitFor('n2 back', () => (hops(VIP1) === `${N1},${N2},${N3}` ? true : undefined), 30_000);
    expect(router.log()).toMatch(/"pendingRestart":\["fib"\]/);
    // the routes stay where the running FIB put them (metric 20) until a restart applies metric 30
    const routes = JSON.parse(s.lab.exec(s.router, 'ip', ['-j', 'route', 'show', `${VIP1}/32`])) as { metric?: number }[];
    expect(routes.map((x) => x.metric)).toEqual([20]);
  }, 60_000);

  it('drain: a node\'s routes become GRACEFUL_SHUTDOWN paths, its next hop leaves the groups, the session and its routes stay', async () => {
    const nodes = [N1, N2, N3];
    const base = { nodes, holdTime: { [N3]: 12 }, networks: [], extra: 'fib: { startupHold: 0, metric: 30 }' };
    const file = (drain: string[]) => config({ ...base, drain }).replace('fib: { startupHold: 0 }\n', '');
    const before = await established(N1);
    writeFileSync(router.config, file([N1]));
    const r = await reload();
    expect(r.result!.soft).toEqual([{ neighbor: N1, fields: ['drain'] }]);
    await waitFor('VIP1 without n1', () => (hops(VIP1) === `${N2},${N3}` ? true : undefined), 10_000);
    const n1Path = (await router.table(`${VIP1}/32`)).paths.find((p) => p.peer === N1)!;
    expect(n1Path.communities).toContain('graceful-shutdown');
    expect(n1Path.multipath || n1Path.best).toBe(false);
    expect(await established(N1)).toBe(before);
    writeFileSync(router.config, file([]));
    await reload();
    await waitFor('VIP1 on three nodes again', () => (hops(VIP1) === `${N1},${N2},${N3}` ? true : undefined), 10_000);
  }, 30_000);

  it('every configuration that was applied is a revision in the history, the refused one is not', async () => {
    const revisions = await waitFor('the last revision in the history', () => {
      const db = new Database(HISTORY, { readonly: true });
      try {
        const rows = db.prepare('SELECT text FROM config_revisions ORDER BY id').all() as { text: string }[];
        return rows.at(-1)?.text.includes('metric: 30') ? rows : undefined;
      } finally { db.close(); }
    }, 10_000);
    // the start, then each reload whose file differed from the previous revision
    expect(revisions.length).toBeGreaterThanOrEqual(7);
    expect(revisions.some((r) => r.text.includes('maximumPaths: 400'))).toBe(false);
  }, 30_000);
});
