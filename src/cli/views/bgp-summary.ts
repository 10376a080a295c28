/**
 * `vipgate show bgp summary`: what FRR 8.4's `show bgp summary` prints (bgpd bgp_show_summary), column for
 * column, one section per address family that some peer carries: the header (router id, table version,
 * RIB entries and peers with their memory estimate), then per peer V, AS, MsgRcvd, MsgSent, TblVer, InQ,
 * OutQ, Up/Down ("never" for a session never up), State/PfxRcd (the prefixes accepted, "(Policy)" for an eBGP
 * session without import policy under RFC 8212, the FSM state, "Idle (Admin)" when shut down), PfxSnt, Desc;
 * dynamic neighbors starred and counted. Peers in FRR's order: group members first, by address.
 * The memory figures are estimates as FRR's are (a count times a per-object size): a Loc-RIB prefix with its
 * paths ~400 bytes, a peer with its buffers and Adj-RIBs' overhead ~64 KiB, a group ~1 KiB.
 * test/interop/frr-views.test.ts compares this with FRR's own output for the same state.
 */
import type { BgpSummary, PeerSummary } from '../../control/views.js';
import { comparePeers } from '../../control/peer-order.js';
import { memoryText, pad, upDown } from './table.js';

const RIB_ENTRY_BYTES = 400;
const PEER_BYTES = 64 * 1024;
const GROUP_BYTES = 1024;
const HEADER = 'V         AS   MsgRcvd   MsgSent   TblVer  InQ OutQ  Up/Down State/PfxRcd   PfxSnt Desc';
const FAMILY_TITLE = { ipv4: 'IPv4 Unicast', ipv6: 'IPv6 Unicast' } as const;

type Family = keyof typeof FAMILY_TITLE;

/** The families a peer carries (older routers' answers lack them: by its address). */
export function familiesOf(p: PeerSummary): readonly Family[] {
  return p.families ?? [p.address.includes(':') ? 'ipv6' : 'ipv4'];
}

function stateColumns(p: PeerSummary, family: Family): string {
  if (p.state !== 'Established') {
    return `${p.adminShutdown ? ' Idle (Admin)' : ` ${pad(p.state, 12, true)}`} ${pad(0, 8, true)}`;
  }
  const counts = p.perFamily?.[family] ?? { accepted: p.prefixesAccepted, sent: p.prefixesSent };
  const rcvd = p.missingPolicy?.import ? '(Policy)' : counts.accepted;
  const sent = p.missingPolicy?.export ? '(Policy)' : counts.sent;
  return ` ${pad(rcvd, 12, true)} ${pad(sent, 8, true)}`;
}

function peerLine(p: PeerSummary, family: Family, width: number, tableVersion: number): string {
  const name = `${p.dynamic ? '*' : ''}${p.address}`;
  const never = p.establishedCount === 0 && p.state !== 'Established';
  // the table version this peer is in step with: the current one once nothing waits to be sent
  const tblVer = p.state === 'Established' && p.outQueue === 0 ? tableVersion : 0;
  return `${name.padEnd(width)}4 ${pad(p.remoteAs, 10, true)} ${pad(p.messagesReceived, 9, true)} ${pad(p.messagesSent, 9, true)} ${pad(tblVer, 8, true)} ${pad(0, 4, true)} ${
    pad(p.outQueue, 4, true)} ${pad(never ? 'never' : upDown(p.upDownSeconds), 8, true)}${stateColumns(p, family)} ${p.description ? p.description.slice(0, 20) : 'N/A'}`;
}

function section(s: BgpSummary, family: Family, peers: readonly PeerSummary[]): string[] {
  const fam = s.families?.[family] ?? { tableVersion: 0, ribEntries: s.ribEntries };
  const width = Math.max(16, ...peers.map((p) => (p.dynamic ? 1 : 0) + p.address.length + 1));
  const dynamic = peers.filter((p) => p.dynamic).length;
  return [
    '', `${FAMILY_TITLE[family]} Summary (VRF default):`,
    `BGP router identifier ${s.routerId}, local AS number ${s.localAs} vrf-id 0`,
    `BGP table version ${fam.tableVersion}`,
    `RIB entries ${fam.ribEntries}, using ${memoryText(fam.ribEntries * RIB_ENTRY_BYTES)} of memory`,
    `Peers ${peers.length}, using ${memoryText(peers.length * PEER_BYTES)} of memory`,
    ...(s.groups ? [`Peer groups ${s.groups}, using ${memoryText(s.groups * GROUP_BYTES)} of memory`] : []),
    '', `Neighbor${' '.repeat(width - 8)}${HEADER}`,
    ...peers.map((p) => peerLine(p, family, width, fam.tableVersion)),
    '', `Total number of neighbors ${peers.length}`,
    ...(dynamic ? ['* - dynamic neighbor', `${dynamic} dynamic neighbor(s), limit ${s.dynamicLimit ?? 0}`] : []),
  ];
}

export function renderBgpSummary(s: BgpSummary): string {
  const peers = [...s.peers].sort(comparePeers);
  const lines = (['ipv4', 'ipv6'] as const).flatMap((f) => {
    const carrying = peers.filter((p) => familiesOf(p).includes(f));
    return carrying.length ? section(s, f, carrying) : [];
  });
  return lines.length ? `${lines.join('\n')}\n` : '% No BGP neighbors found in VRF default\n';
}
