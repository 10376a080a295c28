/**
 * The router's receive path in one process, without sockets or a kernel (not a test):
 *   node --expose-gc --import tsx bench/rib.ts [N=100000] [--peers=3] [--runs=3] [--chunk=16] [--turn] [--heap]
 * The same N IPv4 /32s from each of --peers eBGP peers, pre-encoded as bench/lib/feeder.ts sends them,
 * go through what `vipgate router` does with them: framing and decoding (src/wire/bgp), each peer's
 * Adj-RIB-In, the router's import, Loc-RIB, best path and multipath (src/router/routing.ts), and the FIB's
 * own work up to the netlink bytes (parseRouteChanges, FibModel.plan, encodeKernelRequests), all but the
 * kernel. UPDATEs are handed over --chunk at a time per peer in turn, one event-loop turn per chunk, as
 * socket reads would bring them; with --turn, one peer's whole table after the other, the FIB settled in
 * between (converge.ts --mode=turn). Prints, per run, the time until every prefix has its N-way next-hop set in
 * the FIB model, the CPU time, and the heap in use afterwards (after a full GC: what the tables keep);
 * the process's peak RSS at the end. For a CPU profile, add `--cpu-prof` to the node flags; --heap takes a
 * heap snapshot after the last run and names what fills the heap (use a smaller N, e.g. 20000).
 * It measures the JavaScript side that bench/converge.ts cannot separate from kernel and scheduling noise;
 * converge.ts stays the figure that counts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuUsage, memoryUsage, resourceUsage } from 'node:process';
import { writeHeapSnapshot } from 'node:v8';
import { performance } from 'node:perf_hooks';
import { AdjRibIn } from '../src/bgp/adj-rib-in.js';
import { peerSource } from '../src/bgp/rib/path.js';
import type { Peer } from '../src/bgp/peer.js';
import { parseRouterConfig } from '../src/config/router-config.js';
import { parseAddress, parsePrefix } from '../src/lib/address.js';
import { systemClock } from '../src/lib/clock.js';
import { silentLogger } from '../src/lib/log.js';
import { parseRouteChanges } from '../src/fib/fib.js';
import { encodeKernelRequests } from '../src/fib/kernel-request.js';
import { FibModel, IdAllocator } from '../src/fib/model.js';
import { Routing, type FibPort } from '../src/router/routing.js';
import type { FibChange } from '../src/lib/nexthop.js';
import { Framer } from '../src/wire/bgp/framer.js';
import { decodeMessage } from '../src/wire/bgp/message.js';
import { packAnnouncements } from '../src/wire/bgp/pack.js';
import { AsPathSegmentType, Origin, type CodecContext } from '../src/wire/bgp/types.js';
import { summarizeHeapSnapshot } from './lib/heap-snapshot.js';

const ROUTER_AS = 64513;
const PEER_AS = 64512;
const SETTINGS = { table: 254, protocol: 201, metric: 20 };

interface Options { n: number; peers: number; runs: number; chunk: number; heap: boolean; turn: boolean }

function parseOptions(argv: readonly string[]): Options {
  const o: Options = { n: 100_000, peers: 3, runs: 3, chunk: 16, heap: false, turn: false };
  for (const a of argv) {
    const [k, v = ''] = a.split('=');
    if (/^\d+$/.test(a)) o.n = Number(a);
    else if (k === '--peers') o.peers = Number(v);
    else if (k === '--runs') o.runs = Number(v);
    else if (k === '--chunk') o.chunk = Number(v);
    else if (a === '--heap') o.heap = true;
    else if (a === '--turn') o.turn = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!(o.n > 0 && o.n < 1 << 22) || !(o.peers >= 1 && o.peers <= 200) || !(o.runs >= 1) || !(o.chunk >= 1)) {
    throw new Error('N must be 1..4194303, --peers 1..200, --runs >= 1, --chunk >= 1');
  }
  return o;
}

/** The UPDATE messages (one buffer, as a socket delivers them) that peer `i` sends. */
function feed(o: Options, i: number, ctx: CodecContext): Uint8Array {
  const start = ((100 << 24) | (64 << 16)) >>> 0;
  const prefixes = Array.from({ length: o.n }, (_, k) => {
    const a = (start + k) >>> 0;
    return { family: 4 as const, addr: Uint8Array.of(a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff), len: 32 };
  });
  const updates = packAnnouncements({
    family: 4, nextHop: `10.0.0.${11 + i}`, prefixes,
    attributes: { origin: Origin.IGP, asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [PEER_AS] }] },
  }, ctx);
  return Buffer.concat(updates);
}

/** Just what Routing.peerRoutes reads of a Peer, with its Adj-RIB-In. */
function fakePeer(address: string, i: number): Peer {
  const peer = {
    name: address, ibgp: false, peerAs: PEER_AS, isEstablished: true,
    options: { address, fsm: { localAs: ROUTER_AS } },
    fsmState: { peerOpen: { bgpId: `10.255.0.${i + 1}` } },
  } as unknown as Peer;
  return Object.assign(peer, { ribIn: new AdjRibIn(undefined, () => peerSource(peer)) });
}

/** Fib.apply without the kernel: the same parsing and planning, the netlink bytes encoded and dropped. */
class ModelFib implements FibPort {
  readonly model = new FibModel(new IdAllocator(1_000_000), 'objects');
  requests = 0;
  async apply(changes: Iterable<FibChange>): Promise<{ failures: [] }> {
    const parsed = parseRouteChanges(changes);
    await Promise.resolve();
    const resolved = new Map([...this.model.unknownAddresses(parsed.changes.values())].map((a) => [a, { gateway: parseAddress(a), oif: 2 }]));
    const reqs = this.model.plan(parsed.changes.values(), resolved);
    this.requests += reqs.length;
    encodeKernelRequests(reqs, SETTINGS);
    return { failures: [] };
  }

  full(n: number, peers: number): boolean {
    if (this.model.routes.size < n) return false;
    for (const r of this.model.routes.values()) if ((r.group?.members.length ?? 0) < peers) return false;
    return true;
  }
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

async function run(o: Options, wires: readonly Uint8Array[], ctx: CodecContext, last: boolean): Promise<{ ms: number; cpuMs: number; heapMiB: number; requests: number }> {
  const cfg = parseRouterConfig([
    `asn: ${ROUTER_AS}`, 'routerId: 10.0.0.1', 'maximumPaths: 4',
    'neighbors:', `  - { range: 10.0.0.0/16, remoteAs: ${PEER_AS}, group: nodes }`, 'groups:', '  nodes: { import: all }', '',
  ].join('\n'));
  const fib = new ModelFib();
  const peers = wires.map((_, i) => fakePeer(`10.0.0.${11 + i}`, i));
  const routing = new Routing(cfg, systemClock, silentLogger(), fib, () => ({ connected: [parsePrefix('10.0.0.0/16')], local: ['10.0.0.1'] }), () => [], {
    refused: () => undefined, maxPrefixExceeded: () => undefined, changed: () => undefined,
  });
  const neighbor = cfg.neighbors[0]!;
  for (const p of peers) routing.attach(p, neighbor);
  const ribs = peers.map((p) => p.ribIn);
  const framers = peers.map(() => new Framer(ctx));
  const messages = wires.map((w, i) => framers[i]!.push(w));
  const cpu0 = cpuUsage();
  const t0 = performance.now();
  const deliver = (i: number, from: number, to: number): void => {
    const list = messages[i]!;
    for (let k = from; k < Math.min(to, list.length); k++) {
      const { message } = decodeMessage(list[k]!, ctx);
      if (message.type === 'update' && message.nlri.length > 0) routing.peerRoutes(peers[i]!, ribs[i]!.apply(message, systemClock.now()));
    }
  };
  const longest = Math.max(...messages.map((m) => m.length));
  // --turn: each peer's whole table, the FIB settled, then the next peer's (bench/converge.ts --mode=turn)
  for (const group of o.turn ? peers.map((_, i) => [i]) : [peers.map((_, i) => i)]) {
    for (let at = 0; at < longest; at += o.chunk) {
      for (const i of group) deliver(i, at, at + o.chunk);
      await turn();
    }
    await routing.settled();
  }
  const ms = performance.now() - t0;
  const cpu = cpuUsage(cpu0);
  if (!fib.full(o.n, o.peers)) throw new Error('the FIB model does not have every prefix with every next hop');
  (globalThis as { gc?: () => void }).gc?.();
  const heapMiB = memoryUsage().heapUsed / 2 ** 20;
  if (last && o.heap) {
    const dir = mkdtempSync(join(tmpdir(), 'vipgate-rib-heap-'));
    const file = writeHeapSnapshot(join(dir, 'rib.heapsnapshot'));
    const h = summarizeHeapSnapshot(file, 20);
    process.stdout.write(`heap: ${h.totalMiB} MiB in objects; largest kinds:\n`);
    for (const k of h.kinds) process.stdout.write(`  ${String(k.mib).padStart(7)} MiB ${String(k.count).padStart(9)}  ${k.kind}\n`);
    rmSync(dir, { recursive: true, force: true });
  }
  // keep the tables alive until the heap was measured
  if (ribs.reduce((s, r) => s + r.size, 0) !== o.n * o.peers) throw new Error('an Adj-RIB-In lost routes');
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, heapMiB, requests: fib.requests };
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (!(globalThis as { gc?: unknown }).gc) process.stderr.write('(run node with --expose-gc for the retained heap figure)\n');
  const ctx: CodecContext = { fourOctetAs: true, extendedMessage: false, addPath: new Set() };
  const wires = Array.from({ length: o.peers }, (_, i) => feed(o, i, ctx));
  for (let r = 0; r < o.runs; r++) {
    const x = await run(o, wires, ctx, r === o.runs - 1);
    process.stdout.write(`run ${r + 1}: ${x.ms.toFixed(0)} ms, ${x.cpuMs.toFixed(0)} CPU ms, heap after GC ${x.heapMiB.toFixed(1)} MiB, ${x.requests} kernel requests\n`);
    (globalThis as { gc?: () => void }).gc?.();
  }
  process.stdout.write(`peak RSS ${(resourceUsage().maxRSS / 1024).toFixed(1)} MiB (all runs)\n`);
}

await main();
