/**
 * One BGP state, built twice: with FRR 8.4 as the router (scripts/capture-frr-views.ts records its vtysh
 * views into test/fixtures/frr-views/) and with vipgate as the router (frr-views.test.ts prints its views
 * and compares). In namespaces made by the caller: the router at 192.168.10.254 / fd00:10::254 (AS 64513,
 * router id 192.168.10.254, maximum-paths 4, network 10.1.1.0/24) on one segment with
 * - n1 192.168.10.10 (and fd00:10::10 over IPv6), n2 .101, n3 .102: GoBGP speakers in AS 64512; n1 and n2
 *   announce 172.20.1.1/32 (ECMP) with community 64512:100, n1 also 172.20.1.2/32 (origin IGP) and
 *   2001:db8:20::1/128, n2 172.20.1.3/32 (GoBGP's default origin, incomplete); the group `nodes` (an FRR
 *   peer-group) imports everything and exports nothing; the speakers start one after another, each once the
 *   router has the last one's routes, so that both routers receive the paths in the same order;
 * - n6 .201: a dynamic neighbor of the group (FRR `bgp listen range`), announcing 172.20.1.4/32;
 * - n3 configured without any policy: RFC 8212 (FRR `bgp ebgp-requires-policy`) takes nothing from it;
 * - n4 .103 configured, its host up but no BGP speaker there: never established;
 * - n5 .104 configured and administratively shut down.
 */
import { Netlab, waitFor } from '../../helpers/netns.js';
import { GobgpDaemon } from '../../helpers/daemons/gobgp.js';
import type { Announcement } from '../../helpers/daemons/types.js';

export const ROUTER = { v4: '192.168.10.254', v6: 'fd00:10::254', as: 64513 } as const;
export const NODE_AS = 64512;
export const N1 = { v4: '192.168.10.10', v6: 'fd00:10::10' } as const;
export const N2 = '192.168.10.101';
export const N3 = '192.168.10.102';
export const N4 = '192.168.10.103';
export const N5 = '192.168.10.104';
export const N6 = '192.168.10.201';
const RANGE = '192.168.10.200/29';

const COMMUNITY = [`${NODE_AS}:100`];
const ANNOUNCE: Record<string, readonly Announcement[]> = {
  n1: [{ prefix: '172.20.1.1/32', communities: COMMUNITY }, { prefix: '172.20.1.2/32', origin: 'igp' }, { prefix: '2001:db8:20::1/128' }],
  n2: [{ prefix: '172.20.1.1/32', communities: COMMUNITY }, { prefix: '172.20.1.3/32' }],
  n3: [{ prefix: '172.20.1.1/32' }],
  n6: [{ prefix: '172.20.1.4/32' }],
};
/** A prefix only that speaker announces: once the router has it, the next speaker may start. */
const MARK: Record<string, string | undefined> = { n1: '2001:db8:20::1/128', n2: '172.20.1.3/32', n3: undefined, n6: '172.20.1.4/32' };

/** The views compared, as vtysh commands and as `vipgate show` words. */
export const VIEWS = [
  { file: 'show-bgp-summary.txt', vtysh: 'show bgp summary', vipgate: ['show', 'bgp', 'summary'] },
  { file: 'show-ip-bgp.txt', vtysh: 'show ip bgp', vipgate: ['show', 'ip', 'bgp'] },
  { file: 'show-bgp-ipv6.txt', vtysh: 'show bgp ipv6', vipgate: ['show', 'bgp', 'ipv6'] },
  { file: 'show-ip-bgp-172.20.1.1_32.txt', vtysh: 'show ip bgp 172.20.1.1/32', vipgate: ['show', 'ip', 'bgp', '172.20.1.1/32'] },
  { file: 'show-ip-bgp-10.1.1.0_24.txt', vtysh: 'show ip bgp 10.1.1.0/24', vipgate: ['show', 'ip', 'bgp', '10.1.1.0/24'] },
  { file: 'show-bgp-ipv6-2001_db8_20__1_128.txt', vtysh: 'show bgp ipv6 2001:db8:20::1/128', vipgate: ['show', 'bgp', 'ipv6', '2001:db8:20::1/128'] },
] as const;

export interface Scenario {
  readonly lab: Netlab;
  readonly router: string;
  readonly speakers: readonly GobgpDaemon[];
}

/** The namespaces, the segment and the speakers; the caller starts the router in `router`. */
export async function buildScenario(): Promise<Scenario & { startSpeakers(table: () => Promise<string>): Promise<void> }> {
  const lab = new Netlab();
  const seg = lab.segment('lan');
  const router = lab.ns('rtr');
  seg.attach(router, [`${ROUTER.v4}/24`, `${ROUTER.v6}/64`], 'r');
  const ns: Record<string, string> = {};
  for (const [name, v4, v6] of [['n1', N1.v4, N1.v6], ['n2', N2, undefined], ['n3', N3, undefined], ['n4', N4, undefined], ['n6', N6, undefined]] as const) {
    ns[name] = lab.ns(name);
    seg.attach(ns[name]!, [`${v4}/24`, ...(v6 ? [`${v6}/64`] : [])], name);
  }
  const speakers: GobgpDaemon[] = [];
  return {
    lab, router, speakers,
    /** Each speaker in turn, the next once `table()` (the router's routes as text) shows the last one's mark. */
    async startSpeakers(table: () => Promise<string>) {
      const peer = (address: string) => ({ address, as: ROUTER.as, holdTime: 9 });
      const start: [string, string, ReturnType<typeof peer>[]][] = [
        ['n1', N1.v4, [peer(ROUTER.v4), peer(ROUTER.v6)]], ['n2', N2, [peer(ROUTER.v4)]], ['n3', N3, [peer(ROUTER.v4)]], ['n6', N6, [peer(ROUTER.v4)]],
      ];
      for (const [name, id, neighbors] of start) {
        speakers.push(await GobgpDaemon.start(lab, ns[name]!, { routerId: id, as: NODE_AS, neighbors }, ANNOUNCE[name]));
        const mark = MARK[name];
        if (mark) await waitFor(`${mark} from ${name} at the router`, async () => ((await table()).includes(mark) ? true : undefined), 60_000, 200);
      }
    },
  };
}

/** The router as FRR 8.4 configures it (frr.conf). */
export function frrRouterConfig(): string {
  const timers = (n: string, connect = 1) => [` neighbor ${n} timers 3 9`, ` neighbor ${n} timers connect ${connect}`];
  const policy = (n: string) => [`  neighbor ${n} activate`, `  neighbor ${n} route-map ALL in`, `  neighbor ${n} route-map NONE out`];
  return [
    'frr defaults traditional', 'hostname vg-frr-dut', 'log stdout informational', '!',
    'route-map ALL permit 10', '!', 'route-map NONE deny 10', '!',
    `router bgp ${ROUTER.as}`, ` bgp router-id ${ROUTER.v4}`, ' no bgp default ipv4-unicast', ' no bgp network import-check',
    ' neighbor nodes peer-group', ` neighbor nodes remote-as ${NODE_AS}`, ...timers('nodes'), ` bgp listen range ${RANGE} peer-group nodes`,
    ...[N1.v4, N2, N4, N5].map((n) => ` neighbor ${n} peer-group nodes`), ` neighbor ${N4} timers connect 120`, ` neighbor ${N5} shutdown`,
    ...[N3, N1.v6].flatMap((n) => [` neighbor ${n} remote-as ${NODE_AS}`, ...timers(n)]),
    ' address-family ipv4 unicast', '  network 10.1.1.0/24', '  maximum-paths 4', ...policy('nodes'), `  neighbor ${N3} activate`, ' exit-address-family',
    ' address-family ipv6 unicast', '  maximum-paths 4', ...policy(N1.v6), ' exit-address-family', '!', '',
  ].join('\n');
}

/**
 * The same router as vipgate configures it: FRR's `network` gives its route MED 0, and FRR prefers the older
 * of two eBGP paths (RFC 5004) unless `bgp bestpath compare-routerid`; both said here.
 */
export function vipgateRouterConfig(): string {
  return `
asn: ${ROUTER.as}
routerId: ${ROUTER.v4}
maximumPaths: 4
bestpath: { preferOldest: true }
networks: [{ prefix: 10.1.1.0/24, med: 0 }]
neighbors:
  - { address: ${N1.v4}, group: nodes }
  - { address: ${N2}, group: nodes }
  - { address: ${N3}, remoteAs: ${NODE_AS}, holdTime: 9, connectRetry: 1 }
  - { address: ${N4}, group: nodes, connectRetry: 120 }
  - { address: ${N5}, group: nodes, shutdown: true }
  - { range: ${RANGE}, group: nodes }
  - { address: ${N1.v6}, remoteAs: ${NODE_AS}, holdTime: 9, connectRetry: 1, import: all, export: none }
groups:
  nodes: { remoteAs: ${NODE_AS}, import: all, export: none, holdTime: 9, connectRetry: 1 }
`;
}

/** Waits until the router holds every path the speakers announce that it accepts (n3's are refused). */
export async function settled(table: () => Promise<string>): Promise<void> {
  await waitFor('every accepted path at the router', async () => {
    const t = await table();
    return ['172.20.1.1/32', '172.20.1.2/32', '172.20.1.3/32', '172.20.1.4/32', '2001:db8:20::1/128'].every((p) => t.includes(p)) ? true : undefined;
  }, 60_000, 250);
}
