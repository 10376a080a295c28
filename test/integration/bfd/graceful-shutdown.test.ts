/**
 * Graceful shutdown (RFC 8326), the router's side, with a client's traffic stream counting lost packets: two
 * BIRD nodes serve one VIP (a UDP echo server each) behind vipgate router; a client sends a bounded stream of
 * UDP requests over many flows. Node n1 drains the RFC 8326 way: it re-announces its path with the
 * GRACEFUL_SHUTDOWN community (65535:0), the router drops n1 from the VIP's nexthop group while n2's path
 * exists, and only then does n1 go away (its bridge port stops forwarding): the stream loses nothing. The
 * control run, n1 going away without the community first, loses packets (so the count can tell).
 */
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Netlab, waitFor } from '../../helpers/netns.js';
import { VipgateRouter } from '../../helpers/vipgate.js';
import { BirdDaemon } from '../../helpers/daemons/bird.js';
import { birdConfig, type BirdOptions } from '../../helpers/daemons/bird-config.js';
import { waitPeerState } from '../../helpers/daemons/types.js';
import { kernelGateways } from './gateways.js';

const ROUTER = '10.22.0.254';
const N1 = '10.22.0.1';
const N2 = '10.22.0.2';
const VIP = '172.20.7.1';
const GSHUT = '65535:0';

const ECHO = `
const s = require('node:dgram').createSocket('udp4');
s.on('message', (m, r) => s.send(m, r.port, r.address));
s.bind(7000, '0.0.0.0');
`;

/** The client: PACKETS requests, 1 ms apart, over FLOWS source ports; prints { sent, received } when done. */
const CLIENT = `
const dgram = require('node:dgram');
const [vip, packets, flows] = process.argv.slice(1);
const got = new Set();
const socks = Array.from({ length: Number(flows) }, () => { const s = dgram.createSocket('udp4'); s.on('message', (m) => got.add(m.readUInt32BE(0))); s.bind(0); return s; });
let i = 0;
const timer = setInterval(() => {
  const b = Buffer.alloc(4); b.writeUInt32BE(i);
  socks[i % socks.length].send(b, 7000, vip);
  if (++i >= Number(packets)) {
    clearInterval(timer);
    setTimeout(() => { console.log(JSON.stringify({ sent: i, received: got.size })); socks.forEach((s) => s.close()); }, 1000);
  }
}, 1);
`;

let lab: Netlab | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  await lab?.cleanup();
  lab = undefined;
});

async function setup() {
  lab = new Netlab();
  const seg = lab.segment('hub');
  const rtr = lab.ns('rtr');
  const pc = lab.ns('pc');
  seg.attach(rtr, [`${ROUTER}/24`], 'r');
  lab.link(rtr, ['10.23.0.254/24'], pc, ['10.23.0.1/24'], 'c');
  lab.exec(pc, 'ip', ['route', 'add', 'default', 'via', '10.23.0.254']);
  for (const [k, v] of Object.entries({ 'net.ipv4.ip_forward': '1', 'net.ipv4.fib_multipath_hash_policy': '1', 'net.ipv4.conf.all.rp_filter': '2' })) lab.exec(rtr, 'sysctl', ['-qw', `${k}=${v}`]);
  const router = await VipgateRouter.start(lab, rtr, `
asn: 64513
routerId: ${ROUTER}
maximumPaths: 4
neighbors:
  - { address: ${N1}, group: nodes }
  - { address: ${N2}, group: nodes }
groups:
  nodes: { remoteAs: 65001, import: all, export: none, holdTime: 30, connectRetry: 1 }
`);
  cleanups.push(() => router.dispose());
  const nodes: { bird: BirdDaemon; options: BirdOptions }[] = [];
  for (const [i, address] of [N1, N2].entries()) {
    const ns = lab.ns(`n${i + 1}`);
    seg.attach(ns, [`${address}/24`], `n${i + 1}`);
    lab.exec(ns, 'ip', ['route', 'add', 'default', 'via', ROUTER]);
    lab.exec(ns, 'ip', ['addr', 'add', `${VIP}/32`, 'dev', 'lo']);
    lab.spawn(ns, process.execPath, ['-e', ECHO]);
    const options: BirdOptions = { routerId: address, as: 65001, neighbors: [{ address: ROUTER, as: 64513, holdTime: 30 }], announce: [{ prefix: `${VIP}/32` }] };
    const bird = await BirdDaemon.start(lab, ns, options);
    cleanups.push(() => bird.stop());
    nodes.push({ bird, options });
  }
  for (const n of nodes) await waitPeerState(n.bird, ROUTER);
  const gateways = () => kernelGateways(lab!, rtr, `${VIP}/32`);
  await waitFor('VIP on both nodes', () => (gateways().length === 2 ? true : undefined), 30_000, 100);
  /** Start the client's stream; resolves with its counts. */
  const stream = (packets: number) => {
    const child = lab!.spawn(pc, process.execPath, ['-e', CLIENT, VIP, String(packets), '64']);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    return new Promise<{ sent: number; received: number }>((resolve, reject) => {
      child.once('exit', () => { try { resolve(JSON.parse(out) as { sent: number; received: number }); } catch (e) { reject(e); } });
    });
  };
  const cutN1 = () => lab!.exec(seg.ns, 'bridge', ['link', 'set', 'dev', lab!.ifname('n1b'), 'state', '0']);
  return { router, n1: nodes[0]!, gateways, stream, cutN1 };
}

describe('graceful shutdown (RFC 8326) through the router', () => {
  it('a node that marks its path GRACEFUL_SHUTDOWN leaves the group before it goes away: no packet lost', async () => {
    const s = await setup();
    const counts = s.stream(3000);
    await new Promise((r) => setTimeout(r, 500));
    // n1 drains: the same route, now with the GRACEFUL_SHUTDOWN community
    writeFileSync(s.n1.bird.configFile, birdConfig({ ...s.n1.options, announce: [{ prefix: `${VIP}/32`, communities: [GSHUT] }] }));
    await s.n1.bird.birdc('configure');
    await waitFor('n1 out of the VIP group', () => (s.gateways().join() === N2 ? true : undefined), 10_000, 20);
    expect((await s.router.table(`${VIP}/32`)).paths.length).toBe(2); // both paths kept; only n2's is used
    s.cutN1();
    const { sent, received } = await counts;
    expect(sent).toBe(3000);
    expect(received).toBe(sent);
  }, 60_000);

  it('control: the same node going away without the community first loses packets', async () => {
    const s = await setup();
    const counts = s.stream(3000);
    await new Promise((r) => setTimeout(r, 500));
    s.cutN1();
    const { sent, received } = await counts;
    expect(sent).toBe(3000);
    expect(received).toBeLessThan(sent);
  }, 60_000);
});
