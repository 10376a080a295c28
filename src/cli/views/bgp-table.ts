/**
 * `vipgate show ip bgp` and `show bgp ipv6`: what FRR 8.4 prints (bgpd bgp_show_table, route_vty_out),
 * column for column: the header with the table version and the status, next-hop, origin and RPKI codes,
 * then per path its status (S in place of * for a stale path, then > best or = multipath, then i for
 * internal), the network (blank for the prefix's further paths, on a line of its own when longer than 16
 * characters), the next hop (0.0.0.0 or :: for a route of our own; its own line past 15 characters), MED,
 * LOCAL_PREF, FRR's weight (32768 for our own routes, else 0), the AS path and the origin code; the count.
 * test/interop/frr-views.test.ts compares this with FRR's own output for the same state.
 */
import type { BgpPathView, BgpTable } from '../../control/views.js';

const ORIGIN_CODE: Record<string, string> = { IGP: 'i', EGP: 'e', incomplete: '?' };

const HEADER = [
  'Status codes:  s suppressed, d damped, h history, * valid, > best, = multipath,',
  '               i internal, r RIB-failure, S Stale, R Removed',
  'Nexthop codes: @NNN nexthop\'s vrf id, < announce-nh-self',
  'Origin codes:  i - IGP, e - EGP, ? - incomplete',
  'RPKI validation codes: V valid, I invalid, N Not found',
  '',
  '   Network          Next Hop            Metric LocPrf Weight Path',
];

function status(p: BgpPathView): string {
  return `${p.stale ? 'S' : '*'}${p.best ? '>' : p.multipath ? '=' : ' '}${p.internal ? 'i' : ' '}`;
}

/** FRR's local weight: 32768 for the routes this router originates, 0 for learned ones (vipgate has no `weight` knob). */
export function frrWeight(p: BgpPathView): number {
  return p.local ? 32768 : 0;
}

/** A column that FRR pads to `width`, and moves what follows to a new line indented by `indent` when too long. */
function field(text: string, width: number, indent: number): string {
  return text.length < width ? text.padEnd(width) : `${text}\n${' '.repeat(indent)}`;
}

function pathLine(p: BgpPathView, first: boolean): string {
  const nextHop = p.local ? (p.prefix.includes(':') ? '::' : '0.0.0.0') : p.nextHop;
  const metric = p.med === undefined ? ' '.repeat(10) : String(p.med).padStart(10);
  const locPrf = p.localPref === undefined ? ' '.repeat(7) : String(p.localPref).padStart(7);
  const path = `${p.asPath ? `${p.asPath} ` : ''}${ORIGIN_CODE[p.origin] ?? '?'}`;
  return `${status(p)}${first ? field(p.prefix, 17, 20) : ' '.repeat(17)}${field(nextHop, 16, 36)}${metric}${locPrf}${String(frrWeight(p)).padStart(7)} ${path}`;
}

export function renderBgpTable(t: BgpTable): string {
  const lines = [
    `BGP table version is ${t.tableVersion ?? 0}, local router ID is ${t.routerId}, vrf id 0`,
    `Default local pref ${t.defaultLocalPref ?? 100}, local AS ${t.localAs}`,
    ...HEADER,
  ];
  let last = '';
  for (const p of t.paths) {
    lines.push(pathLine(p, p.prefix !== last));
    last = p.prefix;
  }
  const prefixes = new Set(t.paths.map((p) => p.prefix)).size;
  if (prefixes === 0) return 'No BGP prefixes displayed, 0 exist\n';
  lines.push('', `Displayed  ${prefixes} routes and ${t.paths.length} total paths`);
  return `${lines.join('\n')}\n`;
}
