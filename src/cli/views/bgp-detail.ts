/**
 * `vipgate show ip bgp PREFIX` and `show bgp ipv6 PREFIX`: what FRR 8.4 prints for one prefix (bgpd
 * route_vty_out_detail_header, route_vty_out_detail): the entry with its table version, the paths (how many,
 * which is best), the peers it is advertised to, then per path in FRR's order its AS path ("Local" for our
 * own), next hop, where it came from and that peer's BGP Identifier, the origin, MED, LOCAL_PREF, FRR's
 * weight, valid, internal/external/sourced, multipath, best and why (FRR's words for the decision step),
 * communities, and when it was received.
 * The ECMP weight from the link-bandwidth community is not FRR's local weight: it shows only through the
 * Extended Community line, as FRR shows it.
 */
import type { BgpPathView, BgpTable } from '../../control/views.js';
import { frrWeight } from './bgp-table.js';

/** vipgate's decision steps (src/bgp/rib/decision.ts) in FRR's words (bgp_path_selection_reason2str). */
const REASON: Record<string, string> = {
  'only-candidate': 'First path received', 'graceful-shutdown': 'Local Pref', 'local-pref': 'Local Pref', 'as-path-length': 'AS Path',
  origin: 'Origin', med: 'MED', 'ebgp-over-ibgp': 'Peer Type', 'igp-cost': 'IGP Metric', 'oldest-ebgp': 'Older Path', 'router-id': 'Router ID',
  'cluster-list': 'Cluster length', 'neighbor-address': 'Neighbor IP', 'path-id': 'Nothing left to compare',
};

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** C's ctime() without its newline: "Mon Dec  7 23:42:53 2026", local time. */
export function ctime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2)} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`;
}

function pathLines(p: BgpPathView, hasMultipath: boolean, now: number, routerId: string): string[] {
  const v6 = p.prefix.includes(':');
  const flags = [p.stale ? ', (stale)' : '', p.aggregatedBy ? `, (aggregated by ${p.aggregatedBy})` : ''].join('');
  const from = p.local ? `${v6 ? '::' : '0.0.0.0'} from ${v6 ? ':: ' : '0.0.0.0 '}(${routerId})` : `${p.nextHop} from ${p.peer} (${p.peerRouterId ?? p.peer})`;
  const kind = p.local ? (p.aggregate ? 'aggregated, local' : 'sourced, local') : p.internal ? 'internal' : 'external';
  const weight = frrWeight(p);
  const origin = [
    `      Origin ${p.origin}`, p.med !== undefined ? `, metric ${p.med}` : '', p.localPref !== undefined ? `, localpref ${p.localPref}` : '',
    weight ? `, weight ${weight}` : '', ', valid', `, ${kind}`, p.atomicAggregate ? ', atomic-aggregate' : '',
    p.multipath || (p.best && hasMultipath) ? ', multipath' : '', p.best ? `, best (${REASON[p.reason ?? ''] ?? 'Nothing left to compare'})` : '',
  ].join('');
  return [
    `  ${p.asPath || 'Local'}${flags}`,
    `    ${from}`,
    origin,
    ...(p.communities.length ? [`      Community: ${p.communities.join(' ')}`] : []),
    ...(p.extendedCommunities.length ? [`      Extended Community: ${p.extendedCommunities.join(' ')}`] : []),
    ...(p.largeCommunities.length ? [`      Large Community: ${p.largeCommunities.join(' ')}`] : []),
    `      Last update: ${ctime(now - p.age * 1000)}`,
  ];
}

export function renderBgpPrefix(t: BgpTable, prefix: string, now = Date.now()): string {
  const paths = t.paths.filter((p) => p.prefix === prefix);
  if (paths.length === 0) return '% Network not in table\n';
  const entry = t.entries?.find((e) => e.prefix === prefix);
  const best = paths.findIndex((p) => p.best);
  const hasMultipath = paths.some((p) => p.multipath);
  const advertised = entry?.advertisedTo.length ? ['  Advertised to non peer-group peers:', `  ${entry.advertisedTo.join(' ')}`] : ['  Not advertised to any peer'];
  const lines = [
    `BGP routing table entry for ${prefix}, version ${entry?.version ?? 0}`,
    `Paths: (${paths.length} available${best >= 0 ? `, best #${best + 1}, table default` : ', no best path'})`,
    ...advertised,
    ...paths.flatMap((p) => pathLines(p, hasMultipath, now, t.routerId)),
  ];
  return `${lines.join('\n')}\n`;
}
