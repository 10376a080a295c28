/**
 * The agent's stop sequences, message by message, against a minimal BGP router on loopback, the drain
 * timed on a fake clock:
 * - graceful shutdown (RFC 8326): the routes again with GRACEFUL_SHUTDOWN (65535:0), nothing more until the
 *   drain has passed, then the withdrawal, then Cease/Administrative Shutdown with the RFC 9003 message;
 *   an abort (the second SIGTERM) ends the drain at once;
 * - graceful restart (RFC 4724): our OPEN carries the capability (restart time, F bit for IPv4 and IPv6
 *   unicast, R bit only for a run that follows a graceful restart, no N bit: a Cease always means "drop our
 *   routes", RFC 8538); the stop closes the connection
 *   without any NOTIFICATION and asks for the restart marker; a router that does not do graceful restart
 *   gets the graceful shutdown instead.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '../../../src/agent/agent.js';
import { parseAgentConfig } from '../../../src/agent/config/load.js';
import type { Source } from '../../../src/agent/source/source.js';
import { FakeClock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/log.js';
import { decodeShutdownCommunication } from '../../../src/wire/bgp/notification.js';
import { WellKnownCommunity } from '../../../src/wire/bgp/types.js';
import { waitFor } from '../../helpers/netns.js';
import { node, slice, svc } from '../../unit/agent/build.js';
import { LoopbackRouter } from './loopback-router.js';

const GSHUT = WellKnownCommunity.GRACEFUL_SHUTDOWN;

const fileSource = (): Source => ({
  kind: 'file',
  start: (on) => { on({ services: [svc('web', { requestedIPs: ['172.20.1.1'] })], slices: [slice('web', { n1: 1 })], nodes: [node('n1')] }); return Promise.resolve(); },
  stop: () => Promise.resolve(),
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined); });

async function setup(o: { routerGr: boolean; restarting?: boolean; grEnabled?: boolean }) {
  const router = await LoopbackRouter.start(o.routerGr);
  cleanups.push(() => router.close());
  const config = parseAgentConfig(`
asn: 64512
routerId: 10.0.0.1
peers: [{ address: 127.0.0.1, port: ${router.port}, asn: 64513, name: rtr }]
pools: [{ name: default, addresses: [172.20.1.0/24] }]
gracefulShutdown: { drainSeconds: 5 }
gracefulRestart: { enabled: ${o.grEnabled ?? true}, restartTime: 90 }
`);
  const clock = new FakeClock();
  const agent = new Agent({ node: 'n1', config, source: fileSource(), clock, log: silentLogger(), restarting: o.restarting ?? false });
  cleanups.push(() => agent.stop());
  await agent.start();
  await waitFor('the route and End-of-RIB at the router', () => (router.updates().length === 1 && router.received.filter((m) => m.type === 'update').length === 2 ? true : undefined), 10_000, 10);
  expect(router.updates()).toEqual([[['172.20.1.1/32'], [], []]]);
  return { router, agent, clock };
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 100));

describe('graceful shutdown (RFC 8326)', () => {
  it('GRACEFUL_SHUTDOWN, the drain on the clock, the withdrawal, then Cease 6/2 with the message', async () => {
    const { router, agent, clock } = await setup({ routerGr: false });
    const done = agent.shutdown('graceful-shutdown');
    await waitFor('the route again, marked', () => (router.updates().length === 2 ? true : undefined), 10_000, 10);
    expect(router.updates()[1]).toEqual([['172.20.1.1/32'], [], [GSHUT]]);
    clock.advance(4999);
    await settle();
    expect(router.updates()).toHaveLength(2);
    expect(router.received.some((m) => m.type === 'notification')).toBe(false);
    clock.advance(1);
    expect(await done).toEqual({ restarted: [], drained: ['rtr'] });
    await waitFor('the connection closed', () => (router.closed ? true : undefined), 10_000, 10);
    expect(router.updates()[2]).toEqual([[], ['172.20.1.1/32'], []]);
    const last = router.received.at(-1)!;
    expect(last.type === 'notification' && [last.code, last.subcode, decodeShutdownCommunication(last)]).toEqual([6, 2, 'vipgate agent shutting down']);
    expect(router.received.filter((m) => m.type === 'update' || m.type === 'notification').map((m) => m.type)).toEqual(['update', 'update', 'update', 'update', 'notification']);
  });

  it('a second signal (abort) ends the drain at once', async () => {
    const { router, agent } = await setup({ routerGr: false });
    const skip = new AbortController();
    const done = agent.shutdown('graceful-shutdown', { skipDrain: skip.signal });
    await waitFor('the route again, marked', () => (router.updates().length === 2 ? true : undefined), 10_000, 10);
    await settle();
    expect(router.updates()).toHaveLength(2);
    skip.abort();
    await done;
    await waitFor('the connection closed', () => (router.closed ? true : undefined), 10_000, 10);
    expect(router.updates()[2]).toEqual([[], ['172.20.1.1/32'], []]);
  });
});

describe('graceful restart (RFC 4724), the agent restarting', () => {
  it('our OPEN: restart time, F bit for IPv4 and IPv6 unicast, no R bit on a first start, no N bit (RFC 8538)', async () => {
    const { router } = await setup({ routerGr: true });
    // the node's name in the hostname capability, for the router's views and cluster page
    expect(router.agentOpen?.capabilities.find((c) => c.kind === 'fqdn')).toEqual({ kind: 'fqdn', hostname: 'n1', domain: '' });
    expect(router.agentOpen?.capabilities.find((c) => c.kind === 'graceful-restart')).toEqual({
      kind: 'graceful-restart', restarting: false, notification: false, restartTime: 90,
      families: [{ afi: 1, safi: 1, forwarding: true }, { afi: 2, safi: 1, forwarding: true }],
    });
  });

  it('R bit after a graceful restart; no capability when disabled', async () => {
    const again = await setup({ routerGr: true, restarting: true });
    expect(again.router.agentOpen?.capabilities.find((c) => c.kind === 'graceful-restart')).toMatchObject({ restarting: true });
    const off = await setup({ routerGr: true, grEnabled: false });
    expect(off.router.agentOpen?.capabilities.some((c) => c.kind === 'graceful-restart')).toBe(false);
  });

  it('the stop closes without NOTIFICATION or withdrawal, and asks for the marker', async () => {
    const { router, agent } = await setup({ routerGr: true });
    let marker = 0;
    expect(await agent.shutdown('graceful-restart', { onRestart: () => { marker++; } })).toEqual({ restarted: ['rtr'], drained: [] });
    await waitFor('the connection closed', () => (router.closed ? true : undefined), 10_000, 10);
    expect(marker).toBe(1);
    expect(router.received.some((m) => m.type === 'notification')).toBe(false);
    expect(router.updates()).toHaveLength(1);
  });

  it('a router without graceful restart gets the graceful shutdown instead', async () => {
    const { router, agent, clock } = await setup({ routerGr: false });
    let marker = 0;
    const done = agent.shutdown('graceful-restart', { onRestart: () => { marker++; } });
    await waitFor('the route again, marked', () => (router.updates().length === 2 ? true : undefined), 10_000, 10);
    clock.advance(5000);
    expect(await done).toEqual({ restarted: [], drained: ['rtr'] });
    await waitFor('the connection closed', () => (router.closed ? true : undefined), 10_000, 10);
    expect(marker).toBe(0);
    const last = router.received.at(-1)!;
    expect(last.type === 'notification' && [last.code, last.subcode, decodeShutdownCommunication(last)]).toEqual([6, 2, 'vipgate agent restarting']);
  });
});
