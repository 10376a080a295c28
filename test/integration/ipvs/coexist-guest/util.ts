/**
 * Small helpers of the coexistence guest: programs run synchronously with their output, "@@RESULT" lines
 * for the host test, bounded polling, the node state compared before and after (ipvsadm, nft tables,
 * sysctls, the agent's interface), client attempts from the client namespace, and the vipgate agent run
 * from its bundle (/payload/vm/cli/vipgate.mjs) with its JSON log kept in a file.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { agentClient } from '../../../../src/agent/commands.js';
import type { IpvsDataplaneStats } from '../../../../src/agent/ipvs/dataplane.js';
import type { Attempt } from '../guest/net.js';

export const VIPGATE = '/payload/vm/cli/vipgate.mjs';
export const TRAFFIC = '/payload/vm/traffic/traffic.mjs';

export const result = (name: string, value: unknown): void => {
  console.log(`@@RESULT ${name} ${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);
};
export const sh = (cmd: string, args: readonly string[]): string => execFileSync(cmd, args as string[], { encoding: 'utf8', timeout: 30_000 });
/** A program's exit status and output, never throwing. */
export function run(cmd: string, args: readonly string[]): { code: number | null; out: string } {
  const r = spawnSync(cmd, args as string[], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `ok` every 200 ms until it holds or `ms` (default 180 s: emulation on a loaded machine is slow) have passed; false then. */
export async function waitUntil(what: string, ok: () => boolean | Promise<boolean>, ms = 180_000): Promise<boolean> {
  const start = Date.now();
  for (let i = 0; Date.now() - start < ms; i++) {
    try { if (await ok()) { console.log(`${what}: after ${Date.now() - start} ms`); return true; } } catch { /* not yet */ }
    await sleep(200);
  }
  console.log(`gave up waiting for ${what} after ${ms} ms`);
  return false;
}

export const SYSCTLS = ['net/ipv4/conf/all/arp_ignore', 'net/ipv4/conf/all/arp_announce', 'net/ipv4/vs/conntrack'];

/** What a teardown must give back: ipvsadm -Ln, the nft tables, the sysctls, whether vipgate-ipvs0 exists. */
export function nodeState(): { ipvsadm: string; nftTables: string; sysctls: Record<string, string>; interface: boolean } {
  return {
    ipvsadm: sh('ipvsadm', ['-Ln']),
    nftTables: sh('nft', ['list', 'tables']),
    sysctls: Object.fromEntries(SYSCTLS.map((k) => [k, readFileSync(`/proc/sys/${k}`, 'utf8').trim()])),
    interface: run('/usr/sbin/ip', ['link', 'show', 'dev', 'vipgate-ipvs0']).code === 0,
  };
}

/** One connection per source to VIP:PORT from the client namespace, each with its outcome. */
export function attemptsFrom(vip: string, port: number, sources: readonly string[], timeoutMs = 3000): Attempt[] {
  const out = sh('/usr/sbin/ip', ['netns', 'exec', 'cli', 'node', TRAFFIC, 'client', vip, String(port), String(timeoutMs), ...sources]);
  const line = out.split('\n').find((l) => l.startsWith('@@CLIENT '));
  if (!line) throw new Error(`client printed no result: ${out}`);
  return JSON.parse(line.slice('@@CLIENT '.length)) as Attempt[];
}

export interface LogLine { level: number; msg: string; [k: string]: unknown }

export interface AgentRun {
  readonly pid: number;
  stop(signal?: NodeJS.Signals): Promise<number | string | null>;
  log(): LogLine[];
}

/** `vipgate agent ARGS` (optionally under a wrapper command, e.g. setpriv), its log in `logPath`. */
export function startAgent(logPath: string, args: readonly string[], wrapper: readonly string[] = []): AgentRun {
  const out = openSync(logPath, 'w');
  const argv = [...wrapper, 'node', VIPGATE, 'agent', ...args];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', out, out] });
  let code: number | string | null | undefined;
  const exited = new Promise<number | string | null>((resolve) => child.on('exit', (c, sig) => { code = c ?? sig; resolve(code); }));
  return {
    pid: child.pid ?? -1,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (code !== undefined) return code;
      child.kill(signal);
      return Promise.race([exited, sleep(40_000).then(() => 'no exit within 40 s')]);
    },
    log: () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '').split('\n').filter(Boolean)
      .map((l) => { try { return JSON.parse(l) as LogLine; } catch { return { level: 60, msg: l }; } }),
  };
}

/** `show agent ipvs` (AgentIpvsView) with the figures of an enabled data plane optional, to read either kind. */
export type IpvsView = { readonly enabled: boolean; readonly note?: string } & Partial<IpvsDataplaneStats>;

/** What `vipgate show agent ipvs --json` prints, asked over the control socket (undefined while it does not answer). */
export async function showIpvs(socket: string): Promise<IpvsView | undefined> {
  try { return await agentClient(socket).call('show agent ipvs', {}, 5000); } catch { return undefined; }
}
