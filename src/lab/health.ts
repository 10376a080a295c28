/**
 * `vipgate lab health`: a node that keeps its BGP session but stops serving one Service. The router is
 * restarted with health checks of every Service IP through each node (LAB_HEALTH); then, under the client's
 * UDP stream to 172.20.1.1, k8s-w2 starts refusing that Service IP's port 80 (an nft reject rule in its
 * namespace, as broken kube-proxy rules for one Service would): the router's checks through k8s-w2 fail for
 * that route only and it leaves that route (detection, convergence and the requests lost meanwhile printed),
 * while 172.20.1.2 and .3 keep k8s-w2 and its session stays up; the rule removed, k8s-w2 comes back after the
 * configured passes. At the end the router is restarted as `lab up` made it.
 */
import { LAB, LAB_HEALTH, ROUTER1 } from './topology.js';
import { inNs, ip } from './ns.js';
import { vipgate, waitForRoute, type Out } from './lab.js';
import { duringStream, streamLine, type StreamFigures } from './measure.js';
import { restartRouter } from './flows.js';
import { kernelNexthops, routerLogged } from './scenarios.js';

export interface HealthResult extends StreamFigures {
  /** The other Service IPs' next hops once the broken one left 172.20.1.1. */
  readonly others: Record<string, string[]>;
  /** Milliseconds from the pod answering again to its next hop back. */
  readonly backMs: number;
}

const TABLE = 'inet vipgate-lab-broken';

export async function health(out: Out): Promise<HealthResult> {
  const vip = LAB.vips[0];
  const node = LAB.nodes[2]!;
  out(`\n### Health checks: ${node.name} stops serving ${vip} (its BGP session stays up)\n`);
  await restartRouter({ ...ROUTER1, healthChecks: true }, vip);
  out(`router restarted with healthChecks: port 80 of every Service IP through each node, every ${LAB_HEALTH.interval} s, out after ${LAB_HEALTH.fails} failures, back after ${LAB_HEALTH.passes} passes\n`);
  const broken = `table ${TABLE} {\n  chain input {\n    type filter hook input priority filter; policy accept;\n    ip daddr ${vip} meta l4proto { tcp, udp } th dport 80 reject\n  }\n}\n`;
  try {
    const f = await duringStream({
      clientNs: LAB.client.ns, vip, kernelNs: LAB.router.ns,
      fail: () => { ip(['netns', 'exec', node.ns, 'nft', '-f', '-'], broken); },
      detectedAt: (t0) => routerLogged(`health check of ${vip}/32 port 80 through ${node.address} failed`, t0),
      converged: () => !kernelNexthops(vip).includes(node.address),
    });
    out(`$ ip route show ${vip}   # on k8s-rtr, ${f.convergenceMs} ms after ${node.name} stopped serving it\n${inNs(LAB.router.ns, 'ip', ['route', 'show', `${vip}/32`])}`);
    out(streamLine(f, vip));
    out(`router: health check failed ${LAB_HEALTH.fails} times after ${f.detectionMs} ms, next hop out of ${vip} after ${f.convergenceMs} ms\n`);
    const others = Object.fromEntries(LAB.vips.slice(1).map((v) => [v, kernelNexthops(v)]));
    for (const [v, hops] of Object.entries(others)) out(`${v}: next hops ${hops.join(', ')}\n`);
    const peer = /^\*?192\.168\.10\.102\s.*$/m.exec(vipgate(['show', 'bgp', 'summary']))?.[0] ?? '';
    out(`${node.name}'s session: ${peer.replace(/\s+/g, ' ')}\n`);
    out(`\n$ vipgate show health\n${vipgate(['show', 'health'])}`);
    const t1 = Date.now();
    inNs(node.ns, 'nft', ['delete', 'table', ...TABLE.split(' ')]);
    await waitForRoute(LAB.router.ns, `${vip}/32`, LAB.nodes.map((n) => n.address));
    const backMs = Date.now() - t1;
    out(`${node.name} serves ${vip} again: its next hop back after ${backMs} ms (${LAB_HEALTH.passes} passes)\n`);
    return { ...f, others, backMs };
  } finally {
    try { inNs(node.ns, 'nft', ['delete', 'table', ...TABLE.split(' ')]); } catch { /* removed above */ }
    await restartRouter(ROUTER1, vip);
  }
}
