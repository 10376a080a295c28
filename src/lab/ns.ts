/**
 * iproute2 commands for the lab: namespaces, veths, addresses, and detached daemons whose output goes to
 * log files, found again by namespace or command line. Everything is named with LAB_PREFIX or lives under
 * LAB_DIR, so `vipgate lab down` finds and removes it even after a crash that lost the lab's state.
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { LAB_PREFIX } from './topology.js';

export function ip(args: readonly string[], input?: string): string {
  return execFileSync('ip', args as string[], { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], timeout: 30_000 });
}

export function inNs(ns: string, cmd: string, args: readonly string[]): string {
  return ip(['netns', 'exec', ns, cmd, ...args]);
}

export function addNamespace(ns: string): void {
  ip(['netns', 'add', ns]);
  inNs(ns, 'ip', ['link', 'set', 'lo', 'up']);
}

/** A veth pair `a`@nsA — `b`@nsB with addresses, both ends up. */
export function addLink(nsA: string, a: string, addrA: readonly string[], nsB: string, b: string, addrB: readonly string[]): void {
  ip(['link', 'add', a, 'netns', nsA, 'type', 'veth', 'peer', 'name', b, 'netns', nsB]);
  for (const [ns, dev, addrs] of [[nsA, a, addrA], [nsB, b, addrB]] as const) {
    // IPv6 without duplicate address detection: usable at once, not tentative for a second
    for (const x of addrs) inNs(ns, 'ip', ['addr', 'add', x, 'dev', dev, ...(x.includes(':') ? ['nodad'] : [])]);
    inNs(ns, 'ip', ['link', 'set', dev, 'up']);
  }
}

/** A veth from `dev` in `ns` (with addresses) to `port`, a port of `bridge` in the namespace `hub`. */
export function addBridgePort(hub: string, bridge: string, ns: string, dev: string, port: string, addrs: readonly string[]): void {
  addLink(ns, dev, addrs, hub, port, []);
  inNs(hub, 'ip', ['link', 'set', port, 'master', bridge]);
}

/** Start a program detached from us, output appended to `log`; returns its pid. */
export function spawnDetached(cmd: string, args: readonly string[], log: string): number {
  const fd = openSync(log, 'a');
  try {
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd] });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** Start a daemon in `ns`, detached from us, output appended to `log`; returns its pid. */
export function startDetached(ns: string, cmd: string, args: readonly string[], log: string): number {
  return spawnDetached('ip', ['netns', 'exec', ns, cmd, ...args], log);
}

/** Pids of the processes (in any namespace) whose command line passes `test`. */
export function processesWhere(test: (argv: readonly string[]) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try { argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0'); } catch { continue; }
    if (test(argv)) pids.push(Number(entry));
  }
  return pids;
}

/** Pids of the processes (in any namespace) whose command line has every one of `args`. */
export function processesWith(args: readonly string[]): number[] {
  return processesWhere((argv) => args.every((a) => argv.includes(a)));
}

/** An `ip -batch -` already running in `ns`: a command written to it acts without a process start's delay. */
export function ipBatch(ns: string): { run: (command: string) => void; close: () => Promise<void> } {
  const child = spawn('ip', ['-n', ns, '-force', '-batch', '-'], { stdio: ['pipe', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => { child.on('close', () => resolve()); });
  return {
    run: (command) => { child.stdin.write(`${command}\n`); },
    close: async () => { child.stdin.end(); await exited; },
  };
}

export function labNamespaces(): string[] {
  let out = '';
  try { out = ip(['netns', 'list']); } catch { return []; }
  return out.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(LAB_PREFIX));
}

function pidsIn(ns: string): number[] {
  try { return ip(['netns', 'pids', ns]).split(/\s+/).filter(Boolean).map(Number); } catch { return []; }
}

export function signal(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const p of pids) try { process.kill(p, sig); } catch { /* already gone */ }
}

/** Stop every process inside the namespace (SIGTERM, then SIGKILL after 3 s), then remove it. */
export function removeNamespace(ns: string): void {
  signal(pidsIn(ns), 'SIGTERM');
  for (let i = 0; i < 30 && pidsIn(ns).length > 0; i++) execFileSync('sleep', ['0.1']);
  signal(pidsIn(ns), 'SIGKILL');
  try { ip(['netns', 'del', ns]); } catch { /* already gone */ }
}
