/**
 * Failover benchmark (not a test): `npx tsx bench/failover.ts [--vips N] [--runs R] [--only substring]`.
 * Three BIRD nodes announce the same N VIPs (default 10,000 /32s) to a router on one bridge segment; the
 * router installs every VIP with three next hops. Then node n1 fails hard: its bridge port stops forwarding
 * (a silent partition: nobody loses carrier, so no daemon learns of it from a link event). Measured: the
 * time from the failure to the moment the router's kernel holds all N routes without n1's next hop, watched
 * by dumping the kernel's routes over netlink in a loop inside the router's namespace.
 * Routers: vipgate with BFD 100 ms x 3, with hold time 3 s, with ICMP probing 100 ms x 3; BIRD 2 and FRR 8
 * with BFD 100 ms x 3, in the same run. Node cannot enter a namespace, so the watcher is this script again,
 * run inside the router's namespace (`--watch`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Reader } from '../src/lib/bytes.js';
import { NetlinkChannel } from '../src/fib/channel.js';
import { buildMessage } from '../src/wire/netlink/message.js';
import { decodeRoute, encodeRoute, type RouteMessage } from '../src/wire/netlink/route.js';
import { decodeNexthop, encodeNexthop } from '../src/wire/netlink/nexthop.js';
import {
  AF_INET, NLM_F_DUMP, NLM_F_REQUEST, RTM_GETNEXTHOP, RTM_GETROUTE, RTM_NEWNEXTHOP, RTM_NEWROUTE,
} from '../src/wire/netlink/constants.js';
import { Netlab } from '../test/helpers/netns.js';
import { VipgateRouter } from '../test/helpers/vipgate.js';
import { BirdDaemon } from '../test/helpers/daemons/bird.js';
import { FrrDaemon } from '../test/helpers/daemons/frr.js';
import type { NeighborSpec } from '../test/helpers/daemons/types.js';
import { nodesRouterConfig } from '../test/integration/bfd/router-config.js';

const ROUTER = '10.30.0.254';
const NODES = ['10.30.0.1', '10.30.0.2', '10.30.0.3'];
const NODE_AS = 65001;
const ROUTER_AS = 64513;

/** VIP i: 10.200.x.y/32. */
const vip = (i: number): string => `10.200.${i >> 8}.${i & 0xff}`;

interface Scenario {
  readonly name: string;
  /** What the nodes run towards the router. */
  readonly nodeBfd: boolean;
  readonly holdTime: number;
  readonly router: (lab: Netlab, ns: string) => Promise<{ stop(): Promise<void> }>;
}

const vipgate = (session: string) => async (lab: Netlab, ns: string) => {
  const r = await VipgateRouter.start(lab, ns, nodesRouterConfig(ROUTER, NODES, session, NODE_AS));
  return { stop: () => r.dispose() };
};

const nodesAsNeighbors = (holdTime: number, bfd: boolean): NeighborSpec[] => NODES.map((address) => ({ address, as: NODE_AS, holdTime, bfd }));

const SCENARIOS: Scenario[] = [
  { name: 'vipgate, BFD 100 ms x 3', nodeBfd: true, holdTime: 30, router: vipgate('holdTime: 30, bfd: { enabled: true, minRx: 100, minTx: 100, multiplier: 3 }') },
  { name: 'vipgate, hold time 3 s', nodeBfd: false, holdTime: 3, router: vipgate('holdTime: 3') },
  { name: 'vipgate, probing 100 ms x 3', nodeBfd: false, holdTime: 30, router: vipgate('holdTime: 30, probe: { enabled: true, intervalMs: 100, misses: 3, recovers: 3 }') },
  {
    name: 'BIRD 2, BFD 100 ms x 3', nodeBfd: true, holdTime: 30,
    router: (lab, ns) => BirdDaemon.start(lab, ns, { routerId: ROUTER, as: ROUTER_AS, kernel: true, neighbors: nodesAsNeighbors(30, true) }),
  },
  {
    name: 'FRR 8, BFD 100 ms x 3', nodeBfd: true, holdTime: 30,
    router: (lab, ns) => FrrDaemon.start(lab, ns, { routerId: ROUTER, as: ROUTER_AS, neighbors: nodesAsNeighbors(30, true) }),
  },
];

// ---- inside the router's namespace

interface Watch {
  /** Failure to the last change of a VIP route or of a nexthop group that the kernel announced by the end of the
   * dump that found the work done (other changes, such as deleting the dead next hop's own object afterwards,
   * are not counted; route changes after the dump's snapshot but before its end are, so this errs long). */
  seconds: number;
  /** Failure to the end of that dump: an upper bound, coarse when dumps are slow. */
  upperBound: number;
  dumps: number;
  dumpMs: number;
  waitedForSetup: number;
}


/**
 * The wall-clock time (ms) of the last change of a VIP route or a nexthop group in `ip -ts monitor` output,
 * up to `until` (other changes, such as deleting the dead next hop's own object afterwards, are not counted).
 */
function lastRelevantChange(text: string, until: number): number | undefined {
  let last: number | undefined;
  for (const m of text.matchAll(/^\[([^\]]+)\]\s*(?:Deleted\s+)?(\S+)(.*)$/gm)) {
    const at = Date.parse(m[1]!.slice(0, 23)) + Number(`0.${m[1]!.slice(23, 26) || '0'}`);
    const relevant = m[2]!.startsWith('10.200.') || (m[2] === 'id' && m[3]!.includes(' group '));
    if (relevant && at <= until && (last === undefined || at > last)) last = at;
  }
  return last;
}

const isVip = (r: RouteMessage): boolean => r.dstLen === 32 && r.dst?.[0] === 10 && r.dst[1] === 200;

/** Our VIP routes in the main table and the gateways of each (nexthop objects resolved). */
async function vipGateways(channel: NetlinkChannel): Promise<string[][]> {
  const replies = await channel.dump(buildMessage({ type: RTM_GETROUTE, flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 0, pid: 0 }, (w) =>
    encodeRoute(w, { family: AF_INET, dstLen: 0, srcLen: 0, tos: 0, table: 254, protocol: 0, scope: 0, type: 0, flags: 0 })));
  const routes = replies.filter((m) => m.type === RTM_NEWROUTE).map((m) => decodeRoute(new Reader(m.payload))).filter(isVip);
  let groups: Map<number, string[]> | undefined;
  const gw = (b: Uint8Array | undefined) => (b ? b.join('.') : '?');
  const out: string[][] = [];
  for (const r of routes) {
    if (r.multipath) { out.push(r.multipath.map((h) => gw(h.gateway))); continue; }
    if (r.nhId === undefined) { out.push([gw(r.gateway)]); continue; }
    groups ??= await nexthopGateways(channel);
    out.push(groups.get(r.nhId) ?? []);
  }
  return out;
}

async function nexthopGateways(channel: NetlinkChannel): Promise<Map<number, string[]>> {
  const replies = await channel.dump(buildMessage({ type: RTM_GETNEXTHOP, flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 0, pid: 0 }, (w) =>
    encodeNexthop(w, { family: 0, scope: 0, protocol: 0, flags: 0 })));
  const nhs = replies.filter((m) => m.type === RTM_NEWNEXTHOP).map((m) => decodeNexthop(new Reader(m.payload)));
  const byId = new Map(nhs.map((n) => [n.id!, n]));
  const out = new Map<number, string[]>();
  for (const n of nhs) {
    const members = n.group ? n.group.map((m) => byId.get(m.id)) : [n];
    out.set(n.id!, members.map((m) => (m?.gateway ? m.gateway.join('.') : '?')));
  }
  return out;
}

const since = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function watch(failure: string[], dead: string, n: number): Promise<Watch> {
  const channel = new NetlinkChannel();
  // every route and nexthop change the kernel announces, with its time (`ip -ts monitor`, wall clock, µs)
  const monitor = spawn('ip', ['-ts', 'monitor', 'nexthop', 'route'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let monitored = '';
  monitor.stdout.on('data', (b: Buffer) => { monitored += b.toString(); });
  try {
    // the set-up is complete when every VIP has its three next hops; then a few seconds for BFD to reach its fast rate
    const setup = process.hrtime.bigint();
    for (let i = 0; ; i++) {
      const g = await vipGateways(channel);
      if (g.length === n && g.every((x) => x.length === NODES.length)) break;
      if (i > 900) throw new Error(`set-up incomplete after 180 s: ${g.length} VIP routes, ${g.filter((x) => x.length === 3).length} with 3 next hops`);
      await sleep(200);
    }
    const waitedForSetup = since(setup);
    await sleep(4000);
    const wall0 = Date.now();
    monitored = '';
    const t0 = process.hrtime.bigint();
    execFileSync(failure[0]!, failure.slice(1));
    let dumps = 0;
    let dumpTotal = 0;
    for (;;) {
      const d0 = process.hrtime.bigint();
      const g = await vipGateways(channel);
      dumps++;
      dumpTotal += since(d0);
      if (g.length === n && g.every((x) => !x.includes(dead) && x.length === NODES.length - 1)) {
        const upperBound = since(t0);
        await sleep(500); // what the monitor has printed by now
        const last = lastRelevantChange(monitored, wall0 + upperBound * 1000);
        return { seconds: last !== undefined ? (last - wall0) / 1000 : upperBound, upperBound, dumps, dumpMs: (dumpTotal / dumps) * 1000, waitedForSetup };
      }
      if (since(t0) > 120) throw new Error(`after 120 s: ${g.filter((x) => x.includes(dead)).length} of ${g.length} routes still hold ${dead}`);
    }
  } finally {
    monitor.kill();
    channel.close();
  }
}

// ---- outside

async function runScenario(s: Scenario, n: number): Promise<Watch> {
  const lab = new Netlab();
  const stops: (() => Promise<void>)[] = [];
  try {
    const seg = lab.segment('hub');
    const rtr = lab.ns('rtr');
    seg.attach(rtr, [`${ROUTER}/24`], 'r');
    stops.push((await s.router(lab, rtr)).stop);
    const announce = Array.from({ length: n }, (_, i) => ({ prefix: `${vip(i)}/32` }));
    for (const [i, address] of NODES.entries()) {
      const ns = lab.ns(`n${i + 1}`);
      seg.attach(ns, [`${address}/24`], `n${i + 1}`);
      const node = await BirdDaemon.start(lab, ns, { routerId: address, as: NODE_AS, neighbors: [{ address: ROUTER, as: ROUTER_AS, holdTime: s.holdTime, bfd: s.nodeBfd }], announce });
      stops.push(() => node.stop());
    }
    const self = fileURLToPath(import.meta.url);
    const root = fileURLToPath(new URL('../', import.meta.url));
    // n1's bridge port stops forwarding (STP state disabled): a silent partition of n1
    const failure = ['ip', 'netns', 'exec', seg.ns, 'bridge', 'link', 'set', 'dev', lab.ifname('n1b'), 'state', '0'];
    const out = execFileSync('ip', ['netns', 'exec', rtr, process.execPath, '--import', 'tsx', self, '--watch', NODES[0]!, String(n), ...failure],
      { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'], timeout: 400_000 });
    return JSON.parse(out) as Watch;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await lab.cleanup();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function outside(opts: { vips: number[]; runs: number; only?: string }): Promise<void> {
  const rows: Record<string, string>[] = [];
  for (const s of SCENARIOS.filter((x) => !opts.only || x.name.includes(opts.only))) {
    for (const n of opts.vips) {
      const results: Watch[] = [];
      for (let r = 0; r < opts.runs; r++) {
        const w = await runScenario(s, n);
        process.stderr.write(`${s.name}, ${n} VIPs, run ${r + 1}: ${w.seconds.toFixed(3)} s, at most ${w.upperBound.toFixed(3)} s (${w.dumps} dumps of ${w.dumpMs.toFixed(1)} ms)\n`);
        results.push(w);
      }
      rows.push({
        router: s.name, VIPs: String(n), runs: String(opts.runs),
        'failure -> last route without the dead next hop (s, median)': median(results.map((w) => w.seconds)).toFixed(3),
        'all runs (s)': results.map((w) => w.seconds.toFixed(3)).join(' '),
        'upper bounds (s)': results.map((w) => w.upperBound.toFixed(3)).join(' '),
      });
    }
  }
  console.log('Hard failure of one of three nodes (its bridge port stops forwarding), every VIP on all three nodes');
  console.table(rows);
}

const args = process.argv.slice(2);
if (args[0] === '--watch') {
  process.stdout.write(JSON.stringify(await watch(args.slice(3), args[1]!, Number(args[2]))));
} else {
  const get = (flag: string) => { const i = args.indexOf(flag); return i >= 0 ? args[i + 1] : undefined; };
  await outside({
    vips: (get('--vips') ?? '10000').split(',').map(Number), runs: Number(get('--runs') ?? 1), ...(get('--only') ? { only: get('--only')! } : {}),
  });
}
