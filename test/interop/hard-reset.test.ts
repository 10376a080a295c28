/**
 * RFC 8538 against FRR 8.4 (graceful restart on, so both OPENs carry the N bit): when the vipgate router
 * stops, its Cease goes inside a Hard Reset and FRR drops the router's routes at once. A plain Cease would
 * leave them in FRR as stale for the restart time (120 s) after an N-bit exchange: traffic sent to a router
 * that is gone. FRR's log names the NOTIFICATION it got; its table is read with vtysh.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Netlab, waitFor } from '../helpers/netns.js';
import { FrrDaemon } from '../helpers/daemons/frr.js';
import { waitPeerState, waitRoute } from '../helpers/daemons/types.js';
import { VipgateRouter } from '../helpers/vipgate.js';

const ROUTER = '10.77.0.1';
const FRR = '10.77.0.2';
const NET = '198.51.100.0/24';

let lab: Netlab;
let router: VipgateRouter;
let frr: FrrDaemon;

beforeAll(async () => {
  lab = new Netlab();
  const a = lab.ns('rtr');
  const b = lab.ns('frr');
  lab.link(a, [`${ROUTER}/24`], b, [`${FRR}/24`]);
  frr = await FrrDaemon.start(lab, b, { routerId: FRR, as: 65000, gracefulRestart: true, neighbors: [{ address: ROUTER, as: 64513, holdTime: 9 }] });
  router = await VipgateRouter.start(lab, a, `
asn: 64513
routerId: ${ROUTER}
networks: [${NET}]
neighbors:
  - { address: ${FRR}, remoteAs: 65000, holdTime: 9, gracefulRestart: { restartTime: 120 }, import: { prefixes: [] }, export: { prefixes: ["${NET}"] } }
fib: { startupHold: 0 }
`);
  // FRR logs each NOTIFICATION it receives with neighbor change logging on
  await frr.vtysh('conf t', 'router bgp 65000', 'bgp log-neighbor-changes');
  await waitPeerState(frr, ROUTER);
  await waitRoute(frr, NET, ROUTER);
}, 60_000);

afterAll(async () => {
  await frr?.stop().catch(() => undefined);
  await router?.dispose();
  await lab?.cleanup();
});

describe('a vipgate router stopping, with the N bit exchanged (RFC 8538)', () => {
  it('FRR saw the N bit both ways', async () => {
    const n = JSON.parse(await frr.vtysh(`show bgp neighbors ${ROUTER} json`)) as Record<string, { gracefulRestartInfo?: { nBit?: boolean }; neighborCapabilities?: { gracefulRestart?: string } }>;
    expect(n[ROUTER]?.neighborCapabilities?.gracefulRestart).toBe('advertisedAndReceived');
    expect(n[ROUTER]?.gracefulRestartInfo?.nBit).toBe(true);
  });

  it('gets a Hard Reset and drops the router\'s routes at once, not 120 s later', async () => {
    await router.stop();
    const gone = await waitFor('the network gone from FRR', async () => ((await frr.routes()).some((r) => r.prefix === NET) ? undefined : true), 10_000, 100);
    expect(gone).toBe(true);
    // FRR's log names the NOTIFICATION it received (its neighbor view is overwritten by its next connect attempts)
    const line = await waitFor('FRR logs the Hard Reset', () => frr.log().split('\n').find((l) => /received from neighbor/i.test(l) && /Hard Reset/i.test(l)), 10_000, 100)
      .catch(() => frr.log());
    expect(line).toMatch(/Hard Reset/i);
    expect(line).toMatch(/Administrative Shutdown|6\/2/i);
  }, 30_000);
});
