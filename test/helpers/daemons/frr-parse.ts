/**
 * Parsers for FRR 8.4's vtysh JSON (`show bgp neighbors json`, `show bgp <afi> unicast json detail`) into
 * the harness's typed model. FRR prints extended communities only as text ("RT:65001:7 SoO:65001:8
 * LB:65002:125000000 (1.000 Gbps)"); RT / SoO / LB are turned back into wire octets (RFC 4360 §4,
 * draft-ietf-idr-link-bandwidth), anything else is reported as an error rather than dropped.
 */
import { extFromParts, extFromWideParts, ipv4ToNumber, linkBandwidthCommunity, type BgpRoute, type ExtCommunity, type PeerStatus, type SessionState } from './types.js';

const STATES: readonly SessionState[] = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];

interface FrrNeighbor {
  remoteAs?: number;
  bgpState?: string;
  bgpTimerHoldTimeMsecs?: number;
  lastResetDueTo?: string;
  lastNotificationReason?: string;
}

export function parseFrrNeighbors(json: string): PeerStatus[] {
  const all = JSON.parse(json) as Record<string, FrrNeighbor>;
  return Object.entries(all).filter(([, n]) => typeof n === 'object' && n !== null && 'bgpState' in n).map(([address, n]) => {
    const state = STATES.find((s) => s === n.bgpState) ?? 'Idle';
    const p: PeerStatus = { address, state };
    if (n.remoteAs !== undefined) p.remoteAs = n.remoteAs;
    if (state === 'Established' && n.bgpTimerHoldTimeMsecs !== undefined) p.holdTime = n.bgpTimerHoldTimeMsecs / 1000;
    const err = n.lastNotificationReason ?? n.lastResetDueTo;
    if (err !== undefined) p.lastError = err;
    return p;
  });
}

interface FrrPath {
  prefix?: string;
  aspath?: { segments?: { list?: number[] }[] };
  bestpath?: { overall?: boolean };
  community?: { list?: string[] };
  largeCommunity?: { list?: string[] };
  extendedCommunity?: { string?: string };
  nexthops?: { ip?: string; used?: boolean }[];
  peer?: { peerId?: string };
  sourced?: boolean;
  local?: boolean;
}

/** `show bgp ipv4|ipv6 unicast json detail`: prefix -> [header {prefix, advertisedTo}, ...paths]. */
export function parseFrrRoutes(json: string): BgpRoute[] {
  const table = JSON.parse(json) as { routes?: Record<string, FrrPath[]> };
  const out: BgpRoute[] = [];
  for (const [prefix, entries] of Object.entries(table.routes ?? {})) {
    for (const p of entries.filter((e) => e.aspath !== undefined || e.nexthops !== undefined)) {
      const r: BgpRoute = {
        prefix,
        nextHops: (p.nexthops ?? []).map((n) => n.ip ?? '').filter((ip) => ip !== '' && ip !== '0.0.0.0' && ip !== '::'),
        asPath: (p.aspath?.segments ?? []).flatMap((s) => s.list ?? []),
        communities: p.community?.list ?? [],
        largeCommunities: p.largeCommunity?.list ?? [],
        extCommunities: frrExtCommunities(p.extendedCommunity?.string ?? ''),
        best: p.bestpath?.overall === true,
      };
      const peer = p.peer?.peerId;
      if (peer !== undefined && !p.sourced && !p.local && peer !== '0.0.0.0' && peer !== '(unspec)') r.fromPeer = peer;
      out.push(r);
    }
  }
  return out;
}

/** Link bandwidth is printed without its transitivity: FRR's text does not say whether it was 0x00 or 0x40. */
export function frrExtCommunities(text: string): ExtCommunity[] {
  const out: ExtCommunity[] = [];
  for (const m of text.replace(/\([^)]*\)/g, '').trim().split(/\s+/).filter(Boolean)) {
    const [kind = '', g = '', l = ''] = m.split(':');
    const subtype = kind === 'RT' ? 0x02 : kind === 'SoO' ? 0x03 : undefined;
    if (kind === 'LB') out.push(linkBandwidthCommunity({ asn: Number(g), bytesPerSecond: Number(l), transitive: true }));
    else if (subtype === undefined) throw new Error(`unparsed FRR extended community ${m} in "${text}"`);
    else if (g.includes('.')) out.push(extFromWideParts(0x01, subtype, ipv4ToNumber(g), Number(l)));
    else out.push((Number(g) > 0xffff ? extFromWideParts : extFromParts)(Number(g) > 0xffff ? 0x02 : 0x00, subtype, Number(g), Number(l)));
  }
  return out;
}
