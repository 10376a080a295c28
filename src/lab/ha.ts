/**
 * `vipgate lab ha`: a site with two vipgate routers. A second router (k8s-rtr2, 192.168.10.253) joins the
 * node segment, every agent peers with both, and both routers have an uplink to a transit segment where
 * the upstream router (BIRD, AS 65000) learns the pool from each over eBGP and installs one ECMP route
 * (`merge paths`), with BFD (100 ms x 3) on both sessions. The nodes' default gateway is a VRRP address
 * of the two routers (keepalived, k8s-rtr the master), and each router's route to the outside has a
 * fallback through the other router over the node segment, so replies survive a lost uplink too.
 * An outside client behind the upstream router sends a bounded UDP request stream to a Service IP while a
 * router fails: an orderly stop (SIGTERM: Cease, the upstream drops the path at once), a cut uplink
 * (nothing is said: BFD finds it) and k8s-rtr lost as a whole box (BFD at the upstream, VRRP for the way
 * back). Each prints the requests lost, when the upstream noticed (its session left Established) and when
 * its kernel route lost the path (measure.ts). The HA pieces stay up until `vipgate lab down`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import {
  agentPid, routeHops, routerSysctls, sleepUntil, startNodeAgent, startRouter, stopProcess, vipgate, waitForPeers, waitForRoute, type Out,
} from './lab.js';
import { duringStream, kernelEvents, streamLine, type StreamFigures } from './measure.js';
import { birdProbe, labProgram, pidFileProbe, startDaemon } from './daemons.js';
import { addBridgePort, addLink, addNamespace, inNs, ipBatch, labNamespaces, processesWith } from './ns.js';
import { agentConfig, HA, haBirdConfig, keepalivedConfig, LAB, LAB_BFD, LAB_DIR, ROUTER_SOCKET, ROUTER1, type RouterRole } from './topology.js';

const ROUTER2: RouterRole = { name: HA.router2.name, lan: HA.router2.lan, ha: true };
const bfdText = `${LAB_BFD.minTx} ms x ${LAB_BFD.multiplier}`;

/** Detection: the upstream's session with that router left Established; convergence: its kernel route lost it. */
export interface HaFailure extends StreamFigures {
  readonly what: string;
  /** Milliseconds until the other router held the nodes' gateway (the whole-box failure). */
  readonly gatewayMovedMs?: number;
}

/** k8s-rtr's interfaces: the node segment, the uplink, the client segment. */
const ROUTER1_LINKS = ['lan0', 'up0', 'pc0'] as const;

export interface HaResult {
  /** The upstream kernel's next hops for the pool before the failures. */
  readonly paths: string[];
  readonly failures: HaFailure[];
}

/** Each router reaches the outside over its uplink, or else (metric 100) through the other router. */
function outsideRoutes(): void {
  for (const [ns, other] of [[LAB.router.ns, HA.router2.lan], [HA.router2.ns, LAB.router.lan]] as const) {
    inNs(ns, 'ip', ['route', 'replace', HA.outside.net, 'via', HA.upstream.transit, 'metric', '10']);
    inNs(ns, 'ip', ['route', 'replace', HA.outside.net, 'via', other, 'metric', '100']);
  }
}

function birdc(...args: string[]): string {
  return execFileSync(labProgram('birdc'), ['-s', HA.upstream.socket, ...args], { encoding: 'utf8', timeout: 5000 });
}

const upstreamPaths = (): string[] => routeHops(HA.upstream.ns, LAB.pool).map((h) => h.gateway);
/** When BIRD's session `protocol` left Established at or after `t0` (ms since 1970), from its log. */
function sessionDownAt(protocol: string, t0: number): number | undefined {
  // "2026-11-26 14:02:41.179 <TRACE> rtr2: State changed to stop", in local time like Date.parse without a zone
  const log = readFileSync(`${LAB_DIR}/ha-bird.log`, 'utf8');
  for (const m of log.matchAll(new RegExp(`^(\\S+) (\\S+) <TRACE> ${protocol}: State changed to stop$`, 'gm'))) {
    const at = Date.parse(`${m[1]}T${m[2]}`);
    if (at >= t0) return at;
  }
  return undefined;
}

/** Wait (bounded) until the upstream's kernel spreads the pool over exactly these uplinks. */
const waitForPaths = (uplinks: readonly string[]): Promise<void> => waitForRoute(HA.upstream.ns, LAB.pool, uplinks);

const hasGateway = (ns: string): boolean => inNs(ns, 'ip', ['-4', 'addr', 'show', 'dev', 'lan0']).includes(` ${HA.gateway}/`);

/** Wait (bounded) until the router in `ns` holds the nodes' gateway address (VRRP master). */
async function waitForGateway(ns: string): Promise<void> {
  if (!await sleepUntil(() => hasGateway(ns), 15_000)) throw new Error(`${ns} did not become the VRRP master for ${HA.gateway} (see ${LAB_DIR}/keepalived-*.log)`);
}

/** Build the HA half next to the running lab (once): the second router, uplinks, upstream BIRD, outside client. */
async function haUp(out: Out): Promise<void> {
  if (labNamespaces().length === 0) throw new Error('the lab is down (vipgate lab up first)');
  const { router2, upstream, outside } = HA;
  if (!labNamespaces().includes(upstream.ns)) {
    const hub = LAB.hub;
    for (const ns of [router2.ns, upstream.ns, outside.ns]) addNamespace(ns);
    inNs(hub, 'ip', ['link', 'add', 'br1', 'type', 'bridge']);
    inNs(hub, 'ip', ['link', 'set', 'br1', 'up']);
    const toBridge = (ns: string, dev: string, port: string, bridge: string, addr: string): void => addBridgePort(hub, bridge, ns, dev, port, [`${addr}/24`]);
    toBridge(router2.ns, 'lan0', 'p-rtr2', 'br0', router2.lan);
    toBridge(LAB.router.ns, 'up0', 'u-rtr', 'br1', HA.router1Uplink);
    toBridge(router2.ns, 'up0', 'u-rtr2', 'br1', router2.uplink);
    toBridge(upstream.ns, 'tr0', 'u-up', 'br1', upstream.transit);
    addLink(upstream.ns, 'out0', [`${upstream.outside}/24`], outside.ns, 'eth0', [`${outside.address}/24`]);
    inNs(outside.ns, 'ip', ['route', 'add', 'default', 'via', upstream.outside]);
    for (const ns of [router2.ns, upstream.ns]) routerSysctls(ns);
    outsideRoutes();
    // k8s-rtr again with the upstream as a BFD neighbor; every agent again with both routers as peers
    writeFileSync(`${LAB_DIR}/agent.yaml`, agentConfig([LAB.router.lan, router2.lan]));
    const stops = [...processesWith([ROUTER_SOCKET]), ...LAB.nodes.map((n) => agentPid(n))].filter((p) => p !== undefined);
    await Promise.all(stops.map((p) => stopProcess(p)));
    await Promise.all([
      startRouter({ ...ROUTER1, ha: true }, LAB.router.ns, ROUTER_SOCKET), startRouter(ROUTER2, router2.ns, router2.socket),
      ...LAB.nodes.map((n) => startNodeAgent(n)),
    ]);
    // the nodes' gateway: a VRRP address of both routers, k8s-rtr the master
    for (const [ns, name, priority] of [[LAB.router.ns, ROUTER1.name, 150], [router2.ns, router2.name, 100]] as const) {
      writeFileSync(`${LAB_DIR}/keepalived-${name}.conf`, keepalivedConfig(priority));
      const pid = `${LAB_DIR}/keepalived-${name}.pid`;
      await startDaemon({
        name: `keepalived on ${name}`, ns, program: 'keepalived', log: `${LAB_DIR}/keepalived-${name}.log`, probe: pidFileProbe(pid),
        args: ['-n', '-l', '-P', '-f', `${LAB_DIR}/keepalived-${name}.conf`, '-p', pid, '-r', `${LAB_DIR}/keepalived-${name}-vrrp.pid`],
      });
    }
    await waitForGateway(LAB.router.ns);
    for (const n of LAB.nodes) inNs(n.ns, 'ip', ['route', 'replace', 'default', 'via', HA.gateway]);
    writeFileSync(`${LAB_DIR}/ha-bird.conf`, haBirdConfig());
    await startDaemon({
      name: 'the upstream BIRD', ns: upstream.ns, program: 'bird', log: `${LAB_DIR}/ha-bird.log`, probe: birdProbe(upstream.socket),
      args: ['-f', '-c', `${LAB_DIR}/ha-bird.conf`, '-s', upstream.socket, '-P', `${LAB_DIR}/ha-bird.pid`],
    });
  }
  const nodes = LAB.nodes.map((n) => n.address);
  await waitForPeers([...nodes, upstream.transit], ROUTER_SOCKET);
  await waitForPeers([...nodes, upstream.transit], router2.socket);
  await waitForPaths([HA.router1Uplink, router2.uplink]);
  out(`ha: ${ROUTER1.name} ${LAB.router.lan} and ${router2.name} ${router2.lan}, every agent peering with both; upstream BIRD ${upstream.transit} (AS ${LAB.upstreamAsn}) with BFD ${bfdText} to ${HA.router1Uplink} and ${router2.uplink}; outside client ${outside.address}\n`);
  out(`\n$ birdc show protocols   # on the upstream router\n${birdc('show', 'protocols')}`);
  await sleepUntil(() => (birdc('show', 'bfd', 'sessions').match(/\sUp\s/g) ?? []).length === 2, 10_000);
  out(`\n$ birdc show bfd sessions   # on the upstream router\n${birdc('show', 'bfd', 'sessions')}`);
  out(`\n$ ip route show ${LAB.pool}   # on the upstream router\n${inNs(upstream.ns, 'ip', ['route', 'show', LAB.pool])}`);
  out(`\n$ ip route show default   # on ${LAB.nodes[1]!.name}: the VRRP address, held by ${hasGateway(LAB.router.ns) ? ROUTER1.name : router2.name}\n${inNs(LAB.nodes[1]!.ns, 'ip', ['route', 'show', 'default'])}`);
  out(`\n$ vipgate show agent --socket ${LAB_DIR}/${LAB.nodes[1]!.name}.sock\n${vipgate(['show', 'agent'], `${LAB_DIR}/${LAB.nodes[1]!.name}.sock`)}`);
}

/** Fail one router in the middle of the outside client's stream; watch the upstream's session and route. */
async function measure(out: Out, what: string, protocol: string, uplink: string, fail: () => void): Promise<HaFailure> {
  out(`\n### HA: ${what}\n`);
  const f = await duringStream({
    clientNs: HA.outside.ns, vip: LAB.vips[0], fail,
    // converged: the upstream routes the pool through the other router only (not: no route at all)
    detectedAt: (t0) => sessionDownAt(protocol, t0), kernelNs: HA.upstream.ns,
    converged: () => { const paths = upstreamPaths(); return paths.length > 0 && !paths.includes(uplink); },
  });
  out(`$ ip route show ${LAB.pool}   # on the upstream router, after\n${inNs(HA.upstream.ns, 'ip', ['route', 'show', LAB.pool])}`);
  out(streamLine(f, LAB.vips[0]));
  out(`upstream: session down after ${f.detectionMs} ms, route converged after ${f.convergenceMs} ms\n`);
  return { what, ...f };
}

export async function ha(out: Out): Promise<HaResult> {
  await haUp(out);
  const paths = upstreamPaths();
  const both = [HA.router1Uplink, HA.router2.uplink];
  const failures: HaFailure[] = [];

  const rtr2 = processesWith([HA.router2.socket])[0];
  if (rtr2 === undefined) throw new Error(`${HA.router2.name}'s router is not running`);
  failures.push(await measure(out, `${HA.router2.name}'s vipgate router stops (SIGTERM: Cease to the upstream and the agents)`, 'rtr2', HA.router2.uplink,
    () => process.kill(rtr2, 'SIGTERM')));
  await sleepUntil(() => processesWith([HA.router2.socket]).length === 0, 15_000);
  await startRouter(ROUTER2, HA.router2.ns, HA.router2.socket);
  await waitForPaths(both);
  out(`${HA.router2.name} started again; the upstream spreads over both routers\n`);

  const cut = ipBatch(LAB.router.ns);
  failures.push(await measure(out, `${ROUTER1.name}'s uplink is cut (link down: no Cease, BFD ${bfdText} notices)`, 'rtr1', HA.router1Uplink,
    () => cut.run('link set up0 down')));
  await cut.close();
  inNs(LAB.router.ns, 'ip', ['link', 'set', 'up0', 'up']);
  outsideRoutes();
  await waitForPaths(both);
  out(`${ROUTER1.name}'s uplink is up again; the upstream spreads over both routers\n`);

  const box = ipBatch(LAB.router.ns);
  const gateway = kernelEvents(HA.router2.ns, ['address']);
  const dead = await measure(out, `${ROUTER1.name} fails as a whole box (every link down: BFD at the upstream, VRRP for the nodes' gateway)`, 'rtr1', HA.router1Uplink,
    () => { for (const dev of ROUTER1_LINKS) box.run(`link set ${dev} down`); });
  await box.close();
  const moved = (await gateway.stop()).find((e) => e.at >= dead.failedAt && e.text.includes(` ${HA.gateway}/`));
  out(`nodes' gateway ${HA.gateway}: on ${HA.router2.name} after ${moved ? moved.at - dead.failedAt : -1} ms (VRRP, adverts every 100 ms)\n`);
  failures.push({ ...dead, ...(moved ? { gatewayMovedMs: moved.at - dead.failedAt } : {}) });
  for (const dev of ROUTER1_LINKS) inNs(LAB.router.ns, 'ip', ['link', 'set', dev, 'up']);
  outsideRoutes();
  await waitForGateway(LAB.router.ns);
  await waitForPeers([...LAB.nodes.map((n) => n.address), HA.upstream.transit], ROUTER_SOCKET);
  await waitForPaths(both);
  await waitForRoute(LAB.router.ns, `${LAB.vips[0]}/32`, LAB.nodes.map((n) => n.address));
  out(`${ROUTER1.name} is back: the gateway, its sessions, its kernel routes; the upstream spreads over both routers\n`);
  return { paths, failures };
}
