/**
 * `vipgate lab up|down|status|demo`: the seed's study lab in network namespaces on this machine, with
 * the real vipgate router, a BGP speaker and an HTTP "pod" per node, and a client behind the router.
 * `down` removes everything with the lab's name prefix, so it also cleans up after a crash.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { request } from '../control/client.js';
import type { BgpSummary } from '../control/views.js';
import { addLink, addNamespace, inNs, labNamespaces, removeNamespace, startDetached } from './ns.js';
import { agentConfig, clusterManifests, LAB, LAB_DIR, ROUTER_SOCKET, routerConfig, SEED_SERVICES, type LabNode, type LabService } from './topology.js';

export type Out = (s: string) => void;

const CLI = fileURLToPath(new URL('../../bin/vipgate.js', import.meta.url));
const HTTP_ECHO = fileURLToPath(new URL('./http-echo.js', import.meta.url));
const HTTP_GET = fileURLToPath(new URL('./http-get.js', import.meta.url));

function sysctl(ns: string, settings: Record<string, string>): void {
  for (const [k, v] of Object.entries(settings)) inNs(ns, 'sysctl', ['-qw', `${k}=${v}`]);
}

export const CLUSTER_FILE = `${LAB_DIR}/cluster.yaml`;

/** The node's `vipgate agent`, watching the lab's cluster file. */
export function startNodeAgent(node: LabNode): number {
  return startDetached(node.ns, process.execPath, [
    CLI, 'agent', '--source', `file:${CLUSTER_FILE}`, '--config', `${LAB_DIR}/agent.yaml`, '--node', node.name,
    '--socket', `${LAB_DIR}/${node.name}.sock`,
  ], `${LAB_DIR}/${node.name}.log`);
}

/** Replace the cluster file in one rename, so that the agents never read half of it. */
export function writeCluster(services: readonly LabService[]): void {
  writeFileSync(`${CLUSTER_FILE}.tmp`, clusterManifests(services));
  renameSync(`${CLUSTER_FILE}.tmp`, CLUSTER_FILE);
}

export async function labUp(out: Out): Promise<void> {
  if (labNamespaces().length > 0) throw new Error('the lab is already up (vipgate lab down removes it)');
  mkdirSync(LAB_DIR, { recursive: true });
  const { router, client, hub, nodes } = LAB;
  for (const ns of [hub, router.ns, client.ns, ...nodes.map((n) => n.ns)]) addNamespace(ns);
  inNs(hub, 'ip', ['link', 'add', 'br0', 'type', 'bridge']);
  inNs(hub, 'ip', ['link', 'set', 'br0', 'up']);
  const toHub = (ns: string, dev: string, port: string, addrs: readonly string[]): void => {
    addLink(ns, dev, addrs, hub, port, []);
    inNs(hub, 'ip', ['link', 'set', port, 'master', 'br0']);
  };
  toHub(router.ns, 'lan0', 'p-rtr', [`${router.lan}/24`]);
  addLink(router.ns, 'pc0', [`${router.client}/24`], client.ns, 'eth0', [`${client.address}/24`]);
  inNs(client.ns, 'ip', ['route', 'add', 'default', 'via', router.client]);
  // L4 hashing so that one client's flows spread over the next hops; loose reverse-path filtering
  sysctl(router.ns, { 'net.ipv4.ip_forward': '1', 'net.ipv4.fib_multipath_hash_policy': '1', 'net.ipv4.conf.all.rp_filter': '2', 'net.ipv4.conf.default.rp_filter': '2' });
  writeFileSync(`${LAB_DIR}/router.yaml`, routerConfig());
  writeFileSync(`${LAB_DIR}/agent.yaml`, agentConfig());
  writeCluster(SEED_SERVICES);
  startDetached(router.ns, process.execPath, [CLI, 'router', '--config', `${LAB_DIR}/router.yaml`, '--socket', ROUTER_SOCKET], `${LAB_DIR}/router.log`);
  for (const n of nodes) {
    toHub(n.ns, 'eth0', `p-${n.name}`, [`${n.address}/24`]);
    inNs(n.ns, 'ip', ['route', 'add', 'default', 'via', router.lan]);
    // what kube-proxy does on a real node: the Service addresses are local, so the node's "pod" answers
    for (const vip of [...LAB.vips, LAB.externalIp]) inNs(n.ns, 'ip', ['addr', 'add', `${vip}/32`, 'dev', 'lo']);
    startDetached(n.ns, process.execPath, [HTTP_ECHO, n.name, '80'], `${LAB_DIR}/${n.name}-http.log`);
    startNodeAgent(n);
  }
  out(`lab up: router ${router.lan} (AS ${router.asn}), agents on nodes ${nodes.map((n) => `${n.name} ${n.address}`).join(', ')} (AS ${LAB.nodeAsn}), client ${client.address}\n`);
  await waitForSessions(nodes.length);
  out(`${nodes.length} BGP sessions established; logs and configs in ${LAB_DIR}\n`);
}

async function summary(): Promise<BgpSummary> {
  return await request(ROUTER_SOCKET, 'show bgp summary', {}, 3000) as BgpSummary;
}

/** Wait (bounded) until `count` node sessions are Established. */
export async function waitForSessions(count: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer from the router';
  for (let i = 0; i < 300 && Date.now() < deadline; i++) {
    try {
      const up = (await summary()).peers.filter((p) => p.state === 'Established').length;
      if (up === count) return;
      last = `${up} of ${count} sessions established`;
    } catch (e) { last = e instanceof Error ? e.message : String(e); }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${count} BGP sessions: ${last} (see ${LAB_DIR}/router.log)`);
}

export function labDown(out: Out): void {
  const spaces = labNamespaces();
  // the router first, so that it closes its sessions before the nodes go
  for (const ns of spaces.sort((a, b) => Number(b === LAB.router.ns) - Number(a === LAB.router.ns))) removeNamespace(ns);
  rmSync(LAB_DIR, { recursive: true, force: true });
  out(spaces.length ? `lab down: removed ${spaces.length} namespaces\n` : 'lab down: nothing to remove\n');
}

export async function labStatus(out: Out): Promise<number> {
  const spaces = labNamespaces();
  if (spaces.length === 0) { out('lab: down\n'); return 1; }
  out(`lab: ${spaces.length} namespaces (${spaces.join(', ')})\n`);
  out(vipgate(['show', 'bgp', 'summary']));
  return 0;
}

/** Run the vipgate CLI against the lab router and return what it printed (what a user would type). */
export function vipgate(args: readonly string[]): string {
  return execFileSync(process.execPath, [CLI, ...args, '--socket', ROUTER_SOCKET], { encoding: 'utf8', timeout: 10_000 });
}

/** `ip route` on a lab host, as the seed prints `ip -c route`. */
export function routesOn(ns: string): string {
  return inNs(ns, 'ip', ['route']);
}

/** COUNT requests from the client to http://VIP/, answers "node client-address". */
export function fromClient(vip: string, count: number): string[] {
  return JSON.parse(inNs(LAB.client.ns, process.execPath, [HTTP_GET, `http://${vip}/`, String(count)])) as string[];
}

