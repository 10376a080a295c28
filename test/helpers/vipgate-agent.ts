/**
 * A real `vipgate agent` process (the built CLI, dist/) in a test namespace: file source, its config and
 * control socket in a private directory; (re)launched, signalled and queried over the control socket the
 * way `vipgate show agent` does.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { AgentSummary } from '../../src/agent/views.js';
import { agentClient } from '../../src/agent/commands.js';
import type { Netlab } from './netns.js';
import { spawnLogged, stopChild, tailLog } from './daemons/process.js';
import { CLI, REPO } from './vipgate.js';

export class VipgateAgent {
  readonly socket: string;
  readonly log: string;
  readonly config: string;
  /** For `gracefulRestart.stateDir`. */
  readonly stateDir: string;
  child?: ChildProcess;

  constructor(readonly lab: Netlab, readonly ns: string, readonly name: string, readonly dir: string, readonly servicesFile: string) {
    if (!existsSync(join(REPO, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does)');
    this.socket = join(dir, `${name}.sock`);
    this.log = join(dir, `${name}.log`);
    this.config = join(dir, `${name}.yaml`);
    this.stateDir = join(dir, `${name}-state`);
  }

  /** A private directory for agents' files, with the watched services file written. */
  static workDir(services: string): { dir: string; services: string; remove: () => void } {
    const dir = mkdtempSync(join(tmpdir(), 'vipgate-agents-'));
    writeFileSync(join(dir, 'services.yaml'), services);
    return { dir, services: join(dir, 'services.yaml'), remove: () => rmSync(dir, { recursive: true, force: true }) };
  }

  writeConfig(yaml: string): void { writeFileSync(this.config, yaml); }

  /** Start the process (again) with the current config. */
  launch(): void {
    this.child = spawnLogged(this.lab, this.ns, process.execPath,
      [CLI, 'agent', '--source', `file:${this.servicesFile}`, '--config', this.config, '--node', this.name, '--socket', this.socket], this.log);
  }

  get pid(): number { return this.child!.pid!; }
  view(): Promise<AgentSummary> { return agentClient(this.socket).call('show agent', {}, 2000); }
  tail(lines = 20): string { return tailLog(this.log, lines); }

  /** Signal, then wait for the exit (SIGKILL after `graceMs`); resolves with the exit code. */
  async stop(signal: NodeJS.Signals | null = 'SIGTERM', graceMs = 5000): Promise<number | null> {
    if (this.child) await stopChild(this.child, graceMs, signal);
    return this.child?.exitCode ?? null;
  }
}
