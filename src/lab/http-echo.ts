/**
 * The lab's stand-in for a Service's pods: an HTTP server (TCP) and a UDP echo on the same port, both
 * answering with the node's name and the client address they saw (so externalTrafficPolicy and source
 * address preservation are visible from the client, and the UDP stream can count lost requests). The UDP
 * echo binds every local address (the Service IPs on lo included) so that an answer leaves from the
 * address the request went to, as a Service's answer must. On port+1, a TCP line server answers each line
 * with the node's name, for connections that stay open (tcp-flows.ts: which survive a failover).
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { networkInterfaces } from 'node:os';

const name = process.argv[2] ?? 'node';
const port = Number(process.argv[3] ?? 80);
createServer((req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end(`${name} ${(req.socket.remoteAddress ?? '').replace(/^::ffff:/, '')}\n`);
}).listen({ port, host: '::', ipv6Only: false });
createTcpServer((sock) => {
  sock.on('data', (d) => { for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) sock.write(`${name}\n`); });
  sock.on('error', () => undefined);
}).listen({ port: port + 1, host: '::', ipv6Only: false });
for (const addr of Object.values(networkInterfaces()).flat()) {
  if (!addr || (addr.family === 'IPv6' && addr.address.toLowerCase().startsWith('fe80'))) continue;
  const udp = createSocket(addr.family === 'IPv4' ? 'udp4' : 'udp6');
  udp.on('message', (_msg, from) => udp.send(`${name} ${from.address}\n`, from.port, from.address));
  udp.bind(port, addr.address);
}
