/**
 * Live reconfiguration from the config file (FileConfigFeed watching it, Agent.reconfigure applying it)
 * against two minimal BGP routers on loopback addresses, message by message: a pool added to the file
 * is announced over the sessions already up; a peer removed from the file gets Cease/Peer De-configured
 * (RFC 4486 6/3) while the other session stays up (no new OPEN, no NOTIFICATION); a file that does not
 * validate changes nothing and the log names the field; a changed hold time resets the session with
 * Cease/Other Configuration Change (6/6) and the routes are sent again on the new one; SIGHUP's reload
 * reads an unchanged file and changes nothing. MetalLB's formats are read again the same way.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '../../../src/agent/agent.js';
import { FileConfigFeed } from '../../../src/agent/config/feed.js';
import type { Source } from '../../../src/agent/source/source.js';
import { FakeClock } from '../../../src/lib/clock.js';
import { waitFor } from '../../helpers/netns.js';
import { node, slice, svc } from '../../unit/agent/build.js';
import type { LoopbackRouter } from './loopback-router.js';
import { reloadFixture, tableIs as table } from './reload-fixture.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined); });

const source: Source = {
  kind: 'file',
  start: (on) => {
    on({ services: [svc('web', { requestedIPs: ['172.20.1.1'] }), svc('api', { pool: 'extra' })], slices: [slice('web', { n1: 1 }), slice('api', { n1: 1 })], nodes: [node('n1')] });
    return Promise.resolve();
  },
  stop: () => Promise.resolve(),
};

async function setup(initial: (r1: LoopbackRouter, r2: LoopbackRouter) => string) {
  const { r1, r2, dir, log, lines } = await reloadFixture(cleanups);
  const file = join(dir, 'agent.yaml');
  writeFileSync(file, initial(r1, r2));
  const feed = new FileConfigFeed(file, log, 20);
  const agent = new Agent({ node: 'n1', config: await feed.first(), source, clock: new FakeClock(), log });
  cleanups.push(() => agent.stop(), () => feed.close());
  await agent.start();
  feed.watch((c) => agent.reconfigure(c));
  return { r1, r2, file, feed, agent, lines };
}

const vipgate = (r1: LoopbackRouter, r2: LoopbackRouter | undefined, o: { pools?: string; holdTime?: number } = {}) => `
asn: 64512
routerId: 10.0.0.1
peers:
  - { name: r1, address: ${r1.host}, port: ${r1.port}, asn: 64513${o.holdTime ? `, holdTime: ${o.holdTime}` : ''} }
${r2 ? `  - { name: r2, address: ${r2.host}, port: ${r2.port}, asn: 64513 }` : ''}
pools:
  - { name: default, addresses: [172.20.1.0/24] }
${o.pools ?? ''}
gracefulRestart: { enabled: false }
`;

describe('reconfiguration from the edited config file', () => {
  it('pool added → announced; peer removed → Cease 6/3; bad file → nothing; hold time changed → Cease 6/6', async () => {
    const { r1, r2, file, feed, lines } = await setup((a, b) => vipgate(a, b));
    await waitFor('r1 has web', table(r1, ['172.20.1.1/32']), 10_000, 10);
    await waitFor('r2 has web', table(r2, ['172.20.1.1/32']), 10_000, 10);

    // a pool for the Service that asked for it
    writeFileSync(file, vipgate(r1, r2, { pools: '  - { name: extra, addresses: [172.20.2.8/29] }' }));
    await waitFor('r1 has api', table(r1, ['172.20.1.1/32', '172.20.2.8/32']), 10_000, 10);
    await waitFor('r2 has api', table(r2, ['172.20.1.1/32', '172.20.2.8/32']), 10_000, 10);
    expect(r1.updates().at(-1)).toEqual([['172.20.2.8/32'], [], []]); // only the new route went out
    expect([r1.opens(), r2.opens(), r1.notifications(), r2.notifications()]).toEqual([1, 1, [], []]);

    // r2 removed from the file
    writeFileSync(file, vipgate(r1, undefined, { pools: '  - { name: extra, addresses: [172.20.2.8/29] }' }));
    await waitFor('Cease 6/3 at r2', () => (r2.notifications().length > 0 ? true : undefined), 10_000, 10);
    expect(r2.notifications()).toEqual([[6, 3]]);
    await waitFor('r2 closed', () => (r2.closed ? true : undefined), 10_000, 10);
    expect([r1.opens(), r1.notifications(), r1.closed]).toEqual([1, [], false]);

    // a file that does not validate: logged with its field, nothing changes
    const updatesBefore = r1.updates().length;
    writeFileSync(file, vipgate(r1, undefined, { holdTime: 2 }));
    const rejected = await waitFor('the rejection in the log', () => lines.find((l) => l['field'] === 'peers[0].holdTime'), 10_000, 10);
    expect(String(rejected['msg'])).toContain('configuration not applied');
    // SIGHUP reads the same bad file again: still nothing
    await feed.reload();
    expect(lines.filter((l) => l['field'] === 'peers[0].holdTime')).toHaveLength(2);
    expect([r1.opens(), r1.notifications(), r1.updates().length, r1.table()]).toEqual([1, [], updatesBefore, ['172.20.1.1/32', '172.20.2.8/32']]);

    // the hold time changed (and the extra pool gone): the session is reset and gets the new table
    writeFileSync(file, vipgate(r1, undefined, { holdTime: 30 }));
    await waitFor('Cease 6/6 at r1', () => (r1.notifications().length > 0 ? true : undefined), 10_000, 10);
    expect(r1.notifications()).toEqual([[6, 6]]);
    await waitFor('r1 reopened with the new table', () => (r1.opens() === 2 && r1.table().join() === '172.20.1.1/32' ? true : undefined), 10_000, 10);
    expect(r1.agentOpen?.holdTime).toBe(30);
    const applied = lines.filter((l) => l['msg'] === 'configuration applied');
    expect(applied.map((l) => [l['added'], l['removed'], l['reset']])).toEqual([[[], [], []], [[], ['r2'], []], [[], [], ['r1']]]);
  });

  it('MetalLB formats are read again too: the legacy ConfigMap, then the CRDs as YAML', async () => {
    const configMap = (r1: LoopbackRouter, pools: string) => `
peers:
- { peer-address: ${r1.host}, peer-port: ${r1.port}, peer-asn: 64513, my-asn: 64512, router-id: 10.0.0.1 }
address-pools:
${pools}`;
    let router!: LoopbackRouter;
    const { r1, file } = await setup((a) => { router = a; return configMap(a, '- { name: default, protocol: bgp, addresses: [172.20.1.0/24] }'); });
    expect(r1).toBe(router);
    await waitFor('web', table(r1, ['172.20.1.1/32']), 10_000, 10);
    writeFileSync(file, configMap(r1, '- { name: default, protocol: bgp, addresses: [172.20.1.0/24] }\n- { name: extra, protocol: bgp, addresses: [172.20.2.8/29] }'));
    await waitFor('api', table(r1, ['172.20.1.1/32', '172.20.2.8/32']), 10_000, 10);
    // the same configuration written as MetalLB's CRDs, the extra pool's advertisement with a community
    writeFileSync(file, `
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: default, namespace: metallb-system }
spec: { addresses: [172.20.1.0/24] }
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: { name: r1, namespace: metallb-system }
spec: { myASN: 64512, peerASN: 64513, peerAddress: ${r1.host}, peerPort: ${r1.port}, routerID: 10.0.0.1, enableGracefulRestart: true, dualStackAddressFamily: true }
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: { name: default, namespace: metallb-system }
spec: { ipAddressPools: [default] }
`);
    await waitFor('api withdrawn (its pool is gone)', table(r1, ['172.20.1.1/32']), 10_000, 10);
    expect(r1.updates().at(-1)).toEqual([[], ['172.20.2.8/32'], []]);
    // the peer's name changed (its address in the ConfigMap, r1 in the CRD): the same router, the same session
    // (the same OPEN: MetalLB 0.12 sessions carry both families with graceful restart; the BGPPeer asks for both)
    expect([r1.opens(), r1.notifications()]).toEqual([1, []]);
  });
});
