/**
 * The router's data plane as `vipgate router` sets it up, in a namespace of the test's own: started on a
 * box whose LAN interface forwards with send_redirects on, it warns at start naming the interface and the
 * sysctl that stops it, `show dataplane` says the same and shows its nft table in place; the table (IPv6
 * redirect drop, split sets, forward rule) is in the kernel, stays there when the router stops, and is written
 * again (not doubled) when it starts; with send_redirects off everywhere, the warning is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routerClient } from '../../../src/control/client.js';
import { Netlab } from '../../helpers/netns.js';
import { VipgateRouter } from '../../helpers/vipgate.js';

const CONFIG = `
asn: 64513
routerId: 10.77.0.1
neighbors:
  - { address: 10.77.0.2, remoteAs: 64512, passive: true }
fib: { startupHold: 0 }
`;

describe('vipgate router\'s data plane', () => {
  const lab = new Netlab();
  let ns: string;
  let lan: string;
  let router: VipgateRouter | undefined;
  beforeAll(() => {
    ns = lab.ns('rtr');
    const other = lab.ns('node');
    ({ ifA: lan } = lab.link(ns, ['10.77.0.1/24'], other, ['10.77.0.2/24'], 'l'));
    lab.exec(ns, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.send_redirects=0', `net.ipv4.conf.${lan}.send_redirects=1`]);
  });
  afterAll(async () => { await router?.dispose(); await lab.cleanup(); });

  const table = (): string => lab.exec(ns, 'nft', ['list', 'table', 'inet', 'vipgate-router']);

  it('warns at start for the interface that would send redirects, and shows it in show dataplane', async () => {
    router = await VipgateRouter.start(lab, ns, CONFIG);
    const view = await routerClient(router.socket).call('show dataplane');
    expect(view.redirecting.map((i) => [i.name, i.all, i.own])).toEqual([[lan, false, true]]);
    expect(view.nftTable).toEqual({ name: 'inet vipgate-router', applied: true });
    expect(view.ipv6RedirectsDropped).toBe(0);
    expect(router.log()).toContain(`"msg":"${lan} forwards IPv4 with send_redirects on: a client on ${lan}'s own network is sent ICMP redirects`);
    const t = table();
    expect(t).toContain('icmpv6 type nd-redirect counter packets 0 bytes 0 drop');
    expect(t).toContain('ip daddr @vips4 update @split4 { ip daddr . rt ip nexthop }');
    expect(t).toContain('ip6 daddr @vips6 update @split6 { ip6 daddr . rt ip6 nexthop }');
  });

  it('leaves the table in place at stop and writes it once again at start; quiet once redirects are off', async () => {
    await router!.stop();
    expect(table()).toContain('chain forward');
    lab.exec(ns, 'sysctl', ['-qw', `net.ipv4.conf.${lan}.send_redirects=0`]);
    await router!.launch();
    expect(table().match(/chain output/g)).toHaveLength(1);
    const view = await routerClient(router!.socket).call('show dataplane');
    expect(view.redirecting).toEqual([]);
  });
});
