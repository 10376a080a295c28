/** `vipgate show dataplane`: whether the box would send ICMP redirects, and the router's nft table. */
import type { DataplaneView } from '../../control/dataplane.js';

export function renderDataplane(v: DataplaneView): string {
  const lines = v.redirecting.length === 0
    ? ['ICMP redirects: no forwarding interface sends IPv4 redirects']
    : v.redirecting.map((i) => `WARNING: ${i.warning}`);
  const t = v.nftTable;
  lines.push(t.applied
    ? `nft table ${t.name}: in place; IPv6 redirects dropped: ${v.ipv6RedirectsDropped ?? 'unknown'}`
    : `nft table ${t.name}: NOT in place (${t.error ?? 'not written'}): IPv6 redirects are sent`);
  return `${lines.join('\n')}\n`;
}
