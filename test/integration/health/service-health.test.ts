/**
 * Service health through each next hop, for real: `vipgate router` in a namespace with two node namespaces
 * (vipgate speakers announcing two Service IPs each), healthChecks on the Service range, port 80. Node n2's
 * "pod" for one Service IP stops: the router's checks through n2 fail for it, so that route alone loses n2
 * (its other route and its BGP session stay); once the pod answers again, n2 comes back after the
 * configured passes. The checks go through the one next hop (a mark and a routing table per next hop),
 * which `show health` reports per route and next hop, and the rules are gone when the router stops.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../../src/control/client.js';
import type { HealthView } from '../../../src/control/health.js';
import { Netlab, waitFor } from '../../helpers/netns.js';
import { VipgateRouter } from '../../helpers/vipgate.js';

/** The router, the two nodes, and the two Service IPs both announce. */
const [R, N1, N2, VIP1, VIP2] = ['10.88.0.1', '10.88.0.11', '10.88.0.12', '10.99.0.1', '10.99.0.2'] as const;

const ROUTER = `asn: 64513
routerId: ${R}
maximumPaths: 4
neighbors: [{ range: 10.88.0.0/24, remoteAs: 64512, group: nodes }]
groups: { nodes: { import: { prefixes: ["10.99.0.0/24 le 32"] }, holdTime: 9 } }
# every route in the range, through each next hop, every 0.2 s: out after 2 failures, back after 2 passes
healthChecks: [{ prefixes: ["10.99.0.0/24 le 32"], port: 80, interval: 0.2, timeoutMs: 300, fails: 2, passes: 2 }]
fib: { startupHold: 0 }
`;
const speaker = (address: string): string => `
asn: 64512
routerId: ${address}
listen: { enabled: false }
networks: ["${VIP1}/32", "${VIP2}/32"]
neighbors:
  - { address: ${R}, remoteAs: 64513, export: all, import: none, holdTime: 9, connectRetry: 1 }
`;
/** A TCP server on port 80 of `host` that accepts and closes. */
const SERVER = "require('node:net').createServer((s) => s.end()).listen(80, process.argv[1])";

describe('health checks through each next hop', { timeout: 60_000 }, () => {
  const lab = new Netlab();
  let r: string;
  let n2: string;
  let router: VipgateRouter;
  const speakers: VipgateRouter[] = [];
  let pod: ChildProcess;
  beforeAll(async () => {
    const seg = lab.segment('seg');
    r = lab.ns('rtr');
    const n1 = lab.ns('n1');
    n2 = lab.ns('n2');
    seg.attach(r, [`${R}/24`], 'r');
    seg.attach(n1, [`${N1}/24`], 'a');
    seg.attach(n2, [`${N2}/24`], 'b');
    for (const ns of [n1, n2]) for (const vip of [VIP1, VIP2]) lab.exec(ns, 'ip', ['addr', 'add', `${vip}/32`, 'dev', 'lo']);
    // n1 serves both Service IPs; n2 the first, and the second until the test stops that "pod"
    lab.spawn(n1, process.execPath, ['-e', SERVER, '0.0.0.0']);
    lab.spawn(n2, process.execPath, ['-e', SERVER, VIP1]);
    pod = lab.spawn(n2, process.execPath, ['-e', SERVER, VIP2]);
    router = await VipgateRouter.start(lab, r, ROUTER);
    for (const [ns, a] of [[n1, N1], [n2, N2]] as const) speakers.push(await VipgateRouter.start(lab, ns, speaker(a), ['--no-fib']));
  }, 60_000);
  afterAll(async () => {
    for (const s of speakers) await s.dispose();
    await router?.dispose();
    await lab.cleanup();
  });

  const hops = (vip: string): string[] => {
    const [route] = JSON.parse(lab.exec(r, 'ip', ['-j', 'route', 'show', `${vip}/32`])) as { gateway?: string; nexthops?: { gateway: string }[] }[];
    return (route?.nexthops?.map((h) => h.gateway) ?? (route?.gateway ? [route.gateway] : [])).sort();
  };

  it('a next hop whose pod stops answering for one Service IP leaves that route only', async () => {
    await waitFor('both sessions up', async () => ((await router.summary()).peers.filter((p) => p.state === 'Established').length === 2 ? true : undefined));
    await waitFor('both routes through both nodes', () => (hops(VIP1).length === 2 && hops(VIP2).length === 2 ? true : undefined), 15_000);
    const t0 = Date.now();
    pod.kill();
    await waitFor(`${VIP2} through n1 only`, () => (hops(VIP2).join() === N1 ? true : undefined), 15_000);
    // a figure for the record (interval 0.2 s x 2 fails), not a bound
    console.log(`health check: ${VIP2} lost ${N2} ${Date.now() - t0} ms after its pod stopped`);
    expect(hops(VIP1)).toEqual([N1, N2]);
    expect(router.log()).toMatch(new RegExp(`health check of ${VIP2}/32 port 80 through ${N2} failed 2 times: next hop out of that route`));
    // the node's session and its routes in BGP are untouched: only the kernel route lost the next hop
    expect((await router.peer(N2))?.state).toBe('Established');
    expect((await router.peer(N2))?.prefixesAccepted).toBe(2);
    const views = await request(router.socket, 'show health') as HealthView[];
    expect(views.map((v) => [v.prefix, v.nexthop, v.up]).sort()).toEqual([
      [`${VIP1}/32`, N1, true], [`${VIP1}/32`, N2, true], [`${VIP2}/32`, N1, true], [`${VIP2}/32`, N2, false],
    ]);
    expect(views.find((v) => v.prefix === `${VIP2}/32` && v.nexthop === N2)!.lastError).toMatch(/ECONNREFUSED/);
    // one rule per next hop checked, each with its own table holding that next hop as default
    const rules = lab.exec(r, 'ip', ['rule', 'show']);
    expect(rules.match(/fwmark 0x7667000[12] lookup 198646169[78]/g)).toHaveLength(2);
  });

  it('the pod answering again brings the next hop back after the configured passes', async () => {
    const t0 = Date.now();
    pod = lab.spawn(n2, process.execPath, ['-e', SERVER, VIP2]);
    await waitFor(`${VIP2} through both again`, () => (hops(VIP2).join() === [N1, N2].join() ? true : undefined), 15_000);
    console.log(`health check: ${VIP2} got ${N2} back ${Date.now() - t0} ms after its pod started`);
    expect(router.log()).toMatch(new RegExp(`health check of ${VIP2}/32 port 80 through ${N2} passes again: next hop back`));
  });

  it('the router stopping removes its rules', async () => {
    await router.stop();
    expect(lab.exec(r, 'ip', ['rule', 'show'])).not.toMatch(/fwmark 0x7667/);
  });
});
