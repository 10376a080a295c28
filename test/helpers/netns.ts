/**
 * Network namespaces for tests: each Netlab creates its own namespaces and veth pairs under a random tag,
 * runs commands and daemons inside them, and removes everything (processes first) in cleanup(), which tests
 * call from afterAll / finally so that a failing test leaves nothing behind.
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { checkProgram } from './programs.js';

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function run(cmd: string, args: readonly string[], input?: string): string {
  checkProgram(cmd);
  return execFileSync(cmd, args as string[], { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], timeout: 30_000 });
}

export class Netlab {
  /** Short random tag, so that parallel runs and crashed runs never collide; names stay under 15 chars. */
  readonly tag = randomBytes(2).toString('hex');
  private readonly namespaces: string[] = [];
  private readonly children: ChildProcess[] = [];

  ns(name: string): string {
    const full = `vg${this.tag}-${name}`;
    run('ip', ['netns', 'add', full]);
    this.namespaces.push(full);
    this.exec(full, 'ip', ['link', 'set', 'lo', 'up']);
    return full;
  }

  /** Interface names are limited to 15 characters: keep `name` short (<= 8). */
  ifname(name: string): string {
    return `v${this.tag}${name}`.slice(0, 15);
  }

  /** A veth pair between two namespaces, each end with its addresses ("10.0.0.1/24", "fd00::1/64"), set up. */
  link(nsA: string, addrsA: readonly string[], nsB: string, addrsB: readonly string[], name = `${this.namespaces.indexOf(nsA)}${this.namespaces.indexOf(nsB)}`): { ifA: string; ifB: string } {
    const ifA = this.ifname(`${name}a`);
    const ifB = this.ifname(`${name}b`);
    run('ip', ['link', 'add', ifA, 'netns', nsA, 'type', 'veth', 'peer', 'name', ifB, 'netns', nsB]);
    for (const [ns, ifn, addrs] of [[nsA, ifA, addrsA], [nsB, ifB, addrsB]] as const) {
      for (const a of addrs) this.exec(ns, 'ip', ['addr', 'add', a, 'dev', ifn, ...(a.includes(':') ? ['nodad'] : [])]);
      this.exec(ns, 'ip', ['link', 'set', ifn, 'up']);
    }
    return { ifA, ifB };
  }

  /**
   * A bridge in its own namespace, so that several namespaces share one segment. Returns attach(), and the
   * bridge's name (setting the bridge down cuts traffic while every member keeps its carrier).
   */
  segment(name: string): { ns: string; bridge: string; attach: (ns: string, addrs: readonly string[], port: string) => string } {
    const hub = this.ns(name);
    const br = this.ifname('br');
    this.exec(hub, 'ip', ['link', 'add', br, 'type', 'bridge']);
    this.exec(hub, 'ip', ['link', 'set', br, 'up']);
    const attach = (ns: string, addrs: readonly string[], port: string): string => {
      const { ifA, ifB } = this.link(ns, addrs, hub, [], port);
      this.exec(hub, 'ip', ['link', 'set', ifB, 'master', br]);
      return ifA;
    };
    return { ns: hub, bridge: br, attach };
  }

  exec(ns: string, cmd: string, args: readonly string[], input?: string): string {
    checkProgram(cmd);
    return run('ip', ['netns', 'exec', ns, cmd, ...args], input);
  }

  /** A long-running process in a namespace; killed in cleanup(). */
  spawn(ns: string, cmd: string, args: readonly string[], opts: SpawnOptions = {}): ChildProcess {
    checkProgram(cmd);
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    this.children.push(child);
    return child;
  }

  async cleanup(): Promise<void> {
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(this.children.map((c) => (c.exitCode !== null || c.signalCode !== null)
      ? Promise.resolve()
      : new Promise<void>((r) => { c.once('exit', () => r()); setTimeout(r, 2000).unref(); })));
    for (const ns of this.namespaces.reverse()) {
      // kill whatever is still inside (daemons that forked), then remove the namespace
      try { run('ip', ['netns', 'pids', ns]).split(/\s+/).filter(Boolean).forEach((p) => { try { process.kill(Number(p), 'SIGKILL'); } catch { /* gone */ } }); } catch { /* no ns */ }
      try { run('ip', ['netns', 'del', ns]); } catch { /* already gone */ }
    }
  }
}

/** Poll `probe` until it returns a value that is not undefined; bounded by count and time. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let i = 0; i < Math.ceil(timeoutMs / everyMs) + 1 && Date.now() <= deadline; i++) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
