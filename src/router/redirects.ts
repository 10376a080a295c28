/**
 * Would this router send ICMP redirects? A router that forwards a packet out of the interface it came in on,
 * to a next hop on the sender's own subnet (the one-NIC box: clients, nodes and router on one LAN), sends
 * the sender an ICMP Redirect (RFC 792; the conditions are RFC 1812 section 5.2.7.2's), which the client
 * caches: its flows to that Service IP then go straight to one node, past ECMP, weights and failover. Linux sends IPv4 redirects on an interface when conf/all/send_redirects
 * OR conf/IF/send_redirects is 1 (IN_DEV_TX_REDIRECTS is IN_DEV_ORCONF) and it forwards there; this reads
 * both from /proc/sys for every forwarding interface. IPv6 has no such sysctl; the router's nft table drops
 * those (nft-table.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RedirectingInterface {
  readonly name: string;
  /** conf/all/send_redirects and the interface's own conf/IF/send_redirects. */
  readonly all: boolean;
  readonly own: boolean;
}

const on = (file: string): boolean => {
  try { return readFileSync(file, 'utf8').trim() === '1'; } catch { return false; }
};

/** The interfaces that forward IPv4 and would send redirects (loopback left out), sorted by name. */
export function redirectingInterfaces(procSys = '/proc/sys'): RedirectingInterface[] {
  const conf = join(procSys, 'net/ipv4/conf');
  let names: string[];
  try { names = readdirSync(conf); } catch { return []; }
  const all = on(join(conf, 'all/send_redirects'));
  return names.filter((n) => n !== 'all' && n !== 'default' && n !== 'lo')
    .filter((n) => on(join(conf, n, 'forwarding')))
    .map((name) => ({ name, all, own: on(join(conf, name, 'send_redirects')) }))
    .filter((i) => i.all || i.own)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The operator's sentence for one interface: what happens and the sysctl lines that stop it. */
export function redirectWarning(i: RedirectingInterface): string {
  const fix = [...(i.all ? ['net.ipv4.conf.all.send_redirects=0'] : []), ...(i.own ? [`net.ipv4.conf.${i.name}.send_redirects=0`] : [])];
  return `${i.name} forwards IPv4 with send_redirects on: a client on ${i.name}'s own network is sent ICMP redirects to the nodes and bypasses ECMP, weights and failover; set ${fix.join(' and ')} (firmware/etc/sysctl.d/90-vipgate.conf does)`;
}
