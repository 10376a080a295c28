/**
 * `vipgate lab health` (issue 17: service health through each node): the lab's router checks every Service
 * IP of the pool through every node (serviceHealth, HTTP GET on port 80). Here one node's "pod" for one
 * Service IP stops answering: an nft table in that node's namespace rejects the Service IP's port 80 (TCP
 * with a reset, UDP with port unreachable), as a dead pod or a broken kube-proxy would, while its agent and
 * BGP session run on. The client streams UDP requests to that Service IP meanwhile; the router takes the node
 * out of that Service IP's group only (the other Service IPs keep all three nodes, the session stays), and
 * puts it back once the pod answers again. Detection is the router's log line, convergence the kernel's.
 */
import { nftApply, nftDeleteTable } from '../nft/nft.js';
import { inNs } from './ns.js';
import { LAB, LAB_HEALTH } from './topology.js';
import { duringStream, streamLine, type StreamFigures } from './measure.js';
import { vipgate, type Out } from './lab.js';
import { kernelNexthops, routerLogged, waitForHops } from './scenarios.js';

export interface HealthResult {
  readonly node: string;
  readonly vip: string;
  readonly broken: StreamFigures;
  /** Next hops of the other Service IPs while the pod was broken. */
  readonly others: Record<string, string[]>;
  /** The node's BGP session stayed Established throughout. */
  readonly sessionKept: boolean;
  /** Milliseconds from the pod answering again to the node back in the group. */
  readonly backMs: number;
}

const TABLE = 'vipgate-lab-pod';

/** The node's pod for `vip` stops answering on port 80 (true), or answers again (false). */
async function breakPod(ns: string, vip: string, broken: boolean): Promise<void> {
  if (!broken) { await nftDeleteTable('inet', TABLE, { netns: ns }); return; }
  await nftApply(`table inet ${TABLE} {
  chain input { type filter hook input priority 0; policy accept;
    ip daddr ${vip} tcp dport 80 reject with tcp reset
    ip daddr ${vip} udp dport 80 reject
  }
}
`, { netns: ns });
}

const established = (address: string): string | undefined =>
  (JSON.parse(vipgate(['show', 'bgp', 'summary', '--json'])) as { peers: { address: string; state: string; establishedCount: number }[] }).peers
    .filter((p) => p.address === address).map((p) => `${p.state}/${p.establishedCount}`)[0];

export async function health(out: Out, node = 'k8s-w2'): Promise<HealthResult> {
  const n = LAB.nodes.find((x) => x.name === node)!;
  const [vip, ...otherVips] = LAB.vips;
  out(`\n### Service health: ${node}'s pod for ${vip} stops answering (its BGP session stays up); checks: HTTP :80 every ${LAB_HEALTH.intervalMs} ms, out after ${LAB_HEALTH.fall} failed rounds\n`);
  await waitForHops(vip!, LAB.nodes.map((x) => x.address));
  const before = established(n.address);
  let others: Record<string, string[]> = {};
  const broken = await duringStream({
    clientNs: LAB.client.ns, vip: vip!, kernelNs: LAB.router.ns, requests: 800, watchMs: 15_000,
    fail: () => { void breakPod(n.ns, vip!, true); },
    detectedAt: (t0) => routerLogged(`service health: ${vip}/32 leaves next hop ${n.address}`, t0),
    converged: () => {
      const gone = !kernelNexthops(vip!).includes(n.address);
      if (gone) others = Object.fromEntries(otherVips.map((v) => [v, kernelNexthops(v)]));
      return gone;
    },
  });
  out(`$ ip route show ${vip}   # on k8s-rtr, ${broken.convergenceMs} ms after the pod stopped answering\n`);
  out(inNs(LAB.router.ns, 'ip', ['route', 'show', `${vip}/32`]));
  out(`$ vipgate show routes   # (the route named out)\n${vipgate(['show', 'routes']).split('\n').filter((l) => l.includes(vip!) || l.includes('out:')).join('\n')}\n`);
  out(streamLine(broken, vip!));
  out(`router: the check failed out ${broken.detectionMs} ms after the pod stopped, next hop gone after ${broken.convergenceMs} ms; `
    + `the other Service IPs: ${Object.entries(others).map(([v, h]) => `${v} via ${h.length} nodes`).join(', ')}\n`);
  const sessionKept = established(n.address) === before;
  out(`${node}'s BGP session: ${sessionKept ? 'kept' : 'reset'} (${before} -> ${established(n.address)})\n`);
  const t1 = Date.now();
  await breakPod(n.ns, vip!, false);
  await waitForHops(vip!, LAB.nodes.map((x) => x.address));
  const backMs = Date.now() - t1;
  out(`${node}'s pod answers again: back in ${vip}'s group after ${backMs} ms (${LAB_HEALTH.rise} passed rounds)\n`);
  return { node, vip: vip!, broken, others, sessionKept, backMs };
}
