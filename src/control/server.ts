/**
 * Control socket server: a unix socket that answers ControlRequests with the registered handlers, each
 * typed by the daemon's CommandMap (src/control/protocol.ts).
 * The socket is made mode 0660 so that only root and the socket's group (vipgate) may use it.
 */
import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { CommandHandler, CommandMap, CommandName, ControlRequest, ControlResponse } from './protocol.js';

const MAX_REQUEST = 64 * 1024;
/** Members of this group may use the control socket besides root (`usermod -aG vipgate USER`). */
export const CONTROL_GROUP = 'vipgate';

/** The id of a group in /etc/group, or undefined when there is no such group. */
export function groupId(name: string, groupFile = '/etc/group'): number | undefined {
  let text: string;
  try { text = readFileSync(groupFile, 'utf8'); } catch { return undefined; }
  for (const line of text.split('\n')) {
    const [g, , id] = line.split(':');
    if (g === name && id !== undefined && /^\d+$/.test(id)) return Number(id);
  }
  return undefined;
}

export class ControlServer<M extends CommandMap> {
  private readonly handlers = new Map<string, (args: Readonly<Record<string, unknown>>) => unknown>();
  private server?: Server;

  constructor(readonly path: string) {}

  handle<K extends CommandName<M>>(command: K, handler: CommandHandler<M, K>): void { this.handlers.set(command, handler); }

  commands(): string[] { return [...this.handlers.keys()].sort(); }

  async listen(): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true });
    rmSync(this.path, { force: true });
    const server = createServer((s) => this.onClient(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => { server.off('error', reject); resolve(); });
    });
    chmodSync(this.path, 0o660);
    const gid = groupId(CONTROL_GROUP);
    if (gid !== undefined) chownSync(this.path, process.getuid?.() ?? 0, gid);
    this.server = server;
  }

  private onClient(socket: Socket): void {
    let buf = '';
    socket.setEncoding('utf8');
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_REQUEST) { socket.destroy(); return; }
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        void this.answer(line).then((r) => { if (!socket.destroyed) socket.write(`${JSON.stringify(r)}\n`); });
      }
    });
  }

  private async answer(line: string): Promise<ControlResponse> {
    let req: ControlRequest;
    try {
      req = JSON.parse(line) as ControlRequest;
      if (typeof req.command !== 'string') throw new Error('command must be a string');
    } catch (e) {
      return { ok: false, error: `bad request: ${e instanceof Error ? e.message : String(e)}` };
    }
    const handler = this.handlers.get(req.command);
    const id = req.id === undefined ? {} : { id: req.id };
    if (!handler) return { ...id, ok: false, error: `unknown command "${req.command}"; known: ${this.commands().join(', ')}` };
    try {
      return { ...id, ok: true, result: await handler(req.args ?? {}) };
    } catch (e) {
      return { ...id, ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
    rmSync(this.path, { force: true });
  }
}
