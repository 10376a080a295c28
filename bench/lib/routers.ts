/**
 * The routers the convergence benchmark compares, each started in the router namespace with the same job:
 * accept eBGP sessions from the peers (passive: the feeders connect), import everything, keep up to 4
 * equal paths, install them into the kernel's main table as ECMP routes, and send nothing back to the
 * peers (all three are told the same, so that none pays for re-advertising 100k routes to each feeder):
 *   - vipgate: the built CLI (`node bin/vipgate.js router`), a dynamic neighbor range, `import: all`,
 *     `maximumPaths: 4`, `fib.startupHold: 0`; optionally under `node --cpu-prof`.
 *   - BIRD 2: `protocol kernel { merge paths on; ipv4 { export all; }; }` and one passive `protocol bgp`
 *     per peer with `export none`.
 *   - FRR 8.4: zebra + bgpd from the interop harness (private mount namespace, `maximum-paths 4`,
 *     `no bgp ebgp-requires-policy`), plus a deny-all outbound route-map per neighbor.
 * Each has `processes()` (its processes in the namespace, for RSS and CPU) and `kill()` (SIGKILL, so no
 * router spends time withdrawing 100k kernel routes on the way out; the namespace goes right after).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Netlab } from '../../test/helpers/netns.js';
import { waitFor } from '../../test/helpers/netns.js';
import { DaemonProcess, makeWorkDir, removeWorkDir, runCli, spawnLogged, stopChild, tailLog } from '../../test/helpers/daemons/process.js';
import { FrrDaemon } from '../../test/helpers/daemons/frr.js';
import { CLI } from '../../test/helpers/vipgate.js';
import { routerClient } from '../../src/control/client.js';
import { processesIn } from './proc-stats.js';

export const ROUTER_AS = 64513;
export const PEER_AS = 64512;
/** Peers announce with a long hold time: a router busy installing routes must not time the session out. */
const HOLD_TIME = 90;

export type RouterName = 'vipgate' | 'bird' | 'frr';

export interface Topology {
  readonly lab: Netlab;
  readonly ns: string;
  readonly address: string;
  /** The peers' segment, e.g. 10.0.0.0/24. */
  readonly subnet: string;
  readonly peers: readonly string[];
}

export interface RouterUnderTest {
  readonly name: RouterName;
  /** The kernel route protocol number it installs with (`ip route show proto N`). */
  readonly protocol: number;
  processes(): number[];
  /** The end of its log, for failure messages. */
  logTail(): string;
  /** SIGKILL the router's processes, then release what the launcher holds (work dirs). */
  kill(): Promise<void>;
}

function killAll(pids: readonly number[]): void {
  for (const pid of pids) try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
}

/**
 * vipgate, optionally with node flags such as --cpu-prof (Node 20 refuses that one in NODE_OPTIONS, hence
 * our own spawn) and another build's bin/vipgate.js (`cli`, to compare builds); a CPU profile is written
 * when the process exits after SIGTERM (`stopGracefully`).
 */
export async function startVipgate(t: Topology, nodeFlags: readonly string[] = [], cli = CLI): Promise<RouterUnderTest & { readonly pid: number; stopGracefully(): Promise<void> }> {
  const dir = makeWorkDir('vipgate-bench');
  const config = join(dir, 'vipgate.yaml');
  const socket = join(dir, 'control.sock');
  const log = join(dir, 'router.log');
  writeFileSync(config, [
    `asn: ${ROUTER_AS}`,
    `routerId: ${t.address}`,
    'maximumPaths: 4',
    'neighbors:',
    `  - { range: ${t.subnet}, remoteAs: ${PEER_AS}, group: nodes }`,
    'groups:',
    `  nodes: { import: all, holdTime: ${HOLD_TIME} }`,
    'fib: { startupHold: 0 }',
    '',
  ].join('\n'));
  const child = spawnLogged(t.lab, t.ns, process.execPath, [...nodeFlags, cli, 'router', '--config', config, '--socket', socket], log);
  const release = async (): Promise<void> => { await stopChild(child, 2000, 'SIGKILL'); removeWorkDir(dir); };
  try {
    await waitFor(`vipgate router in ${t.ns} to answer`, async () => {
      if (child.exitCode !== null) throw new Error(`vipgate router exited with ${child.exitCode}: ${tailLog(log)}`);
      return (await routerClient(socket).call('show bgp summary', {}, 3000).catch(() => undefined)) ? true : undefined;
    }, 20_000, 200);
  } catch (e) {
    await release();
    throw e;
  }
  const processes = (): number[] => processesIn(t.ns, ['node']);
  return {
    name: 'vipgate', protocol: 201, processes, logTail: () => tailLog(log, 8), pid: child.pid!,
    async kill() { killAll(processes()); await release(); },
    async stopGracefully() { await stopChild(child, 20_000, 'SIGTERM'); },
  };
}

class BenchBird extends DaemonProcess {
  private constructor(lab: Netlab, ns: string) { super(lab, ns, makeWorkDir('bird-bench'), 'bird.log'); }

  static async start(t: Topology): Promise<BenchBird> {
    const d = new BenchBird(t.lab, t.ns);
    const conf = join(d.dir, 'bird.conf');
    const sock = join(d.dir, 'bird.ctl');
    writeFileSync(conf, [
      `router id ${t.address};`,
      'log stderr all;',
      'protocol device { scan time 10; }',
      'protocol kernel { merge paths on; ipv4 { export all; }; }',
      ...t.peers.map((p, i) => [
        `protocol bgp peer${i + 1} {`,
        `  local ${t.address} as ${ROUTER_AS};`,
        `  neighbor ${p} as ${PEER_AS};`,
        '  passive on;',
        `  hold time ${HOLD_TIME};`,
        '  graceful restart off;',
        '  ipv4 { import all; export none; };',
        '}',
      ].join('\n')),
      '',
    ].join('\n'));
    await d.launch('bird', ['-f', '-c', conf, '-s', sock, '-P', join(d.dir, 'bird.pid')],
      async () => (await runCli('birdc', ['-s', sock, 'show', 'status'])).includes('Daemon is up'));
    return d;
  }
}

export async function startBird(t: Topology): Promise<RouterUnderTest> {
  const bird = await BenchBird.start(t);
  const processes = (): number[] => processesIn(t.ns, ['bird']);
  return { name: 'bird', protocol: 12, processes, logTail: () => tailLog(bird.logFile, 8), async kill() { killAll(processes()); await bird.stop(); } };
}

export async function startFrr(t: Topology): Promise<RouterUnderTest> {
  const frr = await FrrDaemon.start(t.lab, t.ns, {
    routerId: t.address, as: ROUTER_AS, maximumPaths: 4,
    neighbors: t.peers.map((address) => ({ address, as: PEER_AS, passive: true, holdTime: HOLD_TIME })),
  });
  await frr.vtysh('conf t', 'route-map VG-BENCH-NOTHING deny 10', 'exit', `router bgp ${ROUTER_AS}`, 'address-family ipv4 unicast',
    ...t.peers.map((p) => `neighbor ${p} route-map VG-BENCH-NOTHING out`));
  const processes = (): number[] => processesIn(t.ns, ['zebra', 'bgpd']);
  return { name: 'frr', protocol: 186, processes, logTail: () => tailLog(frr.logFile, 8), async kill() { killAll(processes()); await frr.stop(); } };
}

export const START: Record<RouterName, (t: Topology, vipgateCli?: string) => Promise<RouterUnderTest>> = {
  vipgate: (t, cli) => startVipgate(t, [], cli), bird: startBird, frr: startFrr,
};
