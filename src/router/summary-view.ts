/**
 * `show bgp summary` as data (control/views.ts BgpSummary): per peer its session, messages, prefixes and the
 * facts FRR's summary prints (families activated, administratively shut down, RFC 8212 policy missing,
 * per-family counts for a session carrying both families), and per family the table version and RIB size.
 * Computed from the peers' counters; only a peer carrying both families costs a walk of its Adj-RIB-In.
 */
import type { Peer } from '../bgp/peer.js';
import type { BgpSummary, PeerFamilyCounts, PeerSummary } from '../control/views.js';
import type { RibQuery } from './query.js';

const FAMILY_NAME = { 4: 'ipv4', 6: 'ipv6' } as const;

/** Received and accepted prefixes per family of a peer with both families (its refused set holds keys). */
function familyCounts(d: RibQuery, p: Peer): Partial<Record<'ipv4' | 'ipv6', PeerFamilyCounts>> {
  const out = { ipv4: { received: 0, accepted: 0, sent: 0 }, ipv6: { received: 0, accepted: 0, sent: 0 } };
  for (const e of p.ribIn.entries()) out[FAMILY_NAME[e.prefix.family]].received++;
  for (const r of p.ribOut.routes()) out[FAMILY_NAME[r.prefix.family]].sent++;
  const refused = d.routing.refusedKeys(p);
  for (const f of ['ipv4', 'ipv6'] as const) out[f].accepted = out[f].received;
  for (const key of refused) out[key.includes(':') ? 'ipv6' : 'ipv4'].accepted--;
  return out;
}

function peerSummary(d: RibQuery, p: Peer): PeerSummary {
  const n = d.neighbor(p);
  const fqdn = p.negotiated?.peerFqdn;
  const families = p.options.families.map((f) => FAMILY_NAME[f]);
  const ebgpPolicy = !p.ibgp && d.cfg.ebgpRequiresPolicy;
  return {
    name: p.name, address: p.options.address, remoteAs: p.peerAs ?? n?.remoteAs ?? '?', localAs: p.options.fsm.localAs,
    state: p.state, dynamic: d.speaker.isDynamic(p),
    ...(p.options.description ? { description: p.options.description } : {}),
    messagesReceived: p.stats.messagesIn, messagesSent: p.stats.messagesOut + p.stats.updatesOut, outQueue: p.ribOut.pendingCount,
    upDownSeconds: (d.now() - p.stats.lastUpDown) / 1000,
    establishedCount: p.stats.establishedTransitions,
    prefixesReceived: p.ribIn.size, prefixesAccepted: d.routing.acceptedCount(p), prefixesSent: p.ribOut.size,
    ...(n?.group ? { group: n.group } : {}),
    families,
    ...(families.length > 1 ? { perFamily: familyCounts(d, p) } : {}),
    adminShutdown: n?.shutdown ?? false,
    missingPolicy: { import: ebgpPolicy && !n?.import, export: ebgpPolicy && !n?.export },
    ...(p.stats.lastError ? { lastError: p.stats.lastError } : {}),
    ...(fqdn ? { hostname: fqdn.hostname } : {}),
    ...(p.negotiated ? { capabilities: p.fsmState.peerOpen?.capabilities.map((c) => c.kind) ?? [] } : {}),
  };
}

export function bgpSummary(d: RibQuery): BgpSummary {
  const rib4 = d.routing.ribs[4].size;
  const rib6 = d.routing.ribs[6].size;
  const v = d.versions;
  return {
    routerId: d.cfg.routerId, localAs: d.cfg.asn,
    ribEntries: rib4 + rib6,
    families: { ipv4: { tableVersion: v.of(4), ribEntries: rib4 }, ipv6: { tableVersion: v.of(6), ribEntries: rib6 } },
    groups: Object.keys(d.cfg.groups).length,
    dynamicLimit: d.cfg.neighbors.filter((n) => n.range !== undefined).length * DYNAMIC_LIMIT,
    peers: d.speaker.peers().map((p) => peerSummary(d, p)),
  };
}

/** Dynamic neighbors accepted per range (daemon.ts gives the speaker this limit). */
export const DYNAMIC_LIMIT = 256;
