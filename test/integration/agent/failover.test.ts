/**
 * Failover of `vipgate agent` nodes through the vipgate router (issue 4), in namespaces made by the test:
 * the seed's lab (router 192.168.10.254, client 192.168.20.1, nodes .10 .101 .102 with the Service IPs on
 * `lo` and a UDP echo server), three agents (file source, AS 65001) with BFD 100 ms x 3 and a 30 s hold
 * time, the router with the same BFD and graceful restart (helper) on.
 *
 * Hard failures remove the node's next hop from every route in the router's kernel, through BFD and not
 * the hold timer: the node's bridge port stops forwarding (both sides' BFD: the router names BFD as the
 * reason, the agent resets its session with Cease/BFD Down); the agent is SIGSTOPped (its TCP session
 * stays up, only BFD can tell); the agent is killed with -9 (its TCP connection closes, which with
 * graceful restart alone would keep its routes as stale: BFD Down takes them out, the stale ones too).
 *
 * Graceful shutdown (RFC 8326): SIGTERM with `shutdown: graceful-shutdown` re-announces the node's routes
 * with GRACEFUL_SHUTDOWN (the router moves traffic off the node while its paths are still there), withdraws
 * after the drain and closes with Cease; then the node goes away (bridge port cut): a client stream through
 * the router to a VIP loses nothing.
 * Graceful restart (RFC 4724): SIGTERM with `shutdown: graceful-restart` closes the session without
 * NOTIFICATION; the router keeps the node's routes as stale, in the kernel, for a VIP only that node serves;
 * the next run sets the Restart State bit (marker file) and sends its routes and End-of-RIB: the stale
 * routes are refreshed, and a stream to that VIP loses nothing.
 * Needs root (namespaces) and `npm run build` (the processes run dist/).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/netns.js';
import { VipgateRouter } from '../../helpers/vipgate.js';
import { VipgateAgent } from '../../helpers/vipgate-agent.js';
import { startUdpEcho, udpStream } from '../../helpers/udp-stream.js';
import { routerClient } from '../../../src/control/client.js';
import type { BfdView } from '../../../src/control/views.js';
import { nodesRouterConfig } from '../bfd/router-config.js';
import { ROUTER, NODES, seedLab, type KernelNexthop, type KernelRoute, type SeedLab } from '../router/seed-topology.js';
import { readyEndpoints } from '../../helpers/manifests.js';

/** Cluster Services: every node announces them. */
const CLUSTER_VIPS = Array.from({ length: 10 }, (_, i) => `172.20.1.${10 + i}`);
/** A Local Service with its one endpoint on n1: only n1 announces it. */
const SOLO_VIP = '172.20.1.2';
const VIPS = [...CLUSTER_VIPS, SOLO_VIP];
const NODE_AS = 65001;
const BFD = 'bfd: { minRx: 100, minTx: 100, multiplier: 3 }';

const ROUTER_CONFIG = nodesRouterConfig(ROUTER, NODES.map((n) => n.address),
  `holdTime: 30, ${BFD.replace('{', '{ enabled: true,')}, gracefulRestart: { enabled: true, restartTime: 60 }`, NODE_AS);

/** The cluster; the solo Service's one endpoint on `soloNode`. */
function services(soloNode = 'n1'): string {
  const nodes = NODES.map((n) => `apiVersion: v1\nkind: Node\nmetadata: { name: ${n.name} }\nstatus: { conditions: [{ type: Ready, status: "True" }] }`);
  const cluster = CLUSTER_VIPS.map((ip, i) => `apiVersion: v1
kind: Service
metadata: { name: web-${i}, namespace: default }
spec: { type: LoadBalancer, loadBalancerIP: ${ip}, ports: [{ port: 7000, protocol: UDP }], selector: { app: web } }
---
${readyEndpoints(`web-${i}`, ...NODES.map((n) => n.name))}`);
  const solo = `apiVersion: v1
kind: Service
metadata: { name: solo, namespace: default }
spec: { type: LoadBalancer, loadBalancerIP: ${SOLO_VIP}, externalTrafficPolicy: Local, ports: [{ port: 7000, protocol: UDP }], selector: { app: solo } }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: solo-1, namespace: default, labels: { kubernetes.io/service-name: solo } }
addressType: IPv4
endpoints: [{ addresses: ["10.42.0.10"], conditions: { ready: true }, nodeName: ${soloNode} }]`;
  return [...nodes, ...cluster, solo].join('\n---\n');
}

type AgentProc = VipgateAgent & { readonly address: string };

describe('agent failover: BFD, graceful shutdown, graceful restart', () => {
  let s: SeedLab;
  let router: VipgateRouter;
  let work: ReturnType<typeof VipgateAgent.workDir> | undefined;
  const agents: AgentProc[] = [];
  const byName = (name: string): AgentProc => agents.find((a) => a.name === name)!;

  function writeAgentConfig(a: AgentProc, shutdown: 'graceful-shutdown' | 'graceful-restart'): void {
    a.writeConfig(`
asn: ${NODE_AS}
peers:
  - { address: ${ROUTER}, asn: 64513, name: router, holdTime: 30, connectRetry: 1, ${BFD} }
pools: [{ name: default, addresses: [172.20.1.0/24] }]
gracefulShutdown: { drainSeconds: 2 }
gracefulRestart: { enabled: true, restartTime: 60, stateDir: ${a.stateDir} }
shutdown: ${shutdown}
`);
  }

  const logs = (): string => agents.map((a) => `--- ${a.name}\n${a.tail(15)}`).join('\n') + `\n--- router\n${router.log().split('\n').slice(-25).join('\n')}`;
  const routerBfd = (): Promise<BfdView> => routerClient(router.socket).call('show bfd', {}, 3000);

  /** Every route of ours in the router's kernel: prefix → its gateways (sorted), through nexthop groups. */
  function kernel(): Map<string, string[]> {
    const routes = JSON.parse(s.lab.exec(s.router, 'ip', ['-j', 'route', 'show', 'proto', '201'])) as KernelRoute[];
    const byId = new Map((JSON.parse(s.lab.exec(s.router, 'ip', ['-j', 'nexthop', 'show'])) as KernelNexthop[]).map((n) => [n.id, n]));
    return new Map(routes.map((r) => {
      const top = r.nhid === undefined ? undefined : byId.get(r.nhid);
      const gws = top ? (top.group ?? [{ id: top.id }]).map((m) => byId.get(m.id)?.gateway ?? '?') : (r.nexthops?.map((h) => h.gateway) ?? []);
      return [r.dst, gws.sort()];
    }));
  }

  const allNodes = NODES.map((n) => n.address).sort();
  /** The full table: every Cluster VIP via all three nodes, the solo VIP via n1. */
  function complete(k = kernel()): boolean {
    return CLUSTER_VIPS.every((v) => k.get(v)?.join() === allNodes.join()) && k.get(SOLO_VIP)?.join() === NODES[0].address;
  }
  /** No route uses `address`, and the Cluster VIPs are still routed through the others. */
  function without(address: string, k = kernel()): boolean {
    return [...k.values()].every((g) => !g.includes(address)) && CLUSTER_VIPS.every((v) => (k.get(v)?.length ?? 0) === 2);
  }

  async function waitComplete(what: string): Promise<void> {
    await waitFor(`${what}: every VIP via every node, BFD up on both sides`, async () => {
      if (!complete()) return undefined;
      const sessions = (await routerBfd()).sessions;
      if (sessions.length !== 3 || sessions.some((x) => x.state !== 'Up')) return undefined;
      for (const a of agents) {
        const p = (await a.view()).peers[0];
        if (p?.state !== 'Established' || p.bfd?.state !== 'Up') return undefined;
      }
      return true;
    }, 45_000, 200).catch((e: Error) => { throw new Error(`${e.message}\n${logs()}`); });
  }

  /** Poll the router's kernel until no route uses `address`; returns the milliseconds it took from `t0`. */
  async function waitGone(address: string, t0: number): Promise<number> {
    await waitFor(`${address} out of every route`, () => (without(address) ? true : undefined), 20_000, 10)
      .catch((e: Error) => { throw new Error(`${e.message}\n${JSON.stringify([...kernel()])}\n${logs()}`); });
    return Math.round(performance.now() - t0);
  }

  const portState = (a: AgentProc, state: 0 | 3): void => { s.lab.exec(s.segment.ns, 'bridge', ['link', 'set', 'dev', s.lab.ifname(`${a.name}b`), 'state', String(state)]); };

  beforeAll(async () => {
    s = seedLab(VIPS);
    for (const [k, v] of Object.entries({ 'net.ipv4.conf.all.rp_filter': '2' })) for (const ns of Object.values(s.nodes)) s.lab.exec(ns, 'sysctl', ['-qw', `${k}=${v}`]);
    work = VipgateAgent.workDir(services());
    router = await VipgateRouter.start(s.lab, s.router, ROUTER_CONFIG);
    for (const n of NODES) {
      const ns = s.nodes[n.name]!;
      startUdpEcho(s.lab, ns);
      const a: AgentProc = Object.assign(new VipgateAgent(s.lab, ns, n.name, work.dir, work.services), { address: n.address });
      writeAgentConfig(a, 'graceful-shutdown');
      a.launch();
      agents.push(a);
    }
    await waitComplete('start');
  }, 90_000);

  afterAll(async () => {
    for (const a of agents) await a.stop('SIGKILL', 1000).catch(() => undefined);
    await router?.dispose().catch(() => undefined);
    await s?.lab.cleanup();
    work?.remove();
  });

  it('a node cut off (bridge port down): its next hop leaves every route through BFD; both sides say why', async () => {
    const n3 = byName('n3');
    const t0 = performance.now();
    portState(n3, 0);
    try {
      const ms = await waitGone(n3.address, t0);
      console.log(`bridge port of n3 down: next hop out of ${VIPS.length} routes after ${ms} ms (BFD 100 ms x 3, hold 30 s)`);
      const peer = await router.peer(n3.address);
      expect(peer?.lastError).toMatch(/^stopped: BFD down: /);
      expect((await routerBfd()).sessions.find((x) => x.peer === n3.address)?.state).not.toBe('Up');
      // the agent's side: its BFD session failed, and it reset its BGP session with Cease/BFD Down
      const view = await waitFor('n3 agent: BFD down, session reset', async () => {
        const p = (await n3.view()).peers[0];
        return p && p.bfd?.state !== 'Up' && /BFD down/.test(p.lastError ?? '') ? p : undefined;
      }, 10_000, 50);
      expect(view.state).not.toBe('Established');
    } finally {
      portState(n3, 3);
    }
    await waitComplete('n3 back');
  }, 90_000);

  it('the agent frozen (SIGSTOP), its TCP session still up: BFD takes its next hop out, not the hold timer', async () => {
    const n2 = byName('n2');
    const t0 = performance.now();
    process.kill(n2.pid, 'SIGSTOP');
    try {
      const ms = await waitGone(n2.address, t0);
      console.log(`agent n2 SIGSTOPped: next hop out of ${VIPS.length} routes after ${ms} ms`);
      expect((await router.peer(n2.address))?.lastError).toMatch(/^stopped: BFD down: /);
    } finally {
      process.kill(n2.pid, 'SIGCONT');
    }
    await waitComplete('n2 thawed');
  }, 90_000);

  it('the agent killed (-9): its TCP connection closes, graceful restart would keep its routes, BFD takes them out', async () => {
    const n1 = byName('n1');
    const t0 = performance.now();
    process.kill(n1.pid, 'SIGKILL');
    const ms = await waitGone(n1.address, t0);
    console.log(`agent n1 killed: next hop out of ${VIPS.length} routes after ${ms} ms`);
    // the VIP only n1 served: its stale route went with BFD Down (a graceful restart says AdminDown first)
    expect(kernel().has(SOLO_VIP)).toBe(false);
    expect((await router.peer(n1.address))?.lastError).toMatch(/^connection /);
    expect(router.log()).toMatch(/next hop 192\.168\.10\.10 withdrawn from the kernel's groups \(BFD down/);
    expect((await routerBfd()).sessions.find((x) => x.peer === n1.address)?.state).not.toBe('Up');
    expect(existsSync(join(n1.stateDir, 'agent-restart.json'))).toBe(false);
    await n1.stop(null, 1000);
    n1.launch();
    await waitComplete('n1 restarted');
  }, 90_000);

  it('SIGTERM with graceful shutdown: GRACEFUL_SHUTDOWN, the router moves traffic off, withdraw, Cease; then the node goes away: 0 lost', async () => {
    const n2 = byName('n2');
    const stream = udpStream(s.lab, s.client, CLUSTER_VIPS[0]!);
    await new Promise((r) => setTimeout(r, 500));
    n2.child!.kill('SIGTERM');
    const exited = new Promise<number | null>((r) => n2.child!.once('exit', (code) => r(code)));
    // during the drain: n2's paths are still in the router's table, marked, and out of the kernel's groups
    const marked = await waitFor('n2 paths with GRACEFUL_SHUTDOWN, n2 out of the groups', async () => {
      const paths = (await router.table(CLUSTER_VIPS[0])).paths.filter((p) => p.nextHop === n2.address);
      return paths.length === 1 && paths[0]!.communities.includes('graceful-shutdown') && without(n2.address) ? paths[0] : undefined;
    }, 10_000, 20).catch((e: Error) => { throw new Error(`${e.message}\n${logs()}`); });
    expect(marked.multipath).toBe(false);
    expect(await exited).toBe(0);
    const peer = await router.peer(n2.address);
    expect(peer?.lastError).toMatch(/Cease \(6\/2\): vipgate agent shutting down/);
    expect((await router.table(CLUSTER_VIPS[0])).paths.some((p) => p.nextHop === n2.address)).toBe(false);
    expect(n2.tail(40)).toMatch(/graceful shutdown: routes re-announced with GRACEFUL_SHUTDOWN/);
    // the node goes away; nothing was sent to it any more
    portState(n2, 0);
    await new Promise((r) => setTimeout(r, 1000));
    const counts = await stream.stop();
    portState(n2, 3);
    console.log(`graceful shutdown of n2: ${counts.sent} sent, ${counts.sent - counts.received} lost`);
    expect(counts.sent).toBeGreaterThan(1000);
    expect(counts.lost).toEqual([]);
    expect(counts.received).toBe(counts.sent);
    n2.launch();
    await waitComplete('n2 back');
  }, 90_000);

  it('SIGTERM with graceful restart, then a new run: routes kept stale, Restart State bit, End-of-RIB refreshes them: 0 lost', async () => {
    const n1 = byName('n1');
    writeAgentConfig(n1, 'graceful-restart');
    await n1.stop(); // still the old config: a graceful shutdown
    n1.launch();
    await waitComplete('n1 in graceful-restart mode');
    expect((await n1.view()).stopMode).toBe('graceful-restart');
    expect((await n1.view()).peers[0]?.gracefulRestart).toBe(true);

    const stream = udpStream(s.lab, s.client, SOLO_VIP);
    await new Promise((r) => setTimeout(r, 500));
    expect(await n1.stop()).toBe(0);
    expect(existsSync(join(n1.stateDir, 'agent-restart.json'))).toBe(true);
    expect(n1.tail(40)).toMatch(/graceful restart: sessions closed without NOTIFICATION/);
    await waitFor('the router sees n1 down', async () => ((await router.peer(n1.address))?.state !== 'Established' ? true : undefined), 10_000, 50);
    // the router keeps n1's routes, stale, in the kernel; BFD's AdminDown was no failure
    const stale = (await router.table(SOLO_VIP)).paths;
    expect(stale.map((p) => [p.nextHop, p.stale])).toEqual([[n1.address, true]]);
    expect(kernel().get(SOLO_VIP)).toEqual([n1.address]);
    expect((await router.peer(n1.address))?.lastError).not.toMatch(/NOTIFICATION|BFD/);
    for (let i = 0; i < 5; i++) { await new Promise((r) => setTimeout(r, 200)); expect(kernel().get(SOLO_VIP)).toEqual([n1.address]); }

    n1.launch();
    await waitFor('n1 back, its routes refreshed', async () => {
      const paths = (await router.table(SOLO_VIP)).paths;
      return paths.length === 1 && !paths[0]!.stale && (await router.peer(n1.address))?.state === 'Established' ? true : undefined;
    }, 30_000, 100).catch((e: Error) => { throw new Error(`${e.message}\n${logs()}`); });
    expect(existsSync(join(n1.stateDir, 'agent-restart.json'))).toBe(false);
    expect(readFileSync(n1.log, 'utf8')).toMatch(/restarted after a graceful restart: Restart State bit set/);
    expect((await router.table(CLUSTER_VIPS[0])).paths.filter((p) => p.nextHop === n1.address).map((p) => p.stale)).toEqual([false]);
    await waitComplete('n1 restarted gracefully');
    const counts = await stream.stop();
    console.log(`graceful restart of n1: ${counts.sent} sent to the VIP only n1 serves, ${counts.sent - counts.received} lost`);
    expect(counts.sent).toBeGreaterThan(1000);
    expect(counts.lost).toEqual([]);
    expect(counts.received).toBe(counts.sent);
  }, 120_000);

  it('graceful restart: what the new run no longer announces is swept on its End-of-RIB, not after the restart time', async () => {
    const n1 = byName('n1');
    const n2 = byName('n2');
    expect((await n1.view()).stopMode).toBe('graceful-restart');
    const writeServices = (text: string): void => { writeFileSync(`${work!.services}.tmp`, text); renameSync(`${work!.services}.tmp`, work!.services); };
    expect(await n1.stop()).toBe(0);
    await waitFor('the router sees n1 down', async () => ((await router.peer(n1.address))?.state !== 'Established' ? true : undefined), 10_000, 50);
    // while n1 is away, the solo Service's endpoint moves to n2: n2 announces it, n1's path stays (stale)
    writeServices(services('n2'));
    await waitFor('solo: n1 stale and n2', async () => {
      const paths = (await router.table(SOLO_VIP)).paths.map((p) => `${p.nextHop}${p.stale ? ' stale' : ''}`).sort();
      return paths.join() === `${n1.address} stale,${n2.address}` ? true : undefined;
    }, 20_000, 100).catch((e: Error) => { throw new Error(`${e.message}\n${logs()}`); });
    n1.launch();
    // the new run announces the Cluster VIPs only; its End-of-RIB ends the stale time for the rest
    await waitFor('solo via n2 only, n1 back', async () => {
      const paths = (await router.table(SOLO_VIP)).paths;
      return paths.length === 1 && paths[0]!.nextHop === n2.address && (await router.peer(n1.address))?.state === 'Established' ? true : undefined;
    }, 30_000, 100).catch((e: Error) => { throw new Error(`${e.message}\n${logs()}`); });
    expect(kernel().get(SOLO_VIP)).toEqual([n2.address]);
    expect((await router.table(CLUSTER_VIPS[0])).paths.filter((p) => p.nextHop === n1.address).map((p) => p.stale)).toEqual([false]);
    writeServices(services());
    await waitComplete('solo back on n1');
  }, 90_000);
});
