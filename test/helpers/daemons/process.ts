/**
 * Process plumbing for the real-daemon harness: a private work directory per daemon instance, a daemon
 * started in a Netlab namespace with its output going to a log file (a pipe nobody reads would fill and
 * stall the daemon), CLI commands with a time bound, and a stop that escalates from SIGTERM to SIGKILL.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, waitFor, type Netlab } from '../netns.js';
import { checkProgram } from '../programs.js';

export function makeWorkDir(kind: string): string {
  return mkdtempSync(join(tmpdir(), `vg-${kind}-`));
}

/** Start `cmd` in `ns` with stdout and stderr appended to `logFile`; Netlab kills it in cleanup(). */
export function spawnLogged(lab: Netlab, ns: string, cmd: string, args: readonly string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    return lab.spawn(ns, cmd, args, { stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
}

/** Run a CLI command (optionally inside `ns`), bounded by `timeoutMs`; resolves to stdout, rejects with stderr. */
export function runCli(cmd: string, args: readonly string[], ns?: string, timeoutMs = 10_000): Promise<string> {
  checkProgram(cmd);
  const [file, argv] = ns === undefined ? [cmd, [...args]] : ['ip', ['netns', 'exec', ns, cmd, ...args]];
  return new Promise((resolve, reject) => {
    execFile(file, argv, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}${stderr ? `\n${stderr}` : ''}${stdout ? `\n${stdout}` : ''}`));
      else resolve(stdout);
    });
  });
}

/** `first` (SIGTERM; null: just wait), then SIGKILL if it is still there after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 3000, first: NodeJS.Signals | null = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  if (first) child.kill(first);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Signal the processes whose pid files are given (daemons under a wrapper), only if they still run in
 * namespace `ns`, so that a stale pid file never hits a process that is not ours.
 */
export function signalPidFiles(ns: string, files: readonly string[], signal: NodeJS.Signals): void {
  let inside: Set<number>;
  try { inside = new Set(run('ip', ['netns', 'pids', ns]).split(/\s+/).filter(Boolean).map(Number)); } catch { return; }
  for (const f of files) {
    if (!existsSync(f)) continue;
    const pid = Number(readFileSync(f, 'utf8').trim());
    if (inside.has(pid)) try { process.kill(pid, signal); } catch { /* already gone */ }
  }
}

/** The last lines of a log file, for error messages. */
export function tailLog(file: string, lines = 30): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

export function removeWorkDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** What the BIRD, GoBGP and FRR wrappers share: a work dir, one logged child process, start-and-wait, stop. */
export abstract class DaemonProcess {
  readonly logFile: string;
  protected child: ChildProcess | undefined;

  protected constructor(readonly lab: Netlab, readonly ns: string, readonly dir: string, logName: string) {
    this.logFile = join(dir, logName);
  }

  /** Spawn `cmd` in the namespace and wait until `ready` says yes; on failure stop everything and rethrow. */
  protected async launch(cmd: string, args: readonly string[], ready: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
    this.child = spawnLogged(this.lab, this.ns, cmd, args, this.logFile);
    try {
      await waitFor(`${cmd} in ${this.ns} to answer`, async () => {
        if (this.child?.exitCode !== null) throw new Error(`${cmd} exited: ${tailLog(this.logFile)}`);
        return (await ready()) ? true : undefined;
      }, timeoutMs, 200);
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** The daemon's log so far (for failure messages). */
  log(): string { return tailLog(this.logFile, 200); }

  async stop(): Promise<void> {
    if (this.child) await stopChild(this.child);
    removeWorkDir(this.dir);
  }
}
