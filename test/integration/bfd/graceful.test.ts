/**
 * Graceful shutdown (RFC 8326) and graceful restart (RFC 4724) through the router, with a client's traffic
 * stream counting lost packets.
 *
 * Graceful shutdown, the router's side: two
 * BIRD nodes serve one VIP (a UDP echo server each) behind vipgate router; a client sends a bounded stream of
 * UDP requests over many flows. Node n1 drains the RFC 8326 way: it re-announces its path with the
 * GRACEFUL_SHUTDOWN community (65535:0), the router drops n1 from the VIP's nexthop group while n2's path
 * exists, and only then does n1 go away (its bridge port stops forwarding): the stream loses nothing. The
 * control run, n1 going away without the community first, loses packets (so the count can tell).
 *
 * Graceful restart: a kill -9 and restart of the router (an upgrade) loses no packet, its kernel routes
 * staying while it re-learns; a node that restarts with graceful restart negotiated (BIRD killed with -9 and
 * started again) keeps its next hop in the router's kernel the whole time (RFC 4724 4.2, stale routes), and
 * loses no packet either.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Netlab, run, waitFor } from '../../helpers/netns.js';
import { VipgateRouter } from '../../helpers/vipgate.js';
import { BirdDaemon } from '../../helpers/daemons/bird.js';
import { birdConfig, type BirdOptions } from '../../helpers/daemons/bird-config.js';
import { waitPeerState } from '../../helpers/daemons/types.js';
import { kernelGateways } from './gateways.js';
import { nodesRouterConfig } from './router-config.js';

const ROUTER = '10.22.0.254';
const N1 = '10.22.0.1';
const N2 = '10.22.0.2';
const VIP = '172.20.7.1';
/** Served and announced by n1 only. */
const VIP_N1 = '172.20.7.2';
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

/** The pid of the BIRD process in a namespace. */
function birdPid(ns: string): number {
  const pids = run('ip', ['netns', 'pids', ns]).split(/\s+/).filter(Boolean).map(Number);
  const pid = pids.find((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'bird');
  if (pid === undefined) throw new Error(`no bird in ${ns}`);
  return pid;
}

async function setup(o: { gracefulRestart?: boolean } = {}) {
  lab = new Netlab();
  const seg = lab.segment('hub');
  const rtr = lab.ns('rtr');
  const pc = lab.ns('pc');
  seg.attach(rtr, [`${ROUTER}/24`], 'r');
  lab.link(rtr, ['10.23.0.254/24'], pc, ['10.23.0.1/24'], 'c');
  lab.exec(pc, 'ip', ['route', 'add', 'default', 'via', '10.23.0.254']);
  for (const [k, v] of Object.entries({ 'net.ipv4.ip_forward': '1', 'net.ipv4.fib_multipath_hash_policy': '1', 'net.ipv4.conf.all.rp_filter': '2' })) lab.exec(rtr, 'sysctl', ['-qw', `${k}=${v}`]);
  const router = await VipgateRouter.start(lab, rtr, nodesRouterConfig(ROUTER, [N1, N2], `holdTime: 30${o.gracefulRestart ? ', gracefulRestart: { enabled: true, restartTime: 30 }' : ''}`));
  cleanups.push(() => router.dispose());
  const nodes: { bird: BirdDaemon; options: BirdOptions }[] = [];
  for (const [i, address] of [N1, N2].entries()) {
    const ns = lab.ns(`n${i + 1}`);
    seg.attach(ns, [`${address}/24`], `n${i + 1}`);
    lab.exec(ns, 'ip', ['route', 'add', 'default', 'via', ROUTER]);
    for (const v of i === 0 ? [VIP, VIP_N1] : [VIP]) lab.exec(ns, 'ip', ['addr', 'add', `${v}/32`, 'dev', 'lo']);
    lab.spawn(ns, process.execPath, ['-e', ECHO]);
    const options: BirdOptions = {
      routerId: address, as: 65001, neighbors: [{ address: ROUTER, as: 64513, holdTime: 30 }],
      announce: (i === 0 ? [VIP, VIP_N1] : [VIP]).map((v) => ({ prefix: `${v}/32` })),
      ...(o.gracefulRestart ? { gracefulRestart: true } : {}),
    };
    const bird = await BirdDaemon.start(lab, ns, options);
    cleanups.push(() => bird.stop());
    nodes.push({ bird, options });
  }
  for (const n of nodes) await waitPeerState(n.bird, ROUTER);
  const gateways = (vip = VIP) => kernelGateways(lab!, rtr, `${vip}/32`);
  await waitFor('VIP on both nodes', () => (gateways().length === 2 && gateways(VIP_N1).length === 1 ? true : undefined), 30_000, 100);
  /** Start the client's stream; resolves with its counts. */
  const stream = (packets: number, vip = VIP) => {
    const child = lab!.spawn(pc, process.execPath, ['-e', CLIENT, vip, String(packets), '64']);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    const done = new Promise<{ sent: number; received: number }>((resolve, reject) => {
      child.once('exit', () => { try { resolve(JSON.parse(out) as { sent: number; received: number }); } catch { reject(new Error(`client ended without counts: ${out}`)); } });
    });
    done.catch(() => undefined); // a test that fails early never awaits it
    return done;
  };
  const cutN1 = () => lab!.exec(seg.ns, 'bridge', ['link', 'set', 'dev', lab!.ifname('n1b'), 'state', '0']);
  return { router, n1: { ...nodes[0]!, ns: nodes[0]!.bird.ns }, gateways, stream, cutN1 };
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

describe('graceful restart (RFC 4724) through the router', () => {
  it('kill -9 and restart of the router during the stream: no packet lost, the kernel route stays', async () => {
    const s = await setup();
    const counts = s.stream(4000);
    await new Promise((r) => setTimeout(r, 500));
    await s.router.stop('SIGKILL');
    expect(s.gateways()).toEqual([N1, N2]);
    await s.router.launch();
    await waitFor('sessions back', async () => ((await s.router.summary()).peers.filter((p) => p.state === 'Established').length === 2 ? true : undefined), 30_000, 100);
    const { sent, received } = await counts;
    expect(received).toBe(sent);
    expect(s.gateways()).toEqual([N1, N2]);
  }, 60_000);

  it('a node restarting with graceful restart keeps its stale route in the kernel, and its VIP loses no packet', async () => {
    const s = await setup({ gracefulRestart: true });
    const counts = s.stream(4000, VIP_N1);
    await new Promise((r) => setTimeout(r, 300));
    process.kill(birdPid(s.n1.ns), 'SIGKILL');
    await waitFor('the router sees n1 down', async () => ((await s.router.peer(N1))?.state !== 'Established' ? true : undefined), 10_000, 50);
    // RFC 4724 4.2: n1's paths stay, stale, and rank as before: n1 stays a next hop of its own VIP and
    // of the shared one, so flows on it do not move while it restarts
    const seen = new Set<string>();
    const shared = new Set<string>();
    for (let i = 0; i < 10; i++) {
      seen.add(s.gateways(VIP_N1).join());
      shared.add(s.gateways().join());
      await new Promise((r) => setTimeout(r, 100));
    }
    expect([...seen]).toEqual([N1]);
    expect([...shared]).toEqual([[N1, N2].join()]);
    expect((await s.router.table(`${VIP_N1}/32`)).paths).toHaveLength(1);
    const again = await BirdDaemon.start(s.n1.bird.lab, s.n1.ns, s.n1.options);
    cleanups.push(() => again.stop());
    await waitPeerState(again, ROUTER);
    const { sent, received } = await counts;
    expect(received).toBe(sent);
        expect(s.gateways(VIP_N1)).toEqual([N1]);
  }, 60_000);
});
