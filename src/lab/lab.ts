/**
 * `vipgate lab up|down|status|demo`: the seed's study lab in network namespaces on this machine, with
 * the real vipgate router, a BGP speaker and an HTTP "pod" per node, a client behind the router, mosquitto
 * for the router's MQTT telemetry, and the router's web page forwarded to the host's loopback.
 * `down` removes everything with the lab's name prefix (and the forwarder found by its command line), so
 * it also cleans up after a crash.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { routerClient } from '../control/client.js';
import { routerNode } from '../telemetry/discovery.js';
import type { BgpSummary, NexthopView } from '../control/views.js';
import { applyShippedRedirects } from './box-sysctls.js';
import { agentProbe, alive, brokerProbe, routerProbe, startDaemon, type Probe } from './daemons.js';
import { addBridgePort, addLink, addNamespace, inNs, labNamespaces, processesWhere, processesWith, removeNamespace, signal, spawnDetached, startDetached } from './ns.js';
import {
  agentConfig, clusterManifests, LAB, LAB_DIR, mosquittoConfig, ROUTER_SOCKET, ROUTER1, routerConfig, SEED_SERVICES, TELEMETRY_SITE,
  WEB_PORT, WEB_URL, MQTT_URL, type LabNode, type LabService, type RouterRole,
} from './topology.js';

export type Out = (s: string) => void;

const CLI = fileURLToPath(new URL('../../bin/vipgate.js', import.meta.url));
const HTTP_ECHO = fileURLToPath(new URL('./http-echo.js', import.meta.url));
export const HTTP_GET = fileURLToPath(new URL('./http-get.js', import.meta.url));
const FORWARD = fileURLToPath(new URL('./forward.js', import.meta.url));
const MQTT_GET = fileURLToPath(new URL('./mqtt-get.js', import.meta.url));
/** The router's web page as a unix socket path, reachable from the root namespace. */
const WEB_SOCKET = `${LAB_DIR}/web.sock`;

/**
 * A router's namespace: forwarding, L4 hashing so that one client's flows spread over the next hops, loose
 * reverse-path filtering, and the box's shipped redirect settings (no ICMP redirects).
 */
export function routerSysctls(ns: string): void {
  for (const kv of ['net.ipv4.ip_forward=1', 'net.ipv4.fib_multipath_hash_policy=1', 'net.ipv4.conf.all.rp_filter=2', 'net.ipv4.conf.default.rp_filter=2', 'net.ipv6.conf.all.forwarding=1', 'net.ipv6.fib_multipath_hash_policy=1']) {
    inNs(ns, 'sysctl', ['-qw', kv]);
  }
  applyShippedRedirects(ns);
}

export const CLUSTER_FILE = `${LAB_DIR}/cluster.yaml`;

export const agentSocket = (node: LabNode): string => `${LAB_DIR}/${node.name}.sock`;

/** The node's `vipgate agent`, watching the lab's cluster file; resolves once its control socket answers. */
export async function startNodeAgent(node: LabNode): Promise<number> {
  return startDaemon({
    name: `${node.name}'s vipgate agent`, ns: node.ns, program: process.execPath, log: `${LAB_DIR}/${node.name}.log`,
    args: [CLI, 'agent', '--source', `file:${CLUSTER_FILE}`, '--config', `${LAB_DIR}/agent.yaml`, '--node', node.name, '--socket', agentSocket(node)],
    probe: agentProbe(agentSocket(node)),
  });
}

/** The pid of a node's agent (the process with that node's control socket). */
export function agentPid(node: LabNode): number | undefined {
  return processesWith([agentSocket(node)])[0];
}

/** Poll `done` every 50 ms until it holds or `timeoutMs` passed; whether it held. */
export async function sleepUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
    if (done()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return done();
}

/** SIGTERM to `pid`, then wait (bounded, 15 s: an agent drains for 5 s) until it is gone, else SIGKILL. */
export async function stopProcess(pid: number): Promise<void> {
  signal([pid], 'SIGTERM');
  if (!await sleepUntil(() => !alive(pid), 15_000)) signal([pid], 'SIGKILL');
}

/** A vipgate router in `ns` with the lab's configuration for `role`, its control socket at `socket`; resolves once that answers. */
export async function startRouter(role: RouterRole, ns: string, socket: string): Promise<number> {
  const config = `${LAB_DIR}/${role.name}.yaml`;
  writeFileSync(config, routerConfig(role));
  return startDaemon({
    name: `${role.name}'s vipgate router`, ns, program: process.execPath, log: `${LAB_DIR}/${role.name}.log`,
    args: [CLI, 'router', '--config', config, '--socket', socket], probe: routerProbe(socket),
  });
}

/** The lab's broker in the router's namespace; resolves once it answers MQTT. */
async function startBroker(): Promise<void> {
  writeFileSync(`${LAB_DIR}/mosquitto.conf`, mosquittoConfig());
  await startDaemon({
    name: 'mosquitto', ns: LAB.router.ns, program: 'mosquitto', args: ['-c', `${LAB_DIR}/mosquitto.conf`], log: `${LAB_DIR}/mosquitto.log`,
    probe: brokerProbe(LAB.router.ns, LAB.router.lan, 1883),
  });
}

/**
 * The web page on the host's loopback without touching a host interface: a forwarder in the router's
 * namespace from a unix socket path to the page, and one in the root namespace from 127.0.0.1:WEB_PORT to
 * that path.
 */
function startWebForwarders(): void {
  startDetached(LAB.router.ns, process.execPath, [FORWARD, WEB_SOCKET, '127.0.0.1:8080'], `${LAB_DIR}/web-forward.log`);
  spawnDetached(process.execPath, [FORWARD, `127.0.0.1:${WEB_PORT}`, WEB_SOCKET], `${LAB_DIR}/web-forward.log`);
}

/** The lab's forwarders, whichever copy of vipgate started them (the socket path is the lab's own). */
const webForwarders = (): number[] => processesWhere((argv) => argv.includes(WEB_SOCKET) && argv.some((a) => a.endsWith('/lab/forward.js')));

interface WebStatus { readonly summary: { readonly peers: readonly unknown[] }; readonly routes: readonly unknown[] }

async function webStatus(): Promise<WebStatus> {
  const res = await fetch(`${WEB_URL}api/status`, { signal: AbortSignal.timeout(3000) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return await res.json() as WebStatus;
}

/** Wait (bounded) until the router's page answers on the host's loopback. */
async function waitForWeb(timeoutMs = 20_000): Promise<WebStatus> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (let i = 0; i < 200 && Date.now() < deadline; i++) {
    try { return await webStatus(); } catch (e) { last = e instanceof Error ? e.message : String(e); }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the web page does not answer on ${WEB_URL}: ${last} (see ${LAB_DIR}/web-forward.log and ${LAB_DIR}/${ROUTER1.name}.log)`);
}

/** Replace the cluster file in one rename, so that the agents never read half of it. */
export function writeCluster(services: readonly LabService[]): void {
  writeFileSync(`${CLUSTER_FILE}.tmp`, clusterManifests(services));
  renameSync(`${CLUSTER_FILE}.tmp`, CLUSTER_FILE);
}

export async function labUp(out: Out): Promise<void> {
  if (labNamespaces().length > 0 || webForwarders().length > 0) throw new Error('the lab is already up (vipgate lab down removes it)');
  mkdirSync(LAB_DIR, { recursive: true });
  const { router, client, hub, nodes } = LAB;
  for (const ns of [hub, router.ns, client.ns, ...nodes.map((n) => n.ns)]) addNamespace(ns);
  inNs(hub, 'ip', ['link', 'add', 'br0', 'type', 'bridge']);
  inNs(hub, 'ip', ['link', 'set', 'br0', 'up']);
  const toHub = (ns: string, dev: string, port: string, addrs: readonly string[]): void => addBridgePort(hub, 'br0', ns, dev, port, addrs);
  toHub(router.ns, 'lan0', 'p-rtr', [`${router.lan}/24`, `${router.lan6}/64`]);
  addLink(router.ns, 'pc0', [`${router.client}/24`, `${router.client6}/64`], client.ns, 'eth0', [`${client.address}/24`, `${client.address6}/64`]);
  inNs(client.ns, 'ip', ['route', 'add', 'default', 'via', router.client]);
  inNs(client.ns, 'ip', ['-6', 'route', 'add', 'default', 'via', router.client6]);
  // L4 hashing so that one client's flows spread over the next hops; loose reverse-path filtering
  routerSysctls(router.ns);
  writeFileSync(`${LAB_DIR}/agent.yaml`, agentConfig());
  writeCluster(SEED_SERVICES);
  await startBroker();
  const routerUp = startRouter(ROUTER1, router.ns, ROUTER_SOCKET);
  startWebForwarders();
  for (const n of nodes) {
    toHub(n.ns, 'eth0', `p-${n.name}`, [`${n.address}/24`, `${n.address6}/64`]);
    inNs(n.ns, 'ip', ['route', 'add', 'default', 'via', router.lan]);
    inNs(n.ns, 'ip', ['-6', 'route', 'add', 'default', 'via', router.lan6]);
    // what kube-proxy does on a real node: the Service addresses are local, so the node's "pod" answers
    for (const vip of [...LAB.vips, LAB.externalIp]) inNs(n.ns, 'ip', ['addr', 'add', `${vip}/32`, 'dev', 'lo']);
    inNs(n.ns, 'ip', ['addr', 'add', `${LAB.vip6}/128`, 'dev', 'lo']);
    startDetached(n.ns, process.execPath, [HTTP_ECHO, n.name, '80'], `${LAB_DIR}/${n.name}-http.log`);
  }
  await Promise.all([routerUp, ...nodes.map((n) => startNodeAgent(n))]);
  out(`lab up: router ${router.lan} (AS ${router.asn}), agents on nodes ${nodes.map((n) => `${n.name} ${n.address}`).join(', ')} (AS ${LAB.nodeAsn}), client ${client.address}; IPv6 beside: fd00:10::/64, fd00:20::/64\n`);
  out(`mosquitto, the router and ${nodes.length} agents are running and answering\n`);
  await waitForPeers(nodes.map((n) => n.address));
  out(`${nodes.length} BGP sessions established; logs and configs in ${LAB_DIR}\n`);
  await waitForWeb();
  out(`${webLine()}\n${mqttLine()}\n`);
}

const webLine = (): string => `web status page: ${WEB_URL} (the router's page, forwarded from its namespace)`;
const mqttLine = (): string => `MQTT: mosquitto at ${MQTT_URL} in ${LAB.router.ns}, the routers and agents publish vipgate/${TELEMETRY_SITE}/#, Home Assistant discovery homeassistant/#`;

async function summary(socket: string): Promise<BgpSummary> {
  return await routerClient(socket).call('show bgp summary', {}, 3000);
}

/** Wait (bounded) until the sessions with `peers` of the router at `socket` are Established. */
export async function waitForPeers(peers: readonly string[], socket = ROUTER_SOCKET, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer from the router';
  for (let i = 0; i < 300 && Date.now() < deadline; i++) {
    try {
      const up = new Set((await summary(socket)).peers.filter((p) => p.state === 'Established').map((p) => p.address));
      const missing = peers.filter((p) => !up.has(p));
      if (missing.length === 0) return;
      last = `not established: ${missing.join(', ')}`;
    } catch (e) { last = e instanceof Error ? e.message : String(e); }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for BGP sessions on ${socket}: ${last} (see the router's log in ${LAB_DIR})`);
}

export function labDown(out: Out): void {
  const forwarders = webForwarders();
  signal(forwarders, 'SIGTERM');
  const spaces = labNamespaces();
  // the router first, so that it closes its sessions before the nodes go
  for (const ns of spaces.sort((a, b) => Number(b === LAB.router.ns) - Number(a === LAB.router.ns))) removeNamespace(ns);
  rmSync(LAB_DIR, { recursive: true, force: true });
  const removed = [
    ...(spaces.length ? [`removed ${spaces.length} namespaces`] : []),
    ...(forwarders.length ? [`stopped ${forwarders.length} web forwarder${forwarders.length === 1 ? '' : 's'}`] : []),
  ];
  out(`lab down: ${removed.length ? removed.join(', ') : 'nothing to remove'}\n`);
}

/** The lab's daemons and how each is asked whether it answers, for `lab status`. */
function labDaemons(): { name: string; probe: Probe }[] {
  return [
    { name: `${ROUTER1.name}'s vipgate router (${ROUTER_SOCKET})`, probe: routerProbe(ROUTER_SOCKET) },
    ...LAB.nodes.map((n) => ({ name: `${n.name}'s vipgate agent (${agentSocket(n)})`, probe: agentProbe(agentSocket(n)) })),
    { name: `mosquitto (${MQTT_URL})`, probe: brokerProbe(LAB.router.ns, LAB.router.lan, 1883) },
    { name: `web status page (${WEB_URL})`, probe: () => webStatus().then(() => undefined) },
  ];
}

/** Each daemon answering or dead, the router's summary and what the broker holds; 1 when any is dead. */
export async function labStatus(out: Out): Promise<number> {
  const spaces = labNamespaces();
  if (spaces.length === 0) { out('lab: down\n'); return 1; }
  out(`lab: ${spaces.length} namespaces (${spaces.join(', ')})\n`);
  let dead = 0;
  for (const d of labDaemons()) {
    const why = await d.probe().catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
    if (why !== undefined) dead++;
    out(`${d.name}: ${why === undefined ? 'answering' : `DEAD (${why.split('\n')[0]})`}\n`);
  }
  if (dead === 0) {
    out(vipgate(['show', 'bgp', 'summary']));
    const web = await webStatus();
    out(`${webLine()}: answering, ${web.summary.peers.length} peers, ${web.routes.length} routes\n`);
    out(`${mqttLine()}\n`);
  }
  // what the router and one node's agent keep retained on the broker, and what a Home Assistant would get
  const router = `vipgate/${TELEMETRY_SITE}/${ROUTER1.name}`;
  const ha = `homeassistant/sensor/${routerNode({ site: TELEMETRY_SITE, host: ROUTER1.name })}`;
  for (const topic of [`${router}/summary`, `vipgate/${TELEMETRY_SITE}/${LAB.nodes[1]!.name}/services/default_svc1`, `${router}/vips/${LAB.vips[0]}_32`, `${ha}/vip_${LAB.vips[0]!.replaceAll('.', '_')}_32_state/config`]) {
    try {
      out(`${topic}: ${inNs(LAB.router.ns, process.execPath, [MQTT_GET, LAB.router.lan, '1883', topic]).trim()}\n`);
    } catch (e) {
      out(`${topic}: no message (${e instanceof Error ? e.message.split('\n')[0] : String(e)})\n`);
    }
  }
  if (dead > 0) out(`lab: ${dead} of its daemons ${dead === 1 ? 'is' : 'are'} dead (logs in ${LAB_DIR})\n`);
  return dead > 0 ? 1 : 0;
}

/** Run the vipgate CLI against the lab router and return what it printed (what a user would type). */
export function vipgate(args: readonly string[], socket = ROUTER_SOCKET): string {
  return execFileSync(process.execPath, [CLI, ...args, '--socket', socket], { encoding: 'utf8', timeout: 10_000 });
}

/** `ip route` on a lab host, as the seed prints `ip -c route`. */
export function routesOn(ns: string): string {
  return inNs(ns, 'ip', ['route']);
}


/** The next hops of `prefix` in the kernel of namespace `ns`, sorted, with their weights. */
export function routeHops(ns: string, prefix: string): NexthopView[] {
  const routes = JSON.parse(inNs(ns, 'ip', [prefix.includes(':') ? '-6' : '-4', '-j', 'route', 'show', prefix])) as { gateway?: string; nexthops?: { gateway: string; weight?: number }[] }[];
  const r = routes.find((x) => x.gateway !== undefined || x.nexthops !== undefined);
  if (!r) return [];
  if (r.nexthops) return r.nexthops.map((n) => ({ gateway: n.gateway, weight: n.weight ?? 1 })).sort((a, b) => a.gateway.localeCompare(b.gateway));
  return [{ gateway: r.gateway!, weight: 1 }];
}

/** Wait (bounded) until `prefix` in the kernel of `ns` has exactly these next hops. */
export async function waitForRoute(ns: string, prefix: string, gateways: readonly string[], timeoutMs = 30_000): Promise<void> {
  const want = [...gateways].sort().join(',');
  const now = (): string => routeHops(ns, prefix).map((h) => h.gateway).sort().join(',');
  if (!await sleepUntil(() => now() === want, timeoutMs)) throw new Error(`timed out waiting for ${prefix} via ${want} in ${ns}; it has ${now() || 'nothing'} (logs in ${LAB_DIR})`);
}

/** COUNT requests from the client to http://VIP/, answers "node client-address". */
export function fromClient(vip: string, count: number): string[] {
  return JSON.parse(inNs(LAB.client.ns, process.execPath, [HTTP_GET, `http://${vip}/`, String(count)])) as string[];
}

