/** `vipgate show ip bgp [PREFIX]`: the text of FRR's `show ip bgp`, and its per-prefix detail. */
import type { BgpPathView, BgpTable } from '../../control/views.js';
import { pad } from './table.js';

const ORIGIN_CODE: Record<string, string> = { IGP: 'i', EGP: 'e', incomplete: '?' };

function status(p: BgpPathView): string {
  return `${p.stale ? 'S' : ''}*${p.best ? '>' : p.multipath ? '=' : ' '}${p.internal ? 'i' : ' '}`;
}

export function renderBgpTable(t: BgpTable): string {
  const lines = [
    `BGP table version is 0, local router ID is ${t.routerId}, vrf id 0`,
    `Default local pref 100, local AS ${t.localAs}`,
    'Status codes:  * valid, > best, = multipath, i internal, S Stale',
    'Origin codes:  i - IGP, e - EGP, ? - incomplete',
    '',
    `   ${pad('Network', 20)}${pad('Next Hop', 20)}${pad('Metric', 7, true)} ${pad('LocPrf', 6, true)} ${pad('Weight', 6, true)} Path`,
  ];
  let last = '';
  for (const p of t.paths) {
    const net = p.prefix === last ? '' : p.prefix;
    last = p.prefix;
    const weight = p.local ? 32768 : 0;
    const path = `${p.asPath ? `${p.asPath} ` : ''}${ORIGIN_CODE[p.origin] ?? '?'}`;
    lines.push(`${pad(status(p), 3)}${pad(net, 20)}${pad(p.local ? '0.0.0.0' : p.nextHop, 20)}${pad(p.med ?? '', 7, true)} ${pad(p.localPref ?? '', 6, true)} ${pad(weight, 6, true)} ${path}`);
  }
  const prefixes = new Set(t.paths.map((p) => p.prefix)).size;
  lines.push('', `Displayed  ${prefixes} routes and ${t.paths.length} total paths`);
  return `${lines.join('\n')}\n`;
}

export function renderBgpPrefix(t: BgpTable, prefix: string): string {
  const paths = t.paths.filter((p) => p.prefix === prefix);
  if (paths.length === 0) return '% Network not in table\n';
  const multipath = paths.filter((p) => p.multipath || p.best).length;
  const lines = [
    `BGP routing table entry for ${prefix}`,
    `Paths: (${paths.length} available${paths.some((p) => p.best) ? `, best #${paths.findIndex((p) => p.best) + 1}` : ''}${multipath > 1 ? `, ${multipath} multipath` : ''})`,
  ];
  for (const p of paths) {
    lines.push(`  ${p.asPath || 'Local'}`);
    lines.push(`    ${p.local ? '0.0.0.0' : p.nextHop} from ${p.local ? '0.0.0.0' : p.peer}`);
    const flags = [p.best ? 'best' : '', p.multipath ? 'multipath' : '', p.stale ? 'stale' : '', p.internal ? 'internal' : 'external'].filter(Boolean);
    lines.push(`      Origin ${p.origin}${p.med !== undefined ? `, metric ${p.med}` : ''}${p.localPref !== undefined ? `, localpref ${p.localPref}` : ''}${p.weight !== undefined ? `, weight ${p.weight}` : ''}, valid, ${flags.join(', ')}${p.reason ? ` (${p.reason})` : ''}`);
    if (p.communities.length) lines.push(`      Community: ${p.communities.join(' ')}`);
    if (p.largeCommunities.length) lines.push(`      Large Community: ${p.largeCommunities.join(' ')}`);
    if (p.extendedCommunities.length) lines.push(`      Extended Community: ${p.extendedCommunities.join(' ')}`);
    lines.push(`      Last update: ${p.age}s ago`);
  }
  return `${lines.join('\n')}\n`;
}
