/**
 * The fault tests' topology: a real `vipgate router` process in one namespace and a swarm of BGP speakers
 * (fixtures/swarm.ts) in another, joined by one veth; peer i speaks from 10.77.1.0 + i. VIP v is announced
 * by peers v, v+1 and v+2 (modulo the peer count), so every VIP has a 3-way ECMP route whose next hops are
 * known in advance. Also reads what the kernel holds (`ip -j route` + `ip -j nexthop`) and what the RIB
 * says should be there (`vipgate show ip bgp --json`: best + multipath next hops), for comparison.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Netlab, waitFor } from '../helpers/netns.js';
import { CLI, REPO, VipgateRouter } from '../helpers/vipgate.js';
import type { BgpTable } from '../../src/control/views.js';
import type { SwarmSpec } from './fixtures/swarm.js';

const ROUTER_ADDRESS = '10.77.0.1';
const ROUTER_AS = 64513;
const PEER_AS = 64512;
const VIPGATE_PROTO = 201;
const SWARM = join(REPO, 'test/fault/fixtures/swarm.ts');

export interface SwarmLabOptions {
  readonly peers: number;
  readonly vips: number;
  /** Ways of ECMP per VIP (each VIP announced by this many consecutive peers). */
  readonly ways?: number;
  readonly holdTime?: number;
  /** Extra router configuration lines (YAML, top level). */
  readonly extraConfig?: readonly string[];
}

const peerAddress = (i: number): string => `10.77.${1 + (i >> 8)}.${i & 0xff}`;
const vipPrefix = (v: number): string => `172.20.${v >> 8}.${v & 0xff}/32`;

/** Each peer's prefixes, in the order it announces them: VIP v goes to peers v .. v+ways-1 (modulo the count). */
export function peerPrefixes(o: SwarmLabOptions): string[][] {
  const ways = o.ways ?? 3;
  const out: string[][] = Array.from({ length: o.peers }, () => []);
  for (let v = 0; v < o.vips; v++) for (let k = 0; k < ways; k++) out[(v + k) % o.peers]!.push(vipPrefix(v));
  return out;
}

/**
 * VIP prefix → sorted next hops, as the announcements make them; `withdrawn[i]` is how many of peer i's
 * first prefixes it does not announce (the swarm's `withdraw I N`).
 */
export function expectedTable(o: SwarmLabOptions, withdrawn: readonly number[] = []): Map<string, string[]> {
  const out = new Map<string, string[]>();
  peerPrefixes(o).forEach((list, i) => {
    for (const prefix of list.slice(withdrawn[i] ?? 0)) out.set(prefix, [...(out.get(prefix) ?? []), peerAddress(i)]);
  });
  for (const hops of out.values()) hops.sort();
  return out;
}

function routerYaml(o: SwarmLabOptions): string {
  return [
    `asn: ${ROUTER_AS}`,
    `routerId: ${ROUTER_ADDRESS}`,
    'maximumPaths: 8',
    'neighbors:',
    `  - { range: 10.77.0.0/16, remoteAs: ${PEER_AS}, group: nodes }`,
    'groups:',
    `  nodes: { import: all, holdTime: ${o.holdTime ?? 30} }`,
    ...(o.extraConfig ?? ['fib: { startupHold: 0 }']),
    '',
  ].join('\n');
}

export class Swarm {
  readonly lines: string[] = [];
  private readonly child: ChildProcess;

  constructor(lab: Netlab, ns: string, o: SwarmLabOptions, dir: string) {
    const prefixes = peerPrefixes(o);
    const spec: SwarmSpec = {
      router: ROUTER_ADDRESS, asn: PEER_AS, holdTime: o.holdTime ?? 30,
      peers: prefixes.map((list, i) => ({ address: peerAddress(i), prefixes: list })),
    };
    const file = join(dir, 'swarm.json');
    writeFileSync(file, JSON.stringify(spec));
    this.child = lab.spawn(ns, process.execPath, ['--import', 'tsx', SWARM, file], { cwd: REPO, stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.child.stdout! }).on('line', (l) => { if (!l.startsWith('sessions ')) this.lines.push(l); });
  }

  send(command: string): void { this.child.stdin!.write(`${command}\n`); }

  /** Errors the swarm reported, for assertions. */
  errors(): string[] { return this.lines.filter((l) => l.startsWith('error')); }

  kill(): void { if (this.child.exitCode === null) this.child.kill('SIGKILL'); }
}

/** Router and swarm namespaces, linked; the swarm side carries every peer address. */
function buildTopology(lab: Netlab, peers: number): { routerNs: string; swarmNs: string } {
  const routerNs = lab.ns('rtr');
  const swarmNs = lab.ns('swarm');
  const { ifB } = lab.link(routerNs, [`${ROUTER_ADDRESS}/16`], swarmNs, [], 'sw');
  const batch = Array.from({ length: peers }, (_, i) => `address add ${peerAddress(i)}/16 dev ${ifB}`).join('\n');
  lab.exec(swarmNs, 'ip', ['-batch', '-'], `${batch}\n`);
  for (const ns of [routerNs, swarmNs]) lab.exec(ns, 'sysctl', ['-qw', 'net.ipv4.conf.all.rp_filter=2']);
  return { routerNs, swarmNs };
}

interface IpRoute { dst: string; nhid?: number; gateway?: string; nexthops?: { gateway?: string }[] }
interface IpNexthop { id: number; gateway?: string; group?: { id: number }[] }

/** Run in a namespace, with room for big JSON answers (10,000 routes is megabytes of `ip -j`). */
function execBig(ns: string, cmd: string, args: readonly string[]): string {
  return execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8', maxBuffer: 256 << 20, timeout: 60_000 });
}

function hostPrefix(dst: string): string { return dst.includes('/') ? dst : `${dst}/32`; }

/** What the kernel forwards with: prefix → sorted gateways, for routes of `protocol` (both nexthop forms). */
export function kernelTable(ns: string, protocol = VIPGATE_PROTO): Map<string, string[]> {
  const routes = JSON.parse(execBig(ns, 'ip', ['-j', 'route', 'show', 'proto', String(protocol)]) || '[]') as IpRoute[];
  const nexthops = new Map((JSON.parse(execBig(ns, 'ip', ['-j', 'nexthop']) || '[]') as IpNexthop[]).map((n) => [n.id, n]));
  const gatewaysOf = (id: number): string[] => {
    const n = nexthops.get(id);
    if (!n) return [`missing nexthop ${id}`];
    return n.group ? n.group.flatMap((m) => gatewaysOf(m.id)) : [n.gateway ?? `nexthop ${id} without gateway`];
  };
  const out = new Map<string, string[]>();
  for (const r of routes) {
    const gws = r.nhid !== undefined ? gatewaysOf(r.nhid) : r.nexthops ? r.nexthops.map((h) => h.gateway ?? '?') : [r.gateway ?? '?'];
    out.set(hostPrefix(r.dst), gws.sort());
  }
  return out;
}

/** Nexthop objects of `protocol` that no route of it uses, directly or as a group member (leftovers). */
export function orphanNexthops(ns: string, protocol = VIPGATE_PROTO): number[] {
  const routes = JSON.parse(execBig(ns, 'ip', ['-j', 'route', 'show', 'proto', String(protocol)]) || '[]') as IpRoute[];
  const all = JSON.parse(execBig(ns, 'ip', ['-j', 'nexthop', 'show', 'protocol', String(protocol)]) || '[]') as IpNexthop[];
  const byId = new Map(all.map((n) => [n.id, n]));
  const used = new Set<number>();
  const use = (id: number): void => { used.add(id); for (const m of byId.get(id)?.group ?? []) use(m.id); };
  for (const r of routes) if (r.nhid !== undefined) use(r.nhid);
  return all.map((n) => n.id).filter((id) => !used.has(id));
}

/** What the RIB wants installed: prefix → sorted next hops of its best and multipath paths (the CLI's JSON). */
export function ribTable(ns: string, socket: string): Map<string, string[]> {
  const table = JSON.parse(execBig(ns, process.execPath, [CLI, 'show', 'ip', 'bgp', '--json', '--socket', socket])) as BgpTable;
  const out = new Map<string, string[]>();
  for (const p of table.paths) {
    if (!p.best && !p.multipath) continue;
    out.set(p.prefix, [...(out.get(p.prefix) ?? []), p.nextHop]);
  }
  for (const list of out.values()) list.sort();
  return out;
}

/** Differences between two tables, at most `limit` lines (empty: equal). */
export function tableDiff(want: Map<string, string[]>, got: Map<string, string[]>, limit = 10): string[] {
  const out: string[] = [];
  for (const [prefix, hops] of want) {
    const g = got.get(prefix);
    if (!g) out.push(`${prefix}: missing (want ${hops.join(' ')})`);
    else if (g.join(' ') !== hops.join(' ')) out.push(`${prefix}: ${g.join(' ')} (want ${hops.join(' ')})`);
  }
  for (const prefix of got.keys()) if (!want.has(prefix)) out.push(`${prefix}: unexpected (${got.get(prefix)!.join(' ')})`);
  return out.length > limit ? [...out.slice(0, limit), `... ${out.length - limit} more`] : out;
}

/** Wait until every configured peer is Established on the router and the kernel holds exactly `want`. */
export async function waitConverged(router: VipgateRouter, peers: number, want: Map<string, string[]>, timeoutMs: number): Promise<void> {
  let last: string[] = ['sessions not all up'];
  try {
    await waitFor(`router converged (${peers} sessions, ${want.size} routes)`, async () => {
      const s = await router.summary().catch(() => undefined);
      const up = s?.peers.filter((p) => p.state === 'Established').length ?? 0;
      if (up < peers) {
        last = [`${up} of ${peers} sessions up`, ...(s?.peers.filter((p) => p.state !== 'Established').slice(0, 5).map((p) => `${p.address} ${p.state}`) ?? [])];
        return undefined;
      }
      last = tableDiff(want, kernelTable(router.ns));
      return last.length === 0 ? true : undefined;
    }, timeoutMs, 250);
  } catch (e) {
    throw new Error(`${(e as Error).message}; last differences: ${last.join('; ')}`);
  }
}

/** The router process's resident set, MiB (from /proc). */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** The whole setup: namespaces, the router (its config from `o`) and the swarm; dispose() removes it all. */
export interface SwarmLab {
  readonly lab: Netlab;
  readonly router: VipgateRouter;
  readonly swarm: Swarm;
  dispose(): Promise<void>;
}

export async function startSwarmLab(o: SwarmLabOptions): Promise<SwarmLab> {
  const lab = new Netlab();
  const dir = mkdtempSync(join(tmpdir(), 'vipgate-swarm-'));
  let router: VipgateRouter | undefined;
  let swarm: Swarm | undefined;
  const dispose = async (): Promise<void> => {
    swarm?.kill();
    await router?.dispose();
    await lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const t = buildTopology(lab, o.peers);
    router = await VipgateRouter.start(lab, t.routerNs, routerYaml(o));
    swarm = new Swarm(lab, t.swarmNs, o, dir);
    return { lab, router, swarm, dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}
