/**
 * What is told to stop, stops: a vipgate router and a vipgate agent whose world has gone away (their links
 * deleted, their BGP and BFD peers frozen, their MQTT broker killed) still exit after SIGTERM, within their
 * drain time plus a bounded grace, with every thread (the BFD worker too) gone. Seen before: lab routers whose
 * namespace had lost its links kept running for minutes after SIGTERM, the main thread idle, a second thread
 * alive. Needs root (namespaces) and `npm run build`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/netns.js';
import { VipgateRouter } from '../helpers/vipgate.js';
import { VipgateAgent } from '../helpers/vipgate-agent.js';
import { requireProgram } from '../helpers/programs.js';
import { lbService, manifests, readyEndpoints, readyNode } from '../helpers/manifests.js';
import { nodesRouterConfig } from '../integration/bfd/router-config.js';
import { NODES, ROUTER, seedLab, type SeedLab } from '../integration/router/seed-topology.js';

const VIP = '172.20.1.7';
const NODE_AS = 65001;
const BFD = '{ enabled: true, minRx: 100, minTx: 100, multiplier: 3 }';
const MQTT = `mqtt://${ROUTER}:1883`;
/** Drain time given to the agent's graceful shutdown; the router has none configured. */
const AGENT_DRAIN_S = 2;

/** Milliseconds from SIGTERM until the process has exited, waiting at most `boundMs`; undefined if it did not. */
async function timeToExit(child: ChildProcess, boundMs: number): Promise<number | undefined> {
  const t0 = performance.now();
  const exited = new Promise<void>((r) => { if (child.exitCode !== null || child.signalCode !== null) r(); else child.once('exit', () => r()); });
  child.kill('SIGTERM');
  const done = await Promise.race([exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), boundMs))]);
  return done ? Math.round(performance.now() - t0) : undefined;
}

describe('SIGTERM stops the router and the agent whatever state they are in', () => {
  let s: SeedLab;
  let router: VipgateRouter;
  let work: ReturnType<typeof VipgateAgent.workDir>;
  const agents: VipgateAgent[] = [];
  let broker: ChildProcess;

  beforeAll(async () => {
    s = seedLab([VIP]);
    work = VipgateAgent.workDir(manifests(...NODES.slice(0, 2).map((n) => readyNode(n.name)), lbService('web', { ip: VIP }), readyEndpoints('web', ...NODES.slice(0, 2).map((n) => n.name))));
    writeFileSync(join(work.dir, 'mosquitto.conf'), `listener 1883 ${ROUTER}\nallow_anonymous true\npersistence false\nuser root\n`);
    broker = s.lab.spawn(s.router, requireProgram('mosquitto'), ['-c', join(work.dir, 'mosquitto.conf')]);
    router = await VipgateRouter.start(s.lab, s.router, `${nodesRouterConfig(ROUTER, NODES.slice(0, 2).map((n) => n.address), `holdTime: 30, bfd: ${BFD}`, NODE_AS)}
telemetry: { url: "${MQTT}", site: stop }
store: { path: ${join(work.dir, 'history.db')} }
web: { address: 127.0.0.1, port: 8080 }
`);
    for (const n of NODES.slice(0, 2)) {
      const a = new VipgateAgent(s.lab, s.nodes[n.name]!, n.name, work.dir, work.services);
      a.writeConfig(`
asn: ${NODE_AS}
routerId: ${n.address}
peers: [{ address: ${ROUTER}, asn: 64513, holdTime: 30, connectRetry: 1, bfd: ${BFD} }]
pools: [{ name: default, addresses: [172.20.1.0/24] }]
gracefulShutdown: { drainSeconds: ${AGENT_DRAIN_S} }
telemetry: { url: "${MQTT}", site: stop }
`);
      a.launch();
      agents.push(a);
    }
    const logs = (): string => `${agents.map((a) => `--- ${a.name}\n${a.tail(10)}`).join('\n')}\n--- router\n${router.log().split('\n').slice(-10).join('\n')}`;
    for (const n of NODES.slice(0, 2)) await router.waitPeerState(n.address, 'Established', 45_000).catch((e: Error) => { throw new Error(`${e.message}\n${logs()}`); });
    await waitFor('BFD up on every agent', async () => {
      for (const a of agents) if ((await a.view()).peers[0]?.bfd?.state !== 'Up') return undefined;
      return true;
    }, 30_000, 200);
  });

  afterAll(async () => {
    for (const a of agents) await a.stop('SIGKILL').catch(() => undefined);
    await router?.dispose();
    await s?.lab.cleanup();
    work?.remove();
  });

  /** Every interface of `ns` but lo deleted: its links, and with them its peers, are gone. */
  const cutOff = (ns: string): void => {
    const links = JSON.parse(s.lab.exec(ns, 'ip', ['-j', 'link', 'show'])) as { ifname: string }[];
    for (const l of links) if (l.ifname !== 'lo') s.lab.exec(ns, 'ip', ['link', 'del', l.ifname]);
  };

  it('the router: links deleted, peers frozen, broker killed, then SIGTERM', async () => {
    for (const a of agents) process.kill(a.pid, 'SIGSTOP');
    broker.kill('SIGKILL');
    cutOff(s.router);
    const ms = await timeToExit(router.process!, 60_000);
    for (const a of agents) process.kill(a.pid, 'SIGCONT');
    expect(ms, `the router did not exit within 60 s of SIGTERM:\n${router.log().split('\n').slice(-20).join('\n')}`).toBeDefined();
    console.log(`router gone ${ms} ms after SIGTERM`);
    expect(router.log()).toMatch(/"msg":"stopping"/);
    // 0: the orderly stop finished; 1 would be the stop deadline ending a stop that hung
    expect(router.process!.exitCode, router.log().split('\n').slice(-10).join('\n')).toBe(0);
  });

  it('the agent: its link deleted, its router and broker gone, then SIGTERM', async () => {
    const a = agents[0]!;
    cutOff(s.nodes[a.name]!);
    const ms = await timeToExit(a.child!, 60_000);
    expect(ms, `the agent did not exit within 60 s of SIGTERM:\n${a.tail(20)}`).toBeDefined();
    console.log(`agent gone ${ms} ms after SIGTERM (drain ${AGENT_DRAIN_S} s)`);
    expect(a.tail(40)).toMatch(/stopping/);
    expect(a.child!.exitCode, a.tail(10)).toBe(0);
  });
});
