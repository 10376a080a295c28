/**
 * The seed's experiments replayed on the lab, each printing what the seed printed (`ip route` on the
 * router, `vipgate show bgp summary`, `vipgate show ip bgp`, answers seen by the client) and returning its
 * figures so that the integration tests can assert them.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { LAB, LAB_BFD, LAB_DIR, ROUTER1, SEED_SERVICES, UPSTREAM_SOCKET, upstreamBirdConfig, type LabNode, type LabService } from './topology.js';
import {
  agentPid, fromClient, routeHops, routesOn, startNodeAgent, vipgate, waitForPeers, waitForRoute, writeCluster, type NextHop, type Out,
} from './lab.js';
import { duringStream, streamLine, type FailureRun, type StreamFigures } from './measure.js';
import { birdProbe, labProgram, startDaemon } from './daemons.js';
import { inNs, ipBatch } from './ns.js';
import { tally } from './tally.js';
import type { KernelRouteView } from '../control/views.js';

export interface EcmpResult {
  /** VIP → next hops in the router's kernel. */
  readonly nexthops: Record<string, string[]>;
  /** VIP → node name → answers. */
  readonly spread: Record<string, Record<string, number>>;
  /** Client addresses the nodes saw. */
  readonly clientAddresses: string[];
}

/** The router kernel's next hops for a /32, with their weights. */
const kernelHops = (vip: string): NextHop[] => routeHops(LAB.router.ns, `${vip}/32`);

export function kernelNexthops(vip: string): string[] {
  return kernelHops(vip).map((h) => h.gateway);
}

/** Wait (bounded) until the router's kernel has exactly these next hops for `vip`. */
const waitForHops = (vip: string, gateways: readonly string[]): Promise<void> => waitForRoute(LAB.router.ns, `${vip}/32`, gateways);

export function ecmp(out: Out, requests = 30): EcmpResult {
  out('\n### ECMP: three Service IPs, three next hops each (seed 3.2)\n\n$ ip route   # on k8s-rtr\n');
  out(routesOn(LAB.router.ns));
  out('\n$ vipgate show bgp summary\n');
  out(vipgate(['show', 'bgp', 'summary']));
  out('\n$ vipgate show ip bgp\n');
  out(vipgate(['show', 'ip', 'bgp']));
  const nexthops: Record<string, string[]> = {};
  const spread: Record<string, Record<string, number>> = {};
  const clients = new Set<string>();
  for (const vip of LAB.vips) {
    nexthops[vip] = kernelNexthops(vip);
    const answers = fromClient(vip, requests);
    spread[vip] = tally(answers);
    for (const a of answers) if (!a.startsWith('error')) clients.add(a.split(' ')[1]!);
    out(`\n$ for i in $(seq ${requests}); do curl -s ${vip}; done | sort | uniq -c   # on k8s-pc\n`);
    for (const [node, n] of Object.entries(spread[vip]!)) out(`${String(n).padStart(6)} ${node}\n`);
  }
  return { nexthops, spread, clientAddresses: [...clients] };
}

export interface FailoverPhase extends StreamFigures {
  /** The router kernel's next hops for the VIP once converged. */
  readonly nexthopsAfter: string[];
}

export interface FailoverResult {
  readonly node: string;
  /** The agent stopped (SIGTERM): detection = its session left Established, convergence = its next hop left. */
  readonly orderly: FailoverPhase;
  /** The node's link cut: detection = the router's BFD session with it left Up, convergence as above. */
  readonly hard: FailoverPhase;
}

/** The time (ms since 1970) of the router's first log message starting with `msg` at or after `after`. */
export function routerLogged(msg: string, after: number): number | undefined {
  for (const line of readFileSync(`${LAB_DIR}/${ROUTER1.name}.log`, 'utf8').split('\n')) {
    if (!line.includes(msg)) continue;
    try {
      const e = JSON.parse(line) as { time?: string; msg?: string };
      const at = Date.parse(e.time ?? '');
      if (e.msg?.startsWith(msg) && at >= after) return at;
    } catch { /* not a log record */ }
  }
  return undefined;
}

/** One failure of `n` under the client's stream: the router's kernel route after it, and the figures. */
async function nodeFailure(out: Out, n: LabNode, run: Omit<FailureRun, 'clientNs' | 'vip' | 'converged' | 'kernelNs'>): Promise<FailoverPhase> {
  const vip = LAB.vips[0];
  const f = await duringStream({ ...run, clientNs: LAB.client.ns, vip, converged: () => !kernelNexthops(vip).includes(n.address), kernelNs: LAB.router.ns });
  out(`$ ip route show ${vip}   # on k8s-rtr, ${f.convergenceMs} ms after the failure\n`);
  out(inNs(LAB.router.ns, 'ip', ['route', 'show', `${vip}/32`]));
  out(streamLine(f, vip));
  return { ...f, nexthopsAfter: kernelNexthops(vip) };
}

/** Bring the node back and wait (bounded) until the router spreads over every node again. */
async function nodeBack(out: Out, n: LabNode, what: string): Promise<void> {
  await waitForPeers([n.address]);
  await waitForHops(LAB.vips[0], LAB.nodes.map((x) => x.address));
  out(`${what}; ${LAB.vips[0]} has all three next hops again\n`);
}

/**
 * Seed 3.3. Orderly reboot of a node: its agent stops (RFC 8326 GRACEFUL_SHUTDOWN, a drain, then a
 * withdraw and Cease) while the client streams requests; then a hard failure: the node's link is cut, so
 * nothing is said and the router's BFD (100 ms x 3 with every agent) must notice. Each prints detection
 * and convergence times and the lost requests.
 */
export async function failover(out: Out, node = 'k8s-w2'): Promise<FailoverResult> {
  const n = LAB.nodes.find((x) => x.name === node)!;
  out(`\n### Failover: orderly stop of ${node} (its agent drains with GRACEFUL_SHUTDOWN, then withdraws; seed 3.3)\n`);
  const pid = agentPid(n);
  if (pid === undefined) throw new Error(`no agent running on ${node}`);
  const orderly = await nodeFailure(out, n, {
    fail: () => process.kill(pid, 'SIGTERM'), requests: 1600, watchMs: 15_000,
    detectedAt: (t0) => routerLogged(`peer ${n.address} down`, t0),
  });
  out(`router: next hop gone after ${orderly.convergenceMs} ms, session closed after ${orderly.detectionMs} ms\n`);
  await startNodeAgent(n);
  await nodeBack(out, n, `${node}'s agent started again (log: ${LAB_DIR}/${node}.log)`);

  const port = `p-${n.name}`;
  out(`\n### Failover: ${node} fails hard (its link cut: no Cease; BFD ${LAB_BFD.minTx} ms x ${LAB_BFD.multiplier} with every agent)\n`);
  const cut = ipBatch(LAB.hub);
  const hard = await nodeFailure(out, n, {
    fail: () => cut.run(`link set ${port} down`),
    detectedAt: (t0) => routerLogged(`BFD session with ${n.address} down`, t0),
  });
  await cut.close();
  out(`router: BFD down after ${hard.detectionMs} ms, next hop gone after ${hard.convergenceMs} ms\n`);
  inNs(LAB.hub, 'ip', ['link', 'set', port, 'up']);
  await nodeBack(out, n, `${node}'s link is up again`);
  return { node, orderly, hard };
}

export interface UpstreamResult {
  /** Prefixes the client side's router learned from vipgate. */
  readonly learned: string[];
}

/**
 * The client side learns the Service IPs over BGP: BIRD on k8s-pc peers with the router, which exports its
 * network and the pool aggregate (summary-only, the seed's "축약 대역 전파"), not the /32s.
 */
export async function upstream(out: Out): Promise<UpstreamResult> {
  out(`\n### Upstream: the client side's router learns the Service pool over BGP\n`);
  const conf = `${LAB_DIR}/upstream-bird.conf`;
  writeFileSync(conf, upstreamBirdConfig());
  await startDaemon({
    name: 'the client side\'s BIRD', ns: LAB.client.ns, program: 'bird', log: `${LAB_DIR}/upstream-bird.log`, probe: birdProbe(UPSTREAM_SOCKET),
    args: ['-f', '-c', conf, '-s', UPSTREAM_SOCKET, '-P', `${LAB_DIR}/upstream-bird.pid`],
  });
  let learned: string[] = [];
  for (let i = 0; i < 150 && !learned.includes(`${LAB.pool}`); i++) {
    await new Promise((r) => setTimeout(r, 200));
    try {
      const text = execFileSync(labProgram('birdc'), ['-s', UPSTREAM_SOCKET, 'show', 'route', 'protocol', 'vipgate'], { encoding: 'utf8', timeout: 5000 });
      learned = [...text.matchAll(/^(\d+\.\d+\.\d+\.\d+\/\d+)/gm)].map((m) => m[1]!);
    } catch { /* BIRD still starting */ }
  }
  out('$ birdc show route   # on the client side\n');
  out(execFileSync(labProgram('birdc'), ['-s', UPSTREAM_SOCKET, 'show', 'route'], { encoding: 'utf8', timeout: 5000 }));
  out('\n$ ip route   # on k8s-pc\n');
  out(routesOn(LAB.client.ns));
  return { learned: learned.sort() };
}

export interface LocalResult {
  /** Next hops (with weights) of the Service with one pod on k8s-w1, then with 2 pods there and 1 on k8s-w2. */
  readonly onePod: { gateway: string; weight: number }[];
  readonly weighted: { gateway: string; weight: number }[];
  readonly onePodSpread: Record<string, number>;
  readonly weightedSpread: Record<string, number>;
  /** Per gateway of the weighted route: weight over the weights, and the router's counted packets over all. */
  readonly intendedShare: Record<string, number>;
  readonly measuredShare: Record<string, number>;
  readonly clientAddresses: string[];
}

/** The router's packet counters per next hop of `vip` (`vipgate show routes --json`). */
function measuredPackets(vip: string): Map<string, number> {
  const routes = JSON.parse(vipgate(['show', 'routes', '--json'])) as KernelRouteView[];
  const r = routes.find((x) => x.prefix === `${vip}/32`);
  return new Map((r?.nexthops ?? []).map((h) => [h.gateway, h.packets ?? 0]));
}

/**
 * Intended (weights) and measured (packets the router counted since `before`) shares of a route's next hops;
 * waits (bounded) until the counters have at least 4 packets a request (the router reads them at most twice
 * a second).
 */
async function splitShares(hops: readonly NextHop[], before: Map<string, number>, now: () => Map<string, number>, requests: number):
Promise<{ intended: Record<string, number>; measured: Record<string, number>; lines: string }> {
  const delta = (): Map<string, number> => {
    const n = now();
    return new Map(hops.map((h) => [h.gateway, (n.get(h.gateway) ?? 0) - (before.get(h.gateway) ?? 0)]));
  };
  let d = delta();
  const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
  for (let i = 0; i < 40 && sum(d) < requests * 4; i++) { await new Promise((r) => setTimeout(r, 100)); d = delta(); }
  const weights = hops.reduce((a, h) => a + h.weight, 0);
  const total = sum(d);
  const intended = Object.fromEntries(hops.map((h) => [h.gateway, h.weight / weights]));
  const measured = Object.fromEntries(hops.map((h) => [h.gateway, total > 0 ? d.get(h.gateway)! / total : 0]));
  const pct = (x: number): string => `${Math.round(x * 100)}%`;
  const lines = hops.map((h) => `  ${h.gateway}: weight ${h.weight}, intended ${pct(intended[h.gateway]!)}, measured ${pct(measured[h.gateway]!)} (${d.get(h.gateway)} packets)\n`).join('');
  return { intended, measured, lines };
}

const withService = (name: string, change: Partial<LabService>): LabService[] =>
  SEED_SERVICES.map((s) => (s.name === name ? { ...s, ...change } : s));

/**
 * externalTrafficPolicy: Local (seed 3.4): only nodes with a ready pod announce, so the client's address is
 * kept; with two pods on one node and one on another, the link-bandwidth community makes the router weight
 * its next hops 2:1 (the imbalance the seed warns about, fixed without pod anti-affinity).
 */
export async function local(out: Out, requests = 30): Promise<LocalResult> {
  const vip = LAB.vips[1];
  const [, w1, w2] = LAB.nodes;
  out(`\n### externalTrafficPolicy: Local for ${vip}\n\none pod, on ${w1!.name}:\n`);
  writeCluster(withService('svc2', { policy: 'Local', pods: { [w1!.name]: 1 } }));
  await waitForHops(vip, [w1!.address]);
  const onePod = kernelHops(vip);
  out(`$ ip route show ${vip}   # on k8s-rtr\n${inNs(LAB.router.ns, 'ip', ['route', 'show', `${vip}/32`])}`);
  const a1 = fromClient(vip, requests);
  out(`client: ${JSON.stringify(tally(a1))}, client address seen by the pod: ${[...new Set(a1.map((a) => a.split(' ')[1]))].join(', ')}\n`);

  out(`\ntwo pods on ${w1!.name}, one on ${w2!.name}: the router weights by local endpoints\n`);
  writeCluster(withService('svc2', { policy: 'Local', pods: { [w1!.name]: 2, [w2!.name]: 1 } }));
  await waitForHops(vip, [w1!.address, w2!.address]);
  for (let i = 0; i < 100 && new Set(kernelHops(vip).map((h) => h.weight)).size < 2; i++) await new Promise((r) => setTimeout(r, 50));
  const weighted = kernelHops(vip);
  out(`$ ip route show ${vip}   # on k8s-rtr\n${inNs(LAB.router.ns, 'ip', ['route', 'show', `${vip}/32`])}`);
  const counted = (): Map<string, number> => measuredPackets(vip);
  const c0 = counted();
  const a2 = fromClient(vip, requests);
  out(`client: ${JSON.stringify(tally(a2))}\n`);
  const split = await splitShares(weighted, c0, counted, requests);
  out(`$ vipgate show routes   # on k8s-rtr, ${vip}'s split over these ${requests} requests\n${split.lines}`);
  writeCluster(SEED_SERVICES);
  await waitForHops(vip, LAB.nodes.map((n) => n.address));
  return {
    onePod, weighted, onePodSpread: tally(a1), weightedSpread: tally(a2), intendedShare: split.intended, measuredShare: split.measured,
    clientAddresses: [...new Set([...a1, ...a2].filter((a) => !a.startsWith('error')).map((a) => a.split(' ')[1]!))],
  };
}

/** The seed's ExternalIP Service (4.1): spec.externalIPs on a ClusterIP Service, announced like a VIP. */
export async function externalIp(out: Out): Promise<{ nexthops: string[]; spread: Record<string, number> }> {
  const ip = LAB.externalIp;
  out(`\n### ExternalIP Service: spec.externalIPs [${ip}]\n`);
  writeCluster([...SEED_SERVICES, { name: 'ext', ip, policy: 'Cluster', externalIP: true, pods: { [LAB.nodes[0]!.name]: 1 } }]);
  await waitForHops(ip, LAB.nodes.map((n) => n.address));
  out(`$ ip route show ${ip}   # on k8s-rtr\n${inNs(LAB.router.ns, 'ip', ['route', 'show', `${ip}/32`])}`);
  const spread = tally(fromClient(ip, 20));
  out(`client: ${JSON.stringify(spread)}\n`);
  const nexthops = kernelNexthops(ip);
  writeCluster(SEED_SERVICES);
  await waitForHops(ip, []);
  return { nexthops, spread };
}
