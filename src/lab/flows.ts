/**
 * `vipgate lab flows`: what a node leaving does to established connections on the nodes that stay. The
 * client k8s-pc holds long-lived TCP connections to a Service IP (tcp-flows.ts, to the nodes' line server),
 * spread by the router's ECMP over the three nodes; one node's link is cut, the router drops its next hop
 * (BFD), and every connection is asked again. Connections that were on the cut node break whatever the
 * group; those on the surviving nodes break only if the router now hashes them to another node (which
 * answers with a reset). Run twice, with the router restarted on plain hash-threshold groups
 * (fib.resilient: false) and then on resilient groups (the default), each node cut in turn.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LAB, ROUTER_SOCKET, ROUTER1, type RouterRole } from './topology.js';
import { inNs, processesWhere } from './ns.js';
import { routerClient } from '../control/client.js';
import { startRouter, stopProcess, waitForPeers, waitForRoute, type Out } from './lab.js';

const TCP_FLOWS = fileURLToPath(new URL('./tcp-flows.js', import.meta.url));
/** The nodes' line server (http-echo.ts: the HTTP port + 1). */
const FLOW_PORT = 81;

export type GroupKind = 'hash-threshold' | 'resilient';

export interface CutResult {
  readonly cut: string;
  /** Connections per node before the cut. */
  readonly before: Record<string, number>;
  /** Of the connections on the other nodes: how many there were, and how many broke. */
  readonly survivors: number;
  readonly survivorsBroken: number;
  /** Of the cut node's connections, how many broke (all, normally). */
  readonly cutBroken: number;
}

export interface FlowsResult { readonly kind: GroupKind; readonly groupType: string; readonly cuts: readonly CutResult[] }

/** The router kernel's nexthop group type for `vip` ("resilient", or "mpath" for hash-threshold). */
function groupType(vip: string): string {
  const [route] = JSON.parse(inNs(LAB.router.ns, 'ip', ['-j', 'route', 'show', `${vip}/32`])) as { nhid?: number }[];
  if (route?.nhid === undefined) return 'none';
  const [nh] = JSON.parse(inNs(LAB.router.ns, 'ip', ['-j', '-d', 'nexthop', 'show', 'id', String(route.nhid)])) as { type?: string }[];
  return nh?.type ?? 'mpath';
}

/** Restart the lab's router as `role` and wait until it routes `vip` over every node again, BFD up with each. */
export async function restartRouter(role: RouterRole, vip: string): Promise<void> {
  const pids = processesWhere((argv) => argv.includes('router') && argv.includes(ROUTER_SOCKET));
  for (const pid of pids) await stopProcess(pid);
  await startRouter(role, LAB.router.ns, ROUTER_SOCKET);
  await waitForPeers(LAB.nodes.map((n) => n.address));
  await waitForRoute(LAB.router.ns, `${vip}/32`, LAB.nodes.map((n) => n.address));
  await waitForBfd();
}

/** Wait (bounded, 60 s) until the router's BFD sessions with every node are Up: a cut is then noticed in 300 ms. */
async function waitForBfd(): Promise<void> {
  const up = async (): Promise<string[]> => {
    const v = await routerClient(ROUTER_SOCKET).call('show bfd', {}, 3000).catch(() => undefined);
    return (v?.sessions ?? []).filter((s) => s.state === 'Up').map((s) => s.peer);
  };
  const deadline = Date.now() + 60_000;
  for (let i = 0; i < 600 && Date.now() < deadline; i++) {
    const peers = await up();
    if (LAB.nodes.every((n) => peers.includes(n.address))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the router's BFD sessions with the nodes are not all Up after 60 s: ${(await up()).join(', ') || 'none'} (logs in /run/vipgate-lab)`);
}

/** Open `count` connections from the client, cut `node`'s link, ask every connection again. */
async function cutUnderFlows(vip: string, node: typeof LAB.nodes[number], count: number): Promise<CutResult> {
  const child = spawn('ip', ['netns', 'exec', LAB.client.ns, process.execPath, TCP_FLOWS, vip, String(FLOW_PORT), String(count)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const it = lines[Symbol.asyncIterator]();
  const next = async (): Promise<(string | null)[]> => {
    const r = await it.next();
    if (r.done) throw new Error('tcp-flows ended early');
    return JSON.parse(r.value) as (string | null)[];
  };
  const port = `p-${node.name}`;
  try {
    const before = await next();
    inNs(LAB.hub, 'ip', ['link', 'set', port, 'down']);
    await waitForRoute(LAB.router.ns, `${vip}/32`, LAB.nodes.filter((n) => n !== node).map((n) => n.address));
    child.stdin.write('check\n');
    const after = await next();
    const counts: Record<string, number> = {};
    for (const n of before) counts[n ?? 'none'] = (counts[n ?? 'none'] ?? 0) + 1;
    const onSurvivors = before.map((n, i) => [n, after[i]] as const).filter(([n]) => n !== null && n !== node.name);
    return {
      cut: node.name, before: counts, survivors: onSurvivors.length,
      survivorsBroken: onSurvivors.filter(([n, a]) => a !== n).length,
      cutBroken: before.filter((n, i) => n === node.name && after[i] !== n).length,
    };
  } finally {
    child.stdin.end();
    lines.close();
    inNs(LAB.hub, 'ip', ['link', 'set', port, 'up']);
    await waitForRoute(LAB.router.ns, `${vip}/32`, LAB.nodes.map((n) => n.address));
  }
}

export async function flows(out: Out, count = 60): Promise<FlowsResult[]> {
  const vip = LAB.vips[0];
  const results: FlowsResult[] = [];
  for (const kind of ['hash-threshold', 'resilient'] as const) {
    out(`\n### Flows on failover, ${kind} groups: ${count} TCP connections from k8s-pc to ${vip}:${FLOW_PORT}, one node cut at a time\n`);
    await restartRouter({ ...ROUTER1, hashThreshold: kind === 'hash-threshold' }, vip);
    const type = groupType(vip);
    out(`router restarted with fib.resilient ${kind === 'resilient' ? 'on (the default)' : 'false'}; the kernel's group for ${vip}: type ${type}\n`);
    const cuts: CutResult[] = [];
    for (const node of LAB.nodes) {
      const c = await cutUnderFlows(vip, node, count);
      cuts.push(c);
      out(`${node.name} cut: connections before ${JSON.stringify(c.before)}; on the surviving nodes ${c.survivorsBroken} of ${c.survivors} broke; on ${node.name} ${c.cutBroken} broke\n`);
    }
    const broken = cuts.reduce((a, c) => a + c.survivorsBroken, 0);
    out(`${kind}: ${broken} of ${cuts.reduce((a, c) => a + c.survivors, 0)} connections on surviving nodes broke over the three cuts\n`);
    results.push({ kind, groupType: type, cuts });
  }
  return results;
}
