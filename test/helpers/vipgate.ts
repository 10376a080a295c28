/**
 * A real `vipgate router` process (the built CLI, dist/) inside a test namespace, with its control socket in
 * a private directory; queried through the same control client the CLI uses.
 */
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { routerClient } from '../../src/control/client.js';
import type { BgpSummary, BgpTable, KernelRouteView, PeerSummary } from '../../src/control/views.js';
import { type Netlab, waitFor } from './netns.js';
import { spawnLogged, stopChild, tailLog } from './daemons/process.js';

export const REPO = resolve(new URL('../..', import.meta.url).pathname);
export const CLI = join(REPO, 'bin', 'vipgate.js');

export class VipgateRouter {
  readonly socket: string;
  readonly logFile: string;
  private child?: ChildProcess;

  private constructor(readonly lab: Netlab, readonly ns: string, readonly dir: string, readonly config: string, readonly args: readonly string[]) {
    this.socket = join(dir, 'control.sock');
    this.logFile = join(dir, 'router.log');
  }

  static async start(lab: Netlab, ns: string, yaml: string, args: readonly string[] = []): Promise<VipgateRouter> {
    if (!existsSync(join(REPO, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does)');
    const dir = mkdtempSync(join(tmpdir(), 'vipgate-router-'));
    const config = join(dir, 'vipgate.yaml');
    writeFileSync(config, yaml);
    const r = new VipgateRouter(lab, ns, dir, config, args);
    await r.launch();
    return r;
  }

  /** (Re)start the process with the same config, and wait for its control socket. */
  async launch(): Promise<void> {
    this.child = spawnLogged(this.lab, this.ns, process.execPath, [CLI, 'router', '--config', this.config, '--socket', this.socket, ...this.args], this.logFile);
    const child = this.child;
    await waitFor(`vipgate router in ${this.ns} to answer (log: ${this.logFile})`, async () => {
      if (child.exitCode !== null) throw new Error(`vipgate router exited with ${child.exitCode}: ${tailLog(this.logFile)}`);
      return (await this.summary().catch(() => undefined)) ? true : undefined;
    }, 20_000);
  }

  get pid(): number | undefined { return this.child?.pid; }
  get process(): ChildProcess | undefined { return this.child; }

  private get control() { return routerClient(this.socket); }
  summary(): Promise<BgpSummary> { return this.control.call('show bgp summary', {}, 3000); }
  table(prefix?: string): Promise<BgpTable> { return this.control.call('show ip bgp', prefix ? { prefix } : {}); }
  received(peer: string): Promise<BgpTable> { return this.control.call('show ip bgp neighbors received-routes', { peer }); }
  advertised(peer: string): Promise<BgpTable> { return this.control.call('show ip bgp neighbors advertised-routes', { peer }); }
  routes(): Promise<KernelRouteView[]> { return this.control.call('show routes'); }
  clear(peer = '*'): Promise<{ readonly reset: readonly string[] }> { return this.control.call('clear bgp', { peer }); }

  async peer(address: string): Promise<PeerSummary | undefined> {
    return (await this.summary()).peers.find((p) => p.address === address);
  }

  waitPeerState(address: string, state: string, timeoutMs = 20_000): Promise<PeerSummary> {
    return waitFor(`vipgate peer ${address} ${state}`, async () => {
      const p = await this.peer(address);
      return p?.state === state ? p : undefined;
    }, timeoutMs);
  }

  log(): string { return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : ''; }

  /** SIGTERM (clean stop) or SIGKILL (crash). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child) await stopChild(this.child, 5000, signal);
    this.child = undefined;
  }

  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
