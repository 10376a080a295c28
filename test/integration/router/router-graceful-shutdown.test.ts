/**
 * Graceful shutdown of the router itself (RFC 8326, FRR `bgp graceful-shutdown`) towards a real BIRD
 * upstream: `gracefulShutdown.enabled` turned on by `vipgate reload` re-sends every route with 65535:0 and
 * the session stays; turned off, the community goes; with `drainSeconds`, SIGTERM first re-sends the routes
 * with 65535:0 while the session is still up, and closes it only after the drain.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/netns.js';
import { BirdDaemon } from '../../helpers/daemons/bird.js';
import { waitPeerState } from '../../helpers/daemons/types.js';
import { CLI, VipgateRouter } from '../../helpers/vipgate.js';
import { ROUTER, seedLab, type SeedLab } from './seed-topology.js';

const UPSTREAM = '192.168.20.1';
const NET = '10.1.1.0/24';
const GSHUT = '65535:0';

const config = (gracefulShutdown: string) => `
asn: 64513
routerId: ${ROUTER}
networks: [${NET}]
neighbors:
  - { address: ${UPSTREAM}, remoteAs: 65000, import: all, export: all, holdTime: 9, connectRetry: 1 }
fib: { startupHold: 0 }
gracefulShutdown: ${gracefulShutdown}
`;

let s: SeedLab;
let router: VipgateRouter;
let bird: BirdDaemon;

const communities = async () => (await bird.routes()).find((r) => r.prefix === NET)?.communities;
const reload = () => execFileSync(process.execPath, [CLI, 'reload', '--socket', router.socket], { encoding: 'utf8' });

beforeAll(async () => {
  s = seedLab([]);
  bird = await BirdDaemon.start(s.lab, s.client, { routerId: UPSTREAM, as: 65000, neighbors: [{ address: '192.168.20.254', as: 64513, holdTime: 9 }] });
  router = await VipgateRouter.start(s.lab, s.router, config('{ enabled: false }'));
  await waitFor('BIRD has the network', async () => ((await communities()) ? true : undefined), 30_000);
}, 60_000);

afterAll(async () => {
  await router?.dispose();
  await bird?.stop();
  await s?.lab.cleanup();
});

describe('graceful shutdown of the router (RFC 8326)', () => {
  it('turned on and off by reload: the community comes and goes, the session stays', async () => {
    expect(await communities()).toEqual([]);
    const established = (await router.peer(UPSTREAM))!.establishedCount;
    writeFileSync(router.config, config('{ enabled: true }'));
    expect(reload()).toContain('graceful shutdown (RFC 8326) changed');
    await waitFor('65535:0 on the route', async () => ((await communities())?.includes(GSHUT) ? true : undefined), 10_000);
    writeFileSync(router.config, config('{ enabled: false }'));
    reload();
    await waitFor('65535:0 gone', async () => ((await communities())?.length === 0 ? true : undefined), 10_000);
    expect((await router.peer(UPSTREAM))!.establishedCount).toBe(established);
    expect((await router.peer(UPSTREAM))!.state).toBe('Established');
  }, 30_000);

  it('SIGTERM with drainSeconds: routes re-sent with 65535:0 while the session is up, closed after the drain', async () => {
    writeFileSync(router.config, config('{ enabled: false, drainSeconds: 3 }'));
    reload();
    await waitPeerState(bird, '192.168.20.254');
    const stopping = router.stop('SIGTERM');
    await waitFor('65535:0 on the route during the drain', async () => ((await communities())?.includes(GSHUT) ? true : undefined), 10_000);
    // the session is still up and forwarding while the neighbor moves away
    expect((await bird.peers()).find((p) => p.address === '192.168.20.254')?.state).toBe('Established');
    await stopping;
    const down = await waitFor('BIRD sees the Cease', async () => {
      const p = (await bird.peers()).find((x) => x.address === '192.168.20.254');
      return p && p.state !== 'Established' ? p : undefined;
    }, 10_000);
    expect(down.lastError ?? '').toMatch(/shutdown/i);
    expect(router.log()).toContain('graceful shutdown: routes re-advertised with GRACEFUL_SHUTDOWN');
  }, 30_000);
});
