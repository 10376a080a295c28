/**
 * `show ip bgp` / `show bgp ipv6` as data (control/views.ts BgpTable): the Loc-RIB's candidates of one
 * family (or both), every prefix's paths in FRR's order (the most recently received first, as FRR keeps
 * them) with best, multipath, stale, the attributes and the peer's BGP Identifier; for a single prefix also
 * its table version and the peers it is advertised to. And a neighbor's Adj-RIB-In or -Out as a table.
 */
import { formatPrefix, parsePrefix, type Family, type Prefix } from '../lib/address.js';
import type { Peer } from '../bgp/peer.js';
import type { Path } from '../bgp/rib/path.js';
import { formatCommunity, formatLargeCommunity } from '../config/community-text.js';
import type { BgpPathView, BgpTable } from '../control/views.js';
import { comparePeers } from '../control/peer-order.js';
import type { AsPathSegment, PathAttributes } from '../wire/bgp/types.js';
import { formatExtendedCommunity } from '../wire/bgp/communities.js';
import type { RibQuery } from './query.js';

const ORIGINS = ['IGP', 'EGP', 'incomplete'] as const;

export function formatAsPath(segments: readonly AsPathSegment[] | undefined): string {
  return (segments ?? []).map((s) => (s.type === 1 || s.type === 4 ? `{${s.asns.join(',')}}` : s.asns.join(' '))).join(' ');
}

const FAMILIES = { ipv4: 4, ipv6: 6 } as const;

interface PathFlags { readonly best: boolean; readonly multipath: boolean; readonly weight?: number; readonly reason?: string; readonly aggregate?: boolean }

function pathView(p: Path, f: PathFlags, now: number, routerId: string): BgpPathView {
  const a = p.attributes;
  return {
    prefix: p.key, peer: p.source.local ? 'local' : p.source.address, nextHop: p.nextHop, best: f.best, multipath: f.multipath, stale: p.stale,
    internal: p.source.ibgp, local: p.source.local === true, ...(f.reason ? { reason: f.reason } : {}),
    origin: ORIGINS[a.origin ?? 2]!, asPath: formatAsPath(a.asPath),
    ...(a.med !== undefined ? { med: a.med } : {}), ...(a.localPref !== undefined ? { localPref: a.localPref } : {}),
    communities: (a.communities ?? []).map(formatCommunity),
    largeCommunities: (a.largeCommunities ?? []).map(formatLargeCommunity),
    extendedCommunities: (a.extendedCommunities ?? []).map(formatExtendedCommunity),
    ...(f.weight !== undefined ? { weight: f.weight } : {}),
    age: Math.round((now - p.receivedAt) / 1000),
    peerRouterId: p.source.local ? routerId : p.source.routerId,
    ...(f.aggregate ? { aggregate: true } : {}),
    ...(a.atomicAggregate ? { atomicAggregate: true } : {}),
    ...(a.aggregator ? { aggregatedBy: `${a.aggregator.asn} ${a.aggregator.address}` } : {}),
  };
}

export function comparePrefixKeys(a: string, b: string): number {
  const pa = parsePrefix(a);
  const pb = parsePrefix(b);
  if (pa.family !== pb.family) return pa.family - pb.family;
  for (let i = 0; i < pa.addr.length; i++) if (pa.addr[i] !== pb.addr[i]) return pa.addr[i]! - pb.addr[i]!;
  return pa.len - pb.len;
}

/** FRR's order of a prefix's paths: newest first (it puts each new path at the head of the list). */
function frrOrder(paths: readonly Path[]): Path[] {
  return paths.map((p, i) => ({ p, i })).sort((x, y) => y.p.receivedAt - x.p.receivedAt || y.i - x.i).map((x) => x.p);
}

export function bgpTable(d: RibQuery, prefix?: string, family?: 'ipv4' | 'ipv6'): BgpTable {
  const paths: BgpPathView[] = [];
  const now = d.now();
  const wanted = prefix === undefined ? undefined : formatPrefix(parsePrefix(prefix));
  const aggregates = new Set(d.cfg.aggregates.map((a) => formatPrefix(parsePrefix(a.prefix))));
  const families: Family[] = family ? [FAMILIES[family]] : [4, 6];
  for (const f of families) {
    const rib = d.routing.ribs[f];
    const keys = wanted === undefined ? [...rib.routes()].map((r) => r.key) : parsePrefix(wanted).family === f ? [wanted] : [];
    for (const key of keys.sort(comparePrefixKeys)) {
      const state = rib.get(key);
      const members = state?.multipath.length ?? 0;
      for (const p of frrOrder([...rib.candidates(key)])) {
        const isBest = state?.best === p;
        const mp = state?.multipath.find((n) => n.address === p.nextHop && !p.source.local);
        paths.push(pathView(p, {
          best: isBest, multipath: !isBest && members > 1 && mp !== undefined, ...(mp ? { weight: mp.weight } : {}),
          ...(isBest && state?.reason ? { reason: state.reason } : {}), aggregate: p.source.local === true && aggregates.has(key),
        }, now, d.cfg.routerId));
      }
    }
  }
  const entries = wanted === undefined ? undefined : [...new Set(paths.map((p) => p.prefix))].map((key) => ({
    prefix: key, version: d.versions.prefix(key),
    advertisedTo: d.speaker.peers().filter((peer) => peer.ribOut.has(key)).map((peer) => ({ address: peer.options.address, group: d.neighbor(peer)?.group }))
      .sort(comparePeers).map((peer) => peer.address),
  }));
  return {
    routerId: d.cfg.routerId, localAs: d.cfg.asn, defaultLocalPref: d.cfg.defaultLocalPref,
    ...(family ? { family, tableVersion: d.versions.of(FAMILIES[family]) } : {}),
    paths, ...(entries ? { entries } : {}),
  };
}

/** One neighbor's routes as a table: what it sent us (Adj-RIB-In) or what we sent it (Adj-RIB-Out). */
export function neighborTable(d: RibQuery, address: string, rows: (peer: Peer) => Iterable<{
  readonly prefix: Prefix; readonly key: string; readonly pathId?: number; readonly attributes: PathAttributes; readonly nextHop: string;
  readonly stale?: boolean; readonly receivedAt?: number;
}>): BgpTable {
  const peer = d.speaker.peer(address);
  if (!peer) throw new Error(`no neighbor ${address}`);
  const now = d.now();
  const source = { address: peer.options.address, asn: peer.peerAs ?? 0, routerId: peer.fsmState.peerOpen?.bgpId ?? '', ibgp: peer.ibgp };
  const paths: BgpPathView[] = [];
  for (const e of rows(peer)) {
    paths.push(pathView({
      prefix: e.prefix, key: e.key, pathId: e.pathId ?? 0, attributes: e.attributes, nextHop: e.nextHop, igpCost: 0, stale: e.stale ?? false,
      gracefulShutdown: false, receivedAt: e.receivedAt ?? now, source,
    }, { best: false, multipath: false }, now, d.cfg.routerId));
  }
  paths.sort((a, b) => comparePrefixKeys(a.prefix, b.prefix));
  return { routerId: d.cfg.routerId, localAs: d.cfg.asn, paths };
}
