/**
 * The router's answers on the control socket: `show bgp summary`, `show ip bgp [prefix]`, `show routes`,
 * `show running-config`, `clear bgp`, `reload`, as the JSON shapes of src/control/views.ts.
 */
import { formatPrefix, parsePrefix, type Prefix } from '../lib/address.js';
import type { Peer } from '../bgp/peer.js';
import type { Path } from '../bgp/rib/path.js';
import { renderRunningConfig } from '../config/render.js';
import { formatCommunity, formatLargeCommunity } from '../config/values.js';
import type { ControlServer } from '../control/server.js';
import type { BfdView, BgpPathView, BgpSummary, BgpTable, KernelRouteView, PeerSummary, ReloadView } from '../control/views.js';
import { ConfigError } from '../config/error.js';
import type { AsPathSegment, ExtendedCommunity, PathAttributes } from '../wire/bgp/types.js';
import { parseLinkBandwidth } from '../wire/bgp/communities.js';
import type { RouterDaemon } from './daemon.js';

const ORIGINS = ['IGP', 'EGP', 'incomplete'] as const;

export function formatAsPath(segments: readonly AsPathSegment[] | undefined): string {
  return (segments ?? []).map((s) => (s.type === 1 || s.type === 4 ? `{${s.asns.join(',')}}` : s.asns.join(' '))).join(' ');
}

export function formatExtendedCommunity(e: ExtendedCommunity): string {
  const lb = parseLinkBandwidth(e);
  if (lb) return `LB:${lb.asn}:${lb.bytesPerSecond} (${((lb.bytesPerSecond * 8) / 1e6).toFixed(3)} Mbps)`;
  return `0x${e.type.toString(16).padStart(2, '0')}${e.subtype.toString(16).padStart(2, '0')}:${Buffer.from(e.value).toString('hex')}`;
}

function peerSummary(d: RouterDaemon, p: Peer): PeerSummary {
  const n = d.neighbor(p);
  const fqdn = p.negotiated?.peerFqdn;
  return {
    name: p.name, address: p.options.address, remoteAs: p.peerAs ?? n?.remoteAs ?? '?', localAs: p.options.fsm.localAs,
    state: p.state, dynamic: d.speaker.isDynamic(p),
    ...(p.options.description ? { description: p.options.description } : {}),
    messagesReceived: p.stats.messagesIn, messagesSent: p.stats.messagesOut + p.stats.updatesOut, outQueue: p.ribOut.pendingCount,
    upDownSeconds: (performance.now() - p.stats.lastUpDown) / 1000,
    establishedCount: p.stats.establishedTransitions,
    prefixesReceived: p.ribIn.size, prefixesAccepted: d.routing.acceptedCount(p), prefixesSent: p.ribOut.size,
    ...(p.stats.lastError ? { lastError: p.stats.lastError } : {}),
    ...(fqdn ? { hostname: fqdn.hostname } : {}),
    ...(p.negotiated ? { capabilities: p.fsmState.peerOpen?.capabilities.map((c) => c.kind) ?? [] } : {}),
  };
}

export function bgpSummary(d: RouterDaemon): BgpSummary {
  return {
    routerId: d.cfg.routerId, localAs: d.cfg.asn,
    ribEntries: d.routing.ribs[4].size + d.routing.ribs[6].size,
    peers: d.speaker.peers().map((p) => peerSummary(d, p)),
  };
}

function pathView(p: Path, best: boolean, multipath: boolean, weight: number | undefined, reason: string | undefined, now: number): BgpPathView {
  const a = p.attributes;
  return {
    prefix: p.key, peer: p.source.local ? 'local' : p.source.address, nextHop: p.nextHop, best, multipath, stale: p.stale,
    internal: p.source.ibgp, local: p.source.local === true, ...(reason ? { reason } : {}),
    origin: ORIGINS[a.origin ?? 2]!, asPath: formatAsPath(a.asPath),
    ...(a.med !== undefined ? { med: a.med } : {}), ...(a.localPref !== undefined ? { localPref: a.localPref } : {}),
    communities: (a.communities ?? []).map(formatCommunity),
    largeCommunities: (a.largeCommunities ?? []).map(formatLargeCommunity),
    extendedCommunities: (a.extendedCommunities ?? []).map(formatExtendedCommunity),
    ...(weight !== undefined ? { weight } : {}),
    age: Math.round((now - p.receivedAt) / 1000),
  };
}

export function bgpTable(d: RouterDaemon, prefix?: string): BgpTable {
  const paths: BgpPathView[] = [];
  const now = performance.now();
  const wanted = prefix === undefined ? undefined : formatPrefix(parsePrefix(prefix));
  for (const family of [4, 6] as const) {
    const rib = d.routing.ribs[family];
    const keys = wanted === undefined ? [...rib.routes()].map((r) => r.key) : [wanted];
    for (const key of keys.sort(comparePrefixKeys)) {
      const state = rib.get(key);
      // best first, then the other multipath members, then the rest (as FRR lists them)
      const rank = (p: Path): number => (state?.best === p ? 0 : state?.multipath.some((n) => n.address === p.nextHop) ? 1 : 2);
      for (const p of [...rib.candidates(key)].sort((a, b) => rank(a) - rank(b))) {
        const isBest = state?.best === p;
        const mp = state?.multipath.find((n) => n.address === p.nextHop && !p.source.local);
        paths.push(pathView(p, isBest, !isBest && mp !== undefined && (state?.multipath.length ?? 0) > 1, mp?.weight, isBest ? state?.reason : undefined, now));
      }
    }
  }
  return { routerId: d.cfg.routerId, localAs: d.cfg.asn, paths };
}

function comparePrefixKeys(a: string, b: string): number {
  const pa = parsePrefix(a);
  const pb = parsePrefix(b);
  for (let i = 0; i < pa.addr.length; i++) if (pa.addr[i] !== pb.addr[i]) return pa.addr[i]! - pb.addr[i]!;
  return pa.len - pb.len;
}

/** What the router asked the kernel for: each installed prefix with its next hops and weights. */
export function installedRoutes(d: RouterDaemon): KernelRouteView[] {
  const out: KernelRouteView[] = [];
  for (const family of [4, 6] as const) {
    for (const r of d.routing.ribs[family].routes()) {
      if (r.best.source.local) continue;
      out.push({
        prefix: r.key, table: d.cfg.fib.table, metric: d.cfg.fib.metric, protocol: 'vipgate',
        nexthops: r.multipath.map((n) => ({ gateway: n.address, weight: n.weight })),
      });
    }
  }
  return out;
}

/** FRR's `show ip bgp neighbors X received-routes`: the peer's Adj-RIB-In, before policy. */
/** One neighbor's routes as a table: what it sent us (Adj-RIB-In) or what we sent it (Adj-RIB-Out). */
function neighborTable(d: RouterDaemon, address: string, rows: (peer: Peer) => Iterable<{
  readonly prefix: Prefix; readonly key: string; readonly pathId?: number; readonly attributes: PathAttributes; readonly nextHop: string;
  readonly stale?: boolean; readonly receivedAt?: number;
}>): BgpTable {
  const peer = d.speaker.peer(address);
  if (!peer) throw new Error(`no neighbor ${address}`);
  const now = performance.now();
  const source = { address: peer.options.address, asn: peer.peerAs ?? 0, routerId: peer.fsmState.peerOpen?.bgpId ?? '', ibgp: peer.ibgp };
  const paths: BgpPathView[] = [];
  for (const e of rows(peer)) {
    paths.push(pathView({
      prefix: e.prefix, key: e.key, pathId: e.pathId ?? 0, attributes: e.attributes, nextHop: e.nextHop, igpCost: 0, stale: e.stale ?? false,
      gracefulShutdown: false, receivedAt: e.receivedAt ?? now, source,
    }, false, false, undefined, undefined, now));
  }
  paths.sort((a, b) => comparePrefixKeys(a.prefix, b.prefix));
  return { routerId: d.cfg.routerId, localAs: d.cfg.asn, paths };
}

/** `show ip bgp neighbors X received-routes`: the Adj-RIB-In, before import policy. */
export function receivedRoutes(d: RouterDaemon, address: string): BgpTable {
  return neighborTable(d, address, (peer) => peer.ribIn.entries());
}

/** `show ip bgp neighbors X advertised-routes`: the Adj-RIB-Out, as sent (after export policy and rules). */
export function advertisedRoutes(d: RouterDaemon, address: string): BgpTable {
  return neighborTable(d, address, (peer) => peer.ribOut.routes());
}

export function registerViews(control: ControlServer, d: RouterDaemon): void {
  control.handle('show bgp summary', () => bgpSummary(d));
  control.handle('show ip bgp', (args) => bgpTable(d, typeof args.prefix === 'string' ? args.prefix : undefined));
  control.handle('show routes', () => d.kernelRoutes());
  control.handle('show bfd', () => bfdView(d));
  control.handle('show ip bgp neighbors received-routes', (args) => receivedRoutes(d, String(args.peer)));
  control.handle('show ip bgp neighbors advertised-routes', (args) => advertisedRoutes(d, String(args.peer)));
  control.handle('show running-config', () => ({ text: renderRunningConfig(d.cfg) }));
  control.handle('clear bgp', (args) => clearBgp(d, typeof args.peer === 'string' ? args.peer : '*'));
  control.handle('reload', async (): Promise<ReloadView> => {
    try {
      return { reloaded: await d.reloadFile() };
    } catch (e) {
      if (e instanceof ConfigError) return { invalid: e.message };
      throw e;
    }
  });
}

/** `show bfd`: the BFD sessions and the next-hop probes. */
export async function bfdView(d: RouterDaemon): Promise<BfdView> {
  return { sessions: (await d.bfd?.views()) ?? [], probes: d.probe?.views() ?? [] };
}

/** `clear bgp <address|*>`: reset the sessions; the names of the peers reset. */
export function clearBgp(d: RouterDaemon, target: string): { reset: string[] } {
  const peers = d.speaker.peers().filter((p) => target === '*' || p.options.address === target);
  if (peers.length === 0) throw new Error(`no neighbor ${target}`);
  for (const p of peers) p.reset('cleared by operator');
  return { reset: peers.map((p) => p.name) };
}
