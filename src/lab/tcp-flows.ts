/**
 * The lab's long-lived connections: `tcp-flows HOST PORT COUNT` opens COUNT TCP connections (each its own
 * source port, so ECMP hashes each on its own) to the nodes' line server (http-echo.ts, port 81), asks each
 * once which node holds it and prints the answers as one JSON line; then, on a line "check" on stdin, asks
 * each again (1.5 s bound) and prints, per connection, the node that answered or null (reset, closed or
 * silent: the connection broke), and exits.
 */
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

const host = process.argv[2] ?? '127.0.0.1';
const port = Number(process.argv[3] ?? 81);
const count = Number(process.argv[4] ?? 30);
const ANSWER_WAIT_MS = 1500;

/** Send a line on `s`, resolve with the answer line, or null on error, close or silence. */
function ask(s: Socket): Promise<string | null> {
  return new Promise((resolve) => {
    let text = '';
    const done = (v: string | null): void => {
      clearTimeout(timer);
      s.off('data', onData); s.off('error', onEnd); s.off('close', onEnd);
      resolve(v);
    };
    const onData = (d: Buffer): void => { text += d.toString(); if (text.includes('\n')) done(text.split('\n')[0]!); };
    const onEnd = (): void => done(null);
    const timer = setTimeout(onEnd, ANSWER_WAIT_MS);
    s.on('data', onData); s.once('error', onEnd); s.once('close', onEnd);
    if (s.destroyed) { done(null); return; }
    s.write('which\n');
  });
}

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, timeout: ANSWER_WAIT_MS });
    s.once('connect', () => { s.setTimeout(0); resolve(s); });
    s.once('timeout', () => reject(new Error(`connect to ${host}:${port} timed out`)));
    s.once('error', reject);
  });
}

const sockets: Socket[] = [];
for (let i = 0; i < count; i++) sockets.push(await open());
for (const s of sockets) s.on('error', () => undefined);
process.stdout.write(`${JSON.stringify(await Promise.all(sockets.map(ask)))}\n`);
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() !== 'check') continue;
  process.stdout.write(`${JSON.stringify(await Promise.all(sockets.map(ask)))}\n`);
  break;
}
for (const s of sockets) s.destroy();
lines.close();
