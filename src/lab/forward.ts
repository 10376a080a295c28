/**
 * A byte pipe for the lab: `forward LISTEN TARGET` accepts connections on LISTEN and pipes each one to a
 * new connection to TARGET; each is "host:port" or an absolute unix socket path. A unix socket path is
 * reachable from every network namespace, so two of these bring the router's web page (on 127.0.0.1
 * inside the router's namespace) to the host's loopback without touching any host interface.
 */
import { rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';

type Endpoint = { readonly path: string } | { readonly host: string; readonly port: number };

function endpoint(s: string | undefined): Endpoint {
  if (!s) throw new Error('usage: forward LISTEN TARGET (each host:port or /unix/path)');
  if (s.startsWith('/')) return { path: s };
  const colon = s.lastIndexOf(':');
  return { host: s.slice(0, colon), port: Number(s.slice(colon + 1)) };
}

const listenOn = endpoint(process.argv[2]);
const target = endpoint(process.argv[3]);
if ('path' in listenOn) rmSync(listenOn.path, { force: true });
createServer((a) => {
  const b = createConnection(target);
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  a.pipe(b).pipe(a);
}).listen(listenOn);
