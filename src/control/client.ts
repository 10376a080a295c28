/**
 * Control socket client: one request, one response, bounded by a timeout. `controlClient<M>(path)` calls the
 * commands of the map M (src/control/protocol.ts) with their argument types and returns their reply types.
 */
import { connect } from 'node:net';
import type { ArgsOf, CommandMap, CommandName, ControlResponse, ReplyOf } from './protocol.js';
import type { RouterCommands } from './commands.js';

export class ControlError extends Error {
  constructor(message: string) { super(message); this.name = 'ControlError'; }
}

export interface ControlClient<M extends CommandMap> {
  readonly path: string;
  /** Arguments may be left out for a command that takes none. */
  call<K extends CommandName<M>>(command: K, ...rest: CallArgs<ArgsOf<M, K>>): Promise<ReplyOf<M, K>>;
}

type CallArgs<A> = Record<never, never> extends A ? [args?: A, timeoutMs?: number] : [args: A, timeoutMs?: number];

export function controlClient<M extends CommandMap>(path: string): ControlClient<M> {
  return { path, call: (command, ...[args, timeoutMs]) => exchange(path, command, args ?? {}, timeoutMs) as never };
}

/** The router's control socket. */
export function routerClient(path: string): ControlClient<RouterCommands> { return controlClient<RouterCommands>(path); }

function exchange(path: string, command: string, args: object, timeoutMs = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let buf = '';
    const timer = setTimeout(() => { socket.destroy(); reject(new ControlError(`no answer from ${path} within ${timeoutMs} ms`)); }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify({ command, args })}\n`));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const hint = e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? ' (is the daemon running? use --socket PATH)' : e.code === 'EACCES' ? ' (run as root or as a member of group vipgate)' : '';
      reject(new ControlError(`cannot reach ${path}: ${e.message}${hint}`));
    });
    socket.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      socket.end();
      const r = JSON.parse(buf.slice(0, nl)) as ControlResponse;
      if (r.ok) resolve(r.result); else reject(new ControlError(r.error));
    });
  });
}
