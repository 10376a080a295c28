/**
 * FRR's order of peers (bgpd peer_cmp), for the views that list them (`show bgp summary`, a prefix's
 * "Advertised to"): the members of groups first, by group name, then the peers without a group; by address
 * within (IPv4 numerically, then IPv6).
 */

/** Address order: IPv4 numerically, then IPv6 (sockunion_cmp). */
export function compareAddresses(a: string, b: string): number {
  const ka = addressKey(a);
  const kb = addressKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function addressKey(x: string): string {
  if (!x.includes(':')) return `4${x.split('.').map((o) => o.padStart(3, '0')).join('')}`;
  const [head = '', tail] = x.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return `6${groups.map((g) => g.padStart(4, '0')).join('')}`;
}

export function comparePeers(a: { readonly group?: string | undefined; readonly address: string }, b: { readonly group?: string | undefined; readonly address: string }): number {
  if ((a.group === undefined) !== (b.group === undefined)) return a.group === undefined ? 1 : -1;
  if (a.group !== b.group) return a.group! < b.group! ? -1 : 1;
  return compareAddresses(a.address, b.address);
}
