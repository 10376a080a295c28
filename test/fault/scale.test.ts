/**
 * Load: 200 BGP peers and 10,000 VIPs, each VIP announced by three of them, against a real `vipgate router`
 * process in a namespace. Correctness is asserted (every VIP in the kernel with exactly its three next hops,
 * the kernel equal to what the RIB selects, nothing else installed); convergence time and the router's RSS
 * are reported in the output, not asserted (no wall-clock thresholds in tests).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot } from '../helpers/netns.js';
import { expectedTable, kernelTable, ribTable, rssMiB, startSwarmLab, tableDiff, waitConverged, type SwarmLab, type SwarmLabOptions } from './swarm-lab.js';

const LOAD: SwarmLabOptions = { peers: 200, vips: 10_000, ways: 3 };

describe.runIf(isRoot())('200 peers, 10,000 VIPs (3-way ECMP each)', () => {
  let env: SwarmLab;
  beforeAll(async () => { env = await startSwarmLab(LOAD); });
  afterAll(async () => { await env?.dispose(); });

  it('installs every VIP with its three next hops, and the kernel equals the RIB', async () => {
    const { router, swarm } = env;
    const want = expectedTable(LOAD);
    const t0 = performance.now();
    await waitConverged(router, LOAD.peers, want, 120_000);
    const seconds = (performance.now() - t0) / 1000;
    const rss = rssMiB(router.pid!);
    console.log(`scale: ${LOAD.peers} peers, ${LOAD.vips} VIPs x ${LOAD.ways} next hops converged in ${seconds.toFixed(1)} s (from swarm start); router RSS ${rss.toFixed(0)} MiB`);

    expect(tableDiff(want, kernelTable(router.ns))).toEqual([]);
    expect(tableDiff(ribTable(router.ns, router.socket), kernelTable(router.ns))).toEqual([]);
    const summary = await router.summary();
    expect(summary.peers.filter((p) => p.state === 'Established')).toHaveLength(LOAD.peers);
    expect(swarm.errors()).toEqual([]);
  }, 150_000);
});
