/**
 * `vipgate lab ipv6`: the lab's IPv6 half end to end. An IPv6-only LoadBalancer Service from the ULA pool
 * (fd00:172:20:1::/120) is announced by every node's agent over its session with the router (MP-BGP, RFC
 * 4760; the node's global address on the segment as next hop, RFC 2545), the router installs the /128 with
 * one next hop per node, the client's requests over IPv6 spread over the nodes with its address kept, a cut
 * node's next hop leaves on BFD; then the one-arm case: a client on the nodes' segment gets no ICMPv6
 * Redirect from the router (Icmp6OutRedirects of /proc/net/snmp6 in its namespace, before and after, and the
 * drop counter of the router's nft table: Linux sends IPv6 Redirects only for a link-local target, and the
 * table drops any it would send).
 */
import { IPV6_SERVICE, LAB, SEED_SERVICES } from './topology.js';
import { inNs, removeNamespace } from './ns.js';
import { fromClient, HTTP_GET, routeHops, vipgate, waitForRoute, writeCluster, type Out } from './lab.js';
import { addLanClient, icmp6Counter, LAN_CLIENT } from './one-arm.js';
import { tally } from './tally.js';

export interface Ipv6Result {
  readonly nexthops: string[];
  readonly spread: Record<string, number>;
  readonly clientAddresses: string[];
  readonly afterCut: Record<string, number>;
  /** The one-arm client's answers, and the router's Redirects sent and dropped meanwhile. */
  readonly lanSpread: Record<string, number>;
  readonly redirectsSent: number;
  readonly redirectsDropped: number;
}

const route6 = (): string => inNs(LAB.router.ns, 'ip', ['-6', 'route', 'show', `${LAB.vip6}/128`]);
const hops6 = (): string[] => routeHops(LAB.router.ns, `${LAB.vip6}/128`).map((h) => h.gateway);
const dropped = (): number => Number(/IPv6 redirects dropped: (\d+)/.exec(vipgate(['show', 'dataplane']))?.[1] ?? NaN);

export async function ipv6(out: Out, requests = 30): Promise<Ipv6Result> {
  const vip = LAB.vip6;
  const all6 = LAB.nodes.map((n) => n.address6);
  out(`\n### IPv6: an IPv6 LoadBalancer Service ${vip} from the pool ${LAB.pool6}, a pod on every node\n`);
  writeCluster([...SEED_SERVICES, IPV6_SERVICE]);
  try {
    await waitForRoute(LAB.router.ns, `${vip}/128`, all6);
    out(`$ ip -6 route show ${vip}   # on k8s-rtr\n${route6()}`);
    out(`\n$ vipgate show bgp ipv6\n${vipgate(['show', 'bgp', 'ipv6'])}`);
    const nexthops = hops6();
    const answers = fromClient(`[${vip}]`, requests);
    const spread = tally(answers);
    out(`\n$ for i in $(seq ${requests}); do curl -s http://[${vip}]/; done   # on k8s-pc (${LAB.client.address6})\nanswers: ${JSON.stringify(spread)}\n`);
    const clientAddresses = [...new Set(answers.filter((a) => !a.startsWith('error')).map((a) => a.split(' ')[1]!))];
    out(`client address seen by the pods: ${clientAddresses.join(', ')}\n`);

    const cut = LAB.nodes[2]!;
    inNs(LAB.hub, 'ip', ['link', 'set', `p-${cut.name}`, 'down']);
    let afterCut: Record<string, number>;
    try {
      await waitForRoute(LAB.router.ns, `${vip}/128`, all6.filter((a) => a !== cut.address6));
      afterCut = tally(fromClient(`[${vip}]`, 10));
      out(`${cut.name}'s link cut; the router's next hops for ${vip}: ${hops6().join(', ')}; answers after the cut: ${JSON.stringify(afterCut)}\n`);
    } finally {
      inNs(LAB.hub, 'ip', ['link', 'set', `p-${cut.name}`, 'up']);
    }
    await waitForRoute(LAB.router.ns, `${vip}/128`, all6);

    out(`\n### IPv6 one-arm: a client on the nodes' segment (${LAN_CLIENT.address6}), the router its gateway\n`);
    addLanClient();
    let lanSpread: Record<string, number>;
    let redirectsSent: number;
    let redirectsDropped: number;
    try {
      const [s0, d0] = [icmp6Counter(LAB.router.ns, 'Icmp6OutRedirects'), dropped()];
      lanSpread = tally(JSON.parse(inNs(LAN_CLIENT.ns, process.execPath, [HTTP_GET, `http://[${vip}]/`, String(requests)])) as string[]);
      [redirectsSent, redirectsDropped] = [icmp6Counter(LAB.router.ns, 'Icmp6OutRedirects') - s0, dropped() - d0];
      out(`answers: ${JSON.stringify(lanSpread)}\nICMPv6 Redirects sent by k8s-rtr (Icmp6OutRedirects): ${redirectsSent}; dropped by its nft table: ${redirectsDropped}\n`);
      out(`$ ip -6 route get ${vip}   # on ${LAN_CLIENT.name}\n${inNs(LAN_CLIENT.ns, 'ip', ['-6', 'route', 'get', vip])}`);
    } finally {
      removeNamespace(LAN_CLIENT.ns);
    }
    return { nexthops, spread, clientAddresses, afterCut, lanSpread, redirectsSent, redirectsDropped };
  } finally {
    writeCluster(SEED_SERVICES);
    await waitForRoute(LAB.router.ns, `${vip}/128`, []);
  }
}
