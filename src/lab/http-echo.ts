/**
 * The lab's stand-in for a Service's pods: an HTTP server that answers with its node's name and the client
 * address it saw (so externalTrafficPolicy and source-address preservation are visible from the client).
 */
import { createServer } from 'node:http';

const name = process.argv[2] ?? 'node';
const port = Number(process.argv[3] ?? 80);
createServer((req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end(`${name} ${(req.socket.remoteAddress ?? '').replace('::ffff:', '')}\n`);
}).listen(port, '0.0.0.0');
