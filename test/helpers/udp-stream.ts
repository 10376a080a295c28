/**
 * Client traffic for failover tests: a UDP echo server in a node namespace (answers on every local address,
 * the Service IPs on `lo` included), and a client stream in another namespace that sends numbered requests
 * to a VIP, 1 ms apart, over many source ports (so that ECMP spreads the flows), until told to stop (or a
 * packet bound is reached); then it waits a second for late answers and reports what was lost, as the
 * numbers of the requests with no answer.
 */
import type { ChildProcess } from 'node:child_process';
import type { Netlab } from './netns.js';

const ECHO = `
const s = require('node:dgram').createSocket('udp4');
s.on('message', (m, r) => s.send(m, r.port, r.address));
s.bind(Number(process.argv[1]), '0.0.0.0');
`;

const CLIENT = `
const dgram = require('node:dgram');
const [vip, port, flows, max] = process.argv.slice(1).map((x, i) => (i === 0 ? x : Number(x)));
const answered = new Set();
const socks = Array.from({ length: flows }, () => { const s = dgram.createSocket('udp4'); s.on('message', (m) => answered.add(m.readUInt32BE(0))); s.bind(0); return s; });
let sent = 0;
const finish = () => {
  clearInterval(timer);
  setTimeout(() => {
    const lost = [];
    for (let i = 0; i < sent && lost.length < 200; i++) if (!answered.has(i)) lost.push(i);
    console.log(JSON.stringify({ sent, received: answered.size, lost }));
    socks.forEach((s) => s.close());
  }, 1000);
};
const timer = setInterval(() => {
  const b = Buffer.alloc(4); b.writeUInt32BE(sent);
  socks[sent % flows].send(b, port, vip);
  if (++sent >= max) finish();
}, 1);
process.once('SIGTERM', finish);
`;

export interface StreamCounts { readonly sent: number; readonly received: number; readonly lost: readonly number[] }

/** A UDP echo server on `port` in `ns` (killed by the lab's cleanup). */
export function startUdpEcho(lab: Netlab, ns: string, port = 7000): ChildProcess {
  return lab.spawn(ns, process.execPath, ['-e', ECHO, String(port)]);
}

export interface UdpStream {
  /** Stop sending; resolves with the counts once late answers had a second to come. */
  stop(): Promise<StreamCounts>;
}

/** Start the client's stream to `vip` from `ns`: `flows` source ports, at most `maxPackets` requests (a bound, not the plan). */
export function udpStream(lab: Netlab, ns: string, vip: string, o: { port?: number; flows?: number; maxPackets?: number } = {}): UdpStream {
  const child = lab.spawn(ns, process.execPath, ['-e', CLIENT, vip, String(o.port ?? 7000), String(o.flows ?? 64), String(o.maxPackets ?? 120_000)]);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  const done = new Promise<StreamCounts>((resolve, reject) => {
    child.once('exit', () => { try { resolve(JSON.parse(out) as StreamCounts); } catch { reject(new Error(`the client ended without counts: ${out}`)); } });
  });
  done.catch(() => undefined); // a test that fails early never awaits it
  return {
    stop: () => { if (child.exitCode === null) child.kill('SIGTERM'); return done; },
  };
}
