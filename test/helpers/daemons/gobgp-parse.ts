/**
 * Parsers for GoBGP 3's JSON CLI output (`gobgp neighbor -j`, `gobgp global rib -j`, `... adj-in -j`) into
 * the harness's typed model. Path attributes arrive as {type, ...} objects keyed by the RFC 4271 §5 type
 * code: 2 AS_PATH, 3 NEXT_HOP, 8 COMMUNITIES (RFC 1997, as 32-bit numbers), 14 MP_REACH_NLRI (RFC 4760),
 * 16 EXTENDED COMMUNITIES (RFC 4360), 32 LARGE_COMMUNITY (RFC 8092).
 */
import { extFromHalves, extFromParts, extFromWideParts, ipv4ToNumber, type BgpRoute, type ExtCommunity, type PeerStatus, type SessionState } from './types.js';

/** GoBGP's session_state enum (api.PeerState_SessionState), numeric or by name. */
const STATES: Record<string, SessionState> = {
  1: 'Idle', 2: 'Connect', 3: 'Active', 4: 'OpenSent', 5: 'OpenConfirm', 6: 'Established',
  idle: 'Idle', connect: 'Connect', active: 'Active', opensent: 'OpenSent', openconfirm: 'OpenConfirm', established: 'Established',
};

interface GobgpNeighbor {
  conf?: { neighbor_address?: string; peer_asn?: number };
  state?: { neighbor_address?: string; peer_asn?: number; session_state?: number | string };
  timers?: { state?: { negotiated_hold_time?: number } };
}

export function parseGobgpNeighbors(json: string): PeerStatus[] {
  const list = JSON.parse(json) as GobgpNeighbor[] | null;
  return (list ?? []).map((n) => {
    const state = STATES[String(n.state?.session_state ?? 1).toLowerCase()] ?? 'Idle';
    const p: PeerStatus = { address: n.state?.neighbor_address ?? n.conf?.neighbor_address ?? '', state };
    const as = n.state?.peer_asn ?? n.conf?.peer_asn;
    if (as !== undefined) p.remoteAs = as;
    const hold = n.timers?.state?.negotiated_hold_time;
    if (state === 'Established' && hold !== undefined) p.holdTime = hold;
    return p;
  });
}

interface GobgpAttr {
  type: number;
  as_paths?: { asns?: number[] }[];
  nexthop?: string;
  linklocal_nexthop?: string;
  communities?: number[];
  value?: unknown;
}
interface GobgpPath { nlri?: { prefix?: string }; best?: boolean; attrs?: GobgpAttr[]; 'neighbor-ip'?: string }

/** `global rib -j` / `neighbor ADDR adj-in -j`: an object of prefix -> paths. */
export function parseGobgpRib(json: string): BgpRoute[] {
  const rib = (json.trim() === '' ? {} : JSON.parse(json)) as Record<string, GobgpPath[]> | null;
  const out: BgpRoute[] = [];
  for (const [prefix, paths] of Object.entries(rib ?? {})) {
    for (const p of paths) {
      const r: BgpRoute = { prefix: p.nlri?.prefix ?? prefix, nextHops: [], asPath: [], communities: [], largeCommunities: [], extCommunities: [], best: p.best === true };
      if (p['neighbor-ip'] !== undefined) r.fromPeer = p['neighbor-ip'];
      for (const a of p.attrs ?? []) applyAttr(r, a);
      out.push(r);
    }
  }
  return out;
}

function applyAttr(r: BgpRoute, a: GobgpAttr): void {
  switch (a.type) {
    case 2: r.asPath = (a.as_paths ?? []).flatMap((s) => s.asns ?? []); break;
    case 3:
    case 14:
      if (a.nexthop) r.nextHops.push(a.nexthop);
      if (a.linklocal_nexthop) r.nextHops.push(a.linklocal_nexthop);
      break;
    case 8: r.communities = (a.communities ?? []).map((c) => `${c >>> 16}:${c & 0xffff}`); break;
    case 16: r.extCommunities = (a.value as GobgpExt[]).map(gobgpExtCommunity); break;
    case 32: r.largeCommunities = (a.value as { ASN: number; LocalData1: number; LocalData2: number }[]).map((l) => `${l.ASN}:${l.LocalData1}:${l.LocalData2}`); break;
    default: break;
  }
}

interface GobgpExt { type: number; subtype: number; value?: unknown; asn?: number; bandwidth?: number }

/** GoBGP prints the common forms as "global:local"; anything it does not know as raw value octets. */
function gobgpExtCommunity(e: GobgpExt): ExtCommunity {
  if (e.asn !== undefined && e.bandwidth !== undefined) {
    const v = Buffer.alloc(6);
    v.writeUInt16BE(e.asn, 0);
    v.writeFloatBE(e.bandwidth, 2);
    return { type: e.type, subtype: e.subtype, value: v.toString('hex') };
  }
  if (Array.isArray(e.value)) {
    const b = Buffer.from(e.value as number[]);
    // UnknownExtended: the 7 octets after the type, or all 8
    const all = b.length === 8 ? b : Buffer.concat([Buffer.from([e.type]), b]);
    return extFromHalves(all.readUInt32BE(0), all.readUInt32BE(4));
  }
  const text = String(e.value ?? '');
  const [g = '', l = ''] = text.split(':');
  const family = e.type & 0x3f;
  if (family === 0x00) return extFromParts(e.type, e.subtype, Number(g), Number(l));
  return extFromWideParts(e.type, e.subtype, family === 0x01 ? ipv4ToNumber(g) : Number(g), Number(l));
}
