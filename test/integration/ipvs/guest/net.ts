/**
 * The guest's traffic ends: a server (one process in the "srv" namespace listening on every real-server
 * address; each connection gets the address it reached, or with `withPeer` that address and the client
 * address the server saw, then an echo) and a client (in the "cli" namespace: bounded sequential
 * connections to a VIP from rotating source addresses, closed or held open; or attempts() that also
 * records the ones that fail), and one connection held open while the parent changes things (surviveStdin:
 * prints "opened", waits for a line on stdin, then prints whether the connection still echoes).
 */
import { connect, createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

export function serve(addresses: readonly string[], port: number, withPeer = false): void {
  for (const a of addresses) {
    createServer((s) => {
      s.write(withPeer ? `${a} ${s.remoteAddress ?? '?'}\n` : `${a}\n`);
      s.on('data', (d) => s.write(d));
      s.on('error', () => s.destroy());
    }).listen(port, a);
  }
  console.log('@@SERVER-READY');
}

export interface ClientResult {
  readonly source: string;
  readonly sourcePort: number;
  readonly server: string;
}

/** One connection: resolves with the greeting once the server's first line arrived. */
function open(vip: string, port: number, source: string, timeoutMs = 5000): Promise<{ sock: Socket; result: ClientResult }> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: vip, port, localAddress: source });
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`no greeting from ${vip}:${port} via ${source} within ${timeoutMs} ms`)); }, timeoutMs);
    let buf = '';
    sock.setEncoding('utf8');
    const onData = (d: string): void => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      sock.off('data', onData);
      resolve({ sock, result: { source, sourcePort: sock.localPort ?? 0, server: buf.slice(0, nl) } });
    };
    sock.on('data', onData);
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

/** Close our side and wait until the connection is fully closed (so IPVS has seen both FINs). */
function close(sock: Socket): Promise<void> {
  return new Promise((resolve) => {
    sock.on('close', () => resolve());
    sock.end();
  });
}

export async function runClient(vip: string, port: number, count: number, mode: 'closed' | 'held', sources: readonly string[]): Promise<ClientResult[]> {
  const held: Socket[] = [];
  const results: ClientResult[] = [];
  for (let i = 0; i < count; i++) {
    const { sock, result } = await open(vip, port, sources[i % sources.length]!);
    results.push(result);
    if (mode === 'held') held.push(sock);
    else await close(sock);
  }
  await Promise.all(held.map(close));
  return results;
}

export interface Attempt {
  readonly source: string;
  /** The server's greeting: the address it reached and the client address it saw (withPeer servers). */
  readonly greeting?: string;
  readonly error?: string;
}

/** One connection per source, in turn, each closed at once; a failure (refused, timed out) is recorded, not thrown. */
export async function attempts(vip: string, port: number, sources: readonly string[], timeoutMs: number): Promise<Attempt[]> {
  const out: Attempt[] = [];
  for (const source of sources) {
    try {
      const { sock, result } = await open(vip, port, source, timeoutMs);
      out.push({ source, greeting: result.server });
      await close(sock);
    } catch (e) {
      out.push({ source, error: (e as Error).message });
    }
  }
  return out;
}

/** Hold one connection across `between()`, then check it still echoes. */
export async function survives(vip: string, port: number, source: string, between: () => Promise<void>): Promise<{ before: string; echoed: boolean }> {
  const { sock, result } = await open(vip, port, source);
  await between();
  const echoed = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 5000);
    sock.on('data', (d) => { if (String(d).includes('still-there')) { clearTimeout(timer); resolve(true); } });
    sock.on('error', () => { clearTimeout(timer); resolve(false); });
    sock.write('still-there\n');
  });
  await close(sock);
  return { before: result.server, echoed };
}

/** The `survive` mode of the guests: hold one connection until a line arrives on stdin, then report. */
export async function surviveStdin(vip: string, port: number, source: string): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  const r = await survives(vip, port, source, async () => {
    const go = new Promise<void>((resolve) => lines.once('line', () => resolve()));
    console.log('opened');
    await go;
  });
  console.log(JSON.stringify(r));
  lines.close();
}
