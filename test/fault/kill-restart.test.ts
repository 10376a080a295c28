/**
 * Power-cut style crashes: the router process is killed with SIGKILL at a random point while it converges
 * after a start (seeded: the same points on every run), ten times. Before each crash three peers change what
 * they announce, so the kernel holds routes and groups from the dead process that are no longer wanted. After each restart,
 * once every session is back, the kernel table (`ip -j route show proto 201` + `ip -j nexthop`) must equal
 * the RIB's multipath sets (`vipgate show ip bgp --json`) and the announcements, with no nexthop object
 * left behind that no route uses.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot } from '../helpers/netns.js';
import {
  expectedTable, kernelTable, orphanNexthops, peerPrefixes, ribTable, startSwarmLab, tableDiff, waitConverged, type SwarmLab, type SwarmLabOptions,
} from './swarm-lab.js';

const LOAD: SwarmLabOptions = {
  peers: 24, vips: 3000, ways: 3,
  // a kept table is held at most this long after a start, or until every session has sent End-of-RIB
  extraConfig: ['fib: { startupHold: 3 }'],
};
const CRASHES = 10;
/** Kill points: up to this long after the restarted router answers on its control socket (it converges in about 1-2 s). */
const KILL_WINDOW_MS = 1200;

describe.runIf(isRoot())('kill -9 of the router during convergence, ten times', () => {
  let env: SwarmLab;
  beforeAll(async () => { env = await startSwarmLab(LOAD); });
  afterAll(async () => { await env?.dispose(); });

  it('after every restart the kernel equals the RIB and the announcements', async () => {
    const { router, swarm } = env;
    // seeded: the same peers, withdrawals and kill points on every run
    const plan = fc.sample(fc.noBias(fc.record({ peer: fc.nat({ max: LOAD.peers - 1 }), withdraw: fc.integer({ min: 1, max: 3 * LOAD.vips / LOAD.peers - 1 }), killAfter: fc.nat({ max: KILL_WINDOW_MS }) })),
      { seed: 10, numRuns: CRASHES });
    const perPeer = peerPrefixes(LOAD).map((l) => l.length);
    const withdrawn = perPeer.map(() => 0);
    await waitConverged(router, LOAD.peers, expectedTable(LOAD, withdrawn), 60_000);
    const log: string[] = [];
    for (let crash = 1; crash <= CRASHES; crash++) {
      // with the router down, three neighbouring peers change what they announce (the first part of their sets
      // withdrawn, so some VIPs lose a next hop and some every next hop; or all of it back): the kernel then
      // holds routes and groups the next run must correct
      await router.stop('SIGKILL');
      const { peer, withdraw, killAfter } = plan[crash - 1]!;
      const count = withdrawn[peer] === 0 ? withdraw : 0;
      for (let k = 0; k < 3; k++) {
        const p = (peer + k) % LOAD.peers;
        withdrawn[p] = count;
        swarm.send(count === 0 ? `announce ${p}` : `withdraw ${p} ${count}`);
      }
      // restart, and crash again part-way through convergence (sessions opening, RIB filling, FIB being written)
      await router.launch();
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
      log.push(`crash ${crash}: killed ${killAfter} ms after start (${sessions} of ${LOAD.peers} sessions up), peers ${peer}..${peer + 2} announcing `
        + `${perPeer[peer]! - count} of ${perPeer[peer]}; next run converged to ${kernel.size} routes in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      expect(tableDiff(rib, kernel), `crash ${crash}: kernel vs RIB`).toEqual([]);
      expect(tableDiff(want, kernel), `crash ${crash}: kernel vs announcements`).toEqual([]);
      expect(orphanNexthops(router.ns), `crash ${crash}: nexthop objects no route uses`).toEqual([]);
    }
    console.log(log.join('\n'));
    expect(swarm.errors()).toEqual([]);
  }, 170_000);
});
