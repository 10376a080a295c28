/** Control socket client: one request, one response, bounded by a timeout. */
import { connect } from 'node:net';
import type { ControlResponse } from './protocol.js';

export class ControlError extends Error {
  constructor(message: string) { super(message); this.name = 'ControlError'; }
}

export function request(path: string, command: string, args: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<unknown> {
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
