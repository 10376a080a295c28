/**
 * MetalLB's BGPPeer fields as the router sees them on the wire (the agent against a minimal BGP router on
 * loopback, AS 64513): dynamicASN external opens the session with any other AS and announces, internal
 * refuses AS 64513 with NOTIFICATION 2/2 (Bad Peer AS); localASN is the AS in our OPEN; the session's
 * families and the graceful restart capability follow dualStackAddressFamily and enableGracefulRestart; a
 * sourceAddress this host does not have leaves the choice to the kernel (MetalLB's documented behaviour).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '../../../src/agent/agent.js';
import { parseAgentConfig } from '../../../src/agent/config/load.js';
import type { Source } from '../../../src/agent/source/source.js';
import { FakeClock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/log.js';
import { waitFor } from '../../helpers/netns.js';
import { node, slice, svc } from '../../unit/agent/build.js';
import { LoopbackRouter } from './loopback-router.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined); });

const source: Source = {
  kind: 'file',
  start: (on) => { on({ services: [svc('web', { requestedIPs: ['172.20.1.1'] })], slices: [slice('web', { n1: 1 })], nodes: [node('n1')] }); return Promise.resolve(); },
  stop: () => Promise.resolve(),
};

async function run(peer: string): Promise<LoopbackRouter> {
  const router = await LoopbackRouter.start(true);
  cleanups.push(() => router.close());
  const config = parseAgentConfig(`apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: { name: r1 }
spec: { myASN: 64512, peerAddress: 127.0.0.1, peerPort: ${router.port}, routerID: 10.0.0.1, connectTime: 1s, ${peer} }
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: pool }
spec: { addresses: [172.20.1.0/24] }
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: { name: all }
`);
  const agent = new Agent({ node: 'n1', config, source, clock: new FakeClock(), log: silentLogger() });
  cleanups.push(() => agent.stop());
  await agent.start();
  return router;
}

describe('BGPPeer on the wire', () => {
  it('dynamicASN external: any other AS; the route is announced. internal: AS 64513 refused with Bad Peer AS', async () => {
    const ext = await run('dynamicASN: external');
    await waitFor('the route', () => (ext.table().join() === '172.20.1.1/32' ? true : undefined), 10_000, 10);
    const int = await run('dynamicASN: internal');
    await waitFor('the NOTIFICATION', () => (int.notifications().length > 0 ? true : undefined), 10_000, 10);
    expect(int.notifications()[0]).toEqual([2, 2]);
    expect(int.table()).toEqual([]);
  }, 30_000);

  it('localASN is the AS of our OPEN; one family and no graceful restart unless asked', async () => {
    const plain = await run('peerASN: 64513, localASN: 65410');
    await waitFor('the OPEN', () => plain.agentOpen, 10_000, 10);
    const caps = (r: LoopbackRouter) => r.agentOpen!.capabilities.map((c) => (c.kind === 'multiprotocol' ? `mp ${c.afi}` : c.kind)).filter((k) => k.startsWith('mp') || k === 'graceful-restart' || k === 'four-octet-as');
    expect([plain.agentOpen!.myAs, plain.agentOpen!.capabilities.find((c) => c.kind === 'four-octet-as')]).toEqual([65410, { kind: 'four-octet-as', asn: 65410 }]);
    expect(caps(plain)).toEqual(['mp 1', 'four-octet-as']);
    const full = await run('peerASN: 64513, dualStackAddressFamily: true, enableGracefulRestart: true');
    await waitFor('the OPEN', () => full.agentOpen, 10_000, 10);
    expect(caps(full).sort()).toEqual(['four-octet-as', 'graceful-restart', 'mp 1', 'mp 2']);
  }, 30_000);

  it('a sourceAddress that is not this host\'s: the kernel picks the source, the session comes up', async () => {
    const r = await run('peerASN: 64513, sourceAddress: 192.0.2.99');
    await waitFor('the route', () => (r.table().join() === '172.20.1.1/32' ? true : undefined), 10_000, 10);
  }, 30_000);
});
