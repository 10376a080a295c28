/**
 * Power-cut style crashes: the router process is killed with SIGKILL at a random point while it converges
 * after a start (seeded: the same points on every run), ten times. Before each crash one peer changes what
 * it announces, so the kernel holds routes from the dead process that are no longer wanted. After each restart,
 * once every session is back, the kernel table (`ip -j route show proto 201` + `ip -j nexthop`) must equal
 * the RIB's multipath sets (`vipgate show ip bgp --json`) and the announcements, with no nexthop object
 * left behind that no route uses.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, Netlab } from '../helpers/netns.js';
import { VipgateRouter } from '../helpers/vipgate.js';
import {
  buildTopology, expectedTable, kernelTable, orphanNexthops, peerPrefixes, ribTable, routerYaml, Swarm, tableDiff, waitConverged,
  type SwarmLabOptions,
} from './swarm-lab.js';

const LOAD: SwarmLabOptions = {
  peers: 24, vips: 3000, ways: 3,
  // a kept table is held at most this long after a start, or until every session has sent End-of-RIB
  extraConfig: ['fib: { startupHold: 3 }'],
};
const CRASHES = 10;
/** Kill points: up to this long after the restarted router answers on its control socket (it converges in about 1-2 s). */
const KILL_WINDOW_MS = 1200;

/** mulberry32, for reproducible kill points and announcement changes. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.runIf(isRoot())('kill -9 of the router during convergence, ten times', () => {
  const lab = new Netlab();
  const dir = mkdtempSync(join(tmpdir(), 'vipgate-kill-'));
  let router: VipgateRouter;
  let swarm: Swarm;

  beforeAll(async () => {
    const t = buildTopology(lab, LOAD.peers);
    router = await VipgateRouter.start(lab, t.routerNs, routerYaml(LOAD));
    swarm = new Swarm(lab, t.swarmNs, LOAD, dir);
  });

  afterAll(async () => {
    swarm?.kill();
    await router?.dispose();
    await lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('after every restart the kernel equals the RIB and the announcements', async () => {
    const r = rng(10);
    const perPeer = peerPrefixes(LOAD).map((l) => l.length);
    const withdrawn = perPeer.map(() => 0);
    await waitConverged(router, LOAD.peers, expectedTable(LOAD, withdrawn), 60_000);
    const log: string[] = [];
    for (let crash = 1; crash <= CRASHES; crash++) {
      // with the router down, one peer changes what it announces (part of its set withdrawn, or all of it back):
      // the kernel then holds routes the next run must correct
      await router.stop('SIGKILL');
      const peer = Math.floor(r() * LOAD.peers);
      withdrawn[peer] = withdrawn[peer] === 0 ? 1 + Math.floor(r() * perPeer[peer]!) : 0;
      swarm.send(withdrawn[peer] === 0 ? `announce ${peer}` : `withdraw ${peer} ${withdrawn[peer]}`);
      // restart, and crash again part-way through convergence (sessions opening, RIB filling, FIB being written)
      await router.launch();
      const killAfter = Math.floor(r() * KILL_WINDOW_MS);
      await new Promise((res) => setTimeout(res, killAfter));
      const sessions = (await router.summary().catch(() => undefined))?.peers.filter((p) => p.state === 'Established').length ?? 0;
      await router.stop('SIGKILL');
      // the run after the crash must converge to exactly the RIB
      await router.launch();
      const t0 = performance.now();
      const want = expectedTable(LOAD, withdrawn);
      await waitConverged(router, LOAD.peers, want, 60_000);
      const rib = ribTable(router.ns, router.socket);
      const kernel = kernelTable(router.ns);
      log.push(`crash ${crash}: killed ${killAfter} ms after start (${sessions} of ${LOAD.peers} sessions up), peer ${peer} announcing `
        + `${perPeer[peer]! - withdrawn[peer]!} of ${perPeer[peer]}; next run converged to ${kernel.size} routes in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      expect(tableDiff(rib, kernel), `crash ${crash}: kernel vs RIB`).toEqual([]);
      expect(tableDiff(want, kernel), `crash ${crash}: kernel vs announcements`).toEqual([]);
      expect(orphanNexthops(router.ns), `crash ${crash}: nexthop objects no route uses`).toEqual([]);
    }
    console.log(log.join('\n'));
    expect(swarm.errors()).toEqual([]);
  }, 170_000);
});
