/**
 * TCP MD5 signatures (RFC 2385) between vipgate and BIRD 2, in both directions of connection, and with a
 * wrong key the session never comes up while the kernel counts the bad signatures (nstat
 * TcpExtTCPMD5Failure). The key comes from the neighbor's `password` and never appears in the log.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Netlab, waitFor } from '../helpers/netns.js';
import { BirdDaemon } from '../helpers/daemons/bird.js';
import { waitRoute } from '../helpers/daemons/types.js';
import { VipgateRouter } from '../helpers/vipgate.js';

let lab: Netlab | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  await lab?.cleanup();
  lab = undefined;
});

const config = (password: string, passive: boolean, listen: string) => `
asn: 64513
routerId: 10.0.0.1
listen: { address: "${listen}" }
networks: [172.20.1.1/32]
neighbors:
  - { address: 10.0.0.2, remoteAs: 64512, holdTime: 3, connectRetry: 1, passive: ${passive}, password: "${password}", import: all, export: all }
`;

function md5Failures(l: Netlab, ns: string): number {
  const out = l.exec(ns, 'nstat', ['-az', 'TcpExtTCPMD5Failure']);
  return Number(/TcpExtTCPMD5Failure\s+(\d+)/.exec(out)?.[1] ?? 0);
}

async function setup(password: string, vipgatePassive: boolean, listen: string): Promise<{ l: Netlab; vg: VipgateRouter; bird: BirdDaemon; r: string }> {
  const l = new Netlab();
  lab = l;
  const r = l.ns('vg');
  const b = l.ns('bird');
  l.link(r, ['10.0.0.1/24'], b, ['10.0.0.2/24']);
  const bird = await BirdDaemon.start(l, b, { routerId: '10.0.0.2', as: 64512, neighbors: [{ address: '10.0.0.1', as: 64513, password: 'vipgate-secret', passive: !vipgatePassive }] });
  cleanups.push(() => bird.stop());
  const vg = await VipgateRouter.start(l, r, config(password, vipgatePassive, listen), ['--no-fib']);
  cleanups.push(() => vg.dispose());
  return { l, vg, bird, r };
}

describe('TCP MD5 (RFC 2385) with BIRD', () => {
  it.each([
    ['vipgate connects', false, '0.0.0.0'],
    ['BIRD connects, IPv4 listener', true, '0.0.0.0'],
    ['BIRD connects, dual-stack listener', true, '::'],
  ])('%s: the session comes up with the right key', async (_name, passive, listen) => {
    const { vg, bird } = await setup('vipgate-secret', passive, listen);
    await vg.waitPeerState('10.0.0.2', 'Established');
    await waitRoute(bird, '172.20.1.1/32');
    expect(vg.log()).not.toContain('vipgate-secret');
  });

  it('a wrong key keeps the session down and the kernel counts the bad signatures', async () => {
    const { l, vg, r } = await setup('not-the-key', true, '0.0.0.0');
    const before = md5Failures(l, r);
    await waitFor('MD5 failures counted', () => (md5Failures(l, r) > before ? true : undefined), 20_000);
    expect((await vg.peer('10.0.0.2'))!.state).not.toBe('Established');
  });
});
