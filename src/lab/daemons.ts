/**
 * The lab's daemons are reported only once they run and answer: each is started only when its program is
 * installed (else an error naming the Debian package and scripts/setup.sh), then watched until its own
 * readiness probe answers (mosquitto: an MQTT CONNACK; BIRD: birdc; keepalived: its pid file; the router and
 * the agents: their control sockets), and a daemon that exits at start is reported with the end of its log.
 * `vipgate lab status` runs the same probes again, so that a dead broker or agent shows as dead.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { controlClient, routerClient } from '../control/client.js';
import type { CommandSpec, NoArgs } from '../control/protocol.js';
import { requireProgramFrom } from '../lib/programs.js';
import { inNs, startDetached } from './ns.js';

/** A lab daemon that did not start or does not answer: the CLI prints the message (with the log's end), no stack. */
export class LabError extends Error {
  override readonly name = 'LabError';
}

/** The programs the lab starts and the Debian packages they come from. */
const LAB_PACKAGES: Readonly<Record<string, string>> = { mosquitto: 'mosquitto', bird: 'bird2', birdc: 'bird2', keepalived: 'keepalived' };

const MQTT_GET = fileURLToPath(new URL('./mqtt-get.js', import.meta.url));

/** A readiness probe: undefined when the daemon answers, else why it does not (yet). */
export type Probe = () => Promise<string | undefined>;

export const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };

/** The program's path, or an error naming its Debian package. */
export function labProgram(program: string): string {
  const pkg = LAB_PACKAGES[program];
  return pkg === undefined ? program : requireProgramFrom(program, pkg);
}

function logTail(log: string, lines = 8): string {
  if (!existsSync(log)) return '(no log)';
  return readFileSync(log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Wait (bounded in count and time) until `probe` answers while `pid` runs; else an error with the log's end. */
export async function waitAnswering(name: string, pid: number, probe: Probe, log: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let why = 'no answer yet';
  for (let i = 0; i < 400 && Date.now() < deadline; i++) {
    if (!alive(pid)) throw new LabError(`${name} exited right after it started; the end of ${log}:\n${logTail(log)}`);
    const answer = await probe().catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
    if (answer === undefined) return;
    why = answer;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new LabError(`${name} does not answer after ${Math.round(timeoutMs / 1000)} s (${why}); the end of ${log}:\n${logTail(log)}`);
}

export interface DaemonStart {
  readonly name: string;
  readonly ns: string;
  readonly program: string;
  readonly args: readonly string[];
  readonly log: string;
  readonly probe: Probe;
  readonly timeoutMs?: number;
}

/** Start a daemon in its namespace and return its pid once it answers. */
export async function startDaemon(d: DaemonStart): Promise<number> {
  const pid = startDetached(d.ns, labProgram(d.program), d.args, d.log);
  await waitAnswering(d.name, pid, d.probe, d.log, d.timeoutMs);
  return pid;
}

/** mosquitto at host:port, reached from inside `ns`: answers when it sends a CONNACK. */
export function brokerProbe(ns: string, host: string, port: number): Probe {
  return () => {
    try {
      inNs(ns, process.execPath, [MQTT_GET, '--connect', host, String(port)]);
      return Promise.resolve(undefined);
    } catch (e) {
      return Promise.resolve(`no MQTT answer from ${host}:${port}: ${String((e as { stderr?: string }).stderr ?? e).trim()}`);
    }
  };
}

/** A control socket that answers: `ask` resolves. */
function controlProbe(ask: () => Promise<unknown>): Probe {
  return async () => { await ask(); return undefined; };
}

/** A vipgate router's control socket answers `show bgp summary`. */
export function routerProbe(socket: string): Probe {
  return controlProbe(() => routerClient(socket).call('show bgp summary', {}, 2000));
}

/** Of the agent's commands (src/agent/commands.ts, which the lab may not import) the lab needs an answer only. */
type AgentAnswers = { readonly 'show agent': CommandSpec<NoArgs, unknown> };

/** A vipgate agent's control socket answers `show agent`. */
export function agentProbe(socket: string): Probe {
  return controlProbe(() => controlClient<AgentAnswers>(socket).call('show agent', {}, 2000));
}

/** BIRD's control socket answers `show status`. */
export function birdProbe(socket: string): Probe {
  return () => {
    try {
      execFileSync(labProgram('birdc'), ['-s', socket, 'show', 'status'], { encoding: 'utf8', timeout: 3000, stdio: ['ignore', 'pipe', 'pipe'] });
      return Promise.resolve(undefined);
    } catch (e) {
      return Promise.resolve(`birdc -s ${socket}: ${String((e as { stderr?: string }).stderr ?? e).trim()}`);
    }
  };
}

/** A daemon that writes its pid file once it has initialised (keepalived -p). */
export function pidFileProbe(file: string): Probe {
  return () => Promise.resolve(existsSync(file) ? undefined : `no pid file ${file} yet`);
}
