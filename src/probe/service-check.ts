/**
 * One check of a Service IP: a TCP connection to ADDRESS:PORT from a given local port (so that the kernel's
 * policy routing sends it through one node, path-routes.ts), and for `http` a GET whose status line must say
 * 2xx or 3xx. The connection is reset at the end, not closed, so the fixed local port leaves no TIME_WAIT
 * behind and is free for the next round at once.
 */
import { connect } from 'node:net';

export interface CheckTarget {
  readonly address: string;
  readonly port: number;
  readonly localPort: number;
  readonly kind: 'tcp' | 'http';
  readonly path: string;
  readonly timeoutMs: number;
}

export type CheckResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export function runCheck(t: CheckTarget): Promise<CheckResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: t.address, port: t.port, localPort: t.localPort, localAddress: t.address.includes(':') ? '::' : '0.0.0.0' });
    let done = false;
    let head = '';
    const finish = (r: CheckResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (socket.connecting || !socket.destroyed) socket.resetAndDestroy(); else socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ ok: false, reason: `no ${t.kind === 'http' ? 'HTTP answer' : 'connection'} within ${t.timeoutMs} ms` }), t.timeoutMs);
    socket.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, reason: e.code ?? e.message }));
    socket.on('connect', () => {
      if (t.kind === 'tcp') { finish({ ok: true }); return; }
      const host = t.address.includes(':') ? `[${t.address}]` : t.address;
      socket.write(`GET ${t.path} HTTP/1.1\r\nHost: ${host}:${t.port}\r\nUser-Agent: vipgate-health\r\nConnection: close\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const eol = head.indexOf('\r\n');
      if (eol < 0 && head.length < 1024) return;
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      if (!m) finish({ ok: false, reason: 'not an HTTP answer' });
      else if (m[1]!.startsWith('2') || m[1]!.startsWith('3')) finish({ ok: true });
      else finish({ ok: false, reason: `HTTP ${m[1]}` });
    });
    socket.on('end', () => finish({ ok: false, reason: 'closed before answering' }));
  });
}
