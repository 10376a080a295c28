/**
 * FRR 8.4 frr.conf for tests (bgpd, zebra, optional bfdd). FRR refuses to send or accept eBGP routes without
 * policy unless `no bgp ebgp-requires-policy` (RFC 8212 default); `no bgp network import-check` lets
 * `network` announce a prefix that is not in the kernel; route-maps are defined before `router bgp` (FRR
 * filters the first routes silently otherwise). Link bandwidth is set with `set extcommunity bandwidth
 * MBPS` (transitive type 0x00 by default, `non-transitive` for 0x40), so FRR can only send multiples of
 * 1 Mbit/s (125000 bytes/s), 1..25600.
 */
import { familyOfPrefix, type Announcement, type NeighborSpec } from './types.js';

export interface FrrOptions {
  routerId: string;
  as: number;
  neighbors: readonly NeighborSpec[];
  announce?: readonly Announcement[];
  /** ECMP paths (maximum-paths), default 8. */
  maximumPaths?: number;
  /** BFD timers when some neighbor has bfd (default 100 ms x 3). */
  bfd?: { intervalMs: number; multiplier: number };
  /** Keep graceful restart on (default off). */
  gracefulRestart?: boolean;
  /** BGP listen port (bgpd -p), default 179. */
  listenPort?: number;
  /** A whole frr.conf of the test's own instead of the one built from the fields above. */
  rawConfig?: string;
}

export function frrConfig(o: FrrOptions): string {
  if (o.rawConfig !== undefined) return o.rawConfig;
  const out = ['frr defaults traditional', `hostname vg-frr-${o.routerId}`, 'log stdout informational', '!'];
  if (o.neighbors.some((n) => n.bfd)) {
    const b = o.bfd ?? { intervalMs: 100, multiplier: 3 };
    out.push('bfd', ' profile vg', `  receive-interval ${b.intervalMs}`, `  transmit-interval ${b.intervalMs}`, `  detect-multiplier ${b.multiplier}`, '!');
  }
  const announce = o.announce ?? [];
  announce.forEach((a, i) => out.push(`route-map VG-ANNOUNCE-${i} permit 10`, ...routeMapSets(a), '!'));
  out.push(`router bgp ${o.as}`, ` bgp router-id ${o.routerId}`, ' no bgp ebgp-requires-policy', ' no bgp default ipv4-unicast',
    ' no bgp network import-check', ' bgp bestpath as-path multipath-relax');
  out.push(o.gracefulRestart ? ' bgp graceful-restart' : ' bgp graceful-restart-disable');
  for (const n of o.neighbors) {
    const hold = n.holdTime ?? 3;
    out.push(` neighbor ${n.address} remote-as ${n.as}`, ` neighbor ${n.address} timers ${Math.max(1, Math.floor(hold / 3))} ${hold}`,
      ` neighbor ${n.address} timers connect 1`);
    if (n.port) out.push(` neighbor ${n.address} port ${n.port}`);
    if (n.passive) out.push(` neighbor ${n.address} passive`);
    if (n.multihop) out.push(` neighbor ${n.address} ebgp-multihop ${n.multihop}`);
    if (n.password) out.push(` neighbor ${n.address} password ${n.password}`);
    if (n.localAddress) out.push(` neighbor ${n.address} update-source ${n.localAddress}`);
    if (n.bfd) out.push(` neighbor ${n.address} bfd profile vg`);
  }
  for (const family of ['ipv4', 'ipv6'] as const) {
    const peers = o.neighbors.filter((n) => (n.families ?? [familyOfPrefix(n.address)]).includes(family));
    const nets = announce.map((a, i) => [a, i] as const).filter(([a]) => familyOfPrefix(a.prefix) === family);
    if (peers.length === 0 && nets.length === 0) continue;
    out.push(` address-family ${family} unicast`, `  maximum-paths ${o.maximumPaths ?? 8}`);
    for (const [a, i] of nets) out.push(`  network ${a.prefix} route-map VG-ANNOUNCE-${i}`);
    for (const n of peers) out.push(`  neighbor ${n.address} activate`);
    out.push(' exit-address-family');
  }
  out.push('!');
  return `${out.join('\n')}\n`;
}

function routeMapSets(a: Announcement): string[] {
  const sets: string[] = [];
  if (a.origin) sets.push(` set origin ${a.origin}`);
  if (a.communities?.length) sets.push(` set community ${a.communities.join(' ')}`);
  if (a.largeCommunities?.length) sets.push(` set large-community ${a.largeCommunities.join(' ')}`);
  if (a.routeTargets?.length) sets.push(` set extcommunity rt ${a.routeTargets.join(' ')}`);
  if (a.linkBandwidth) {
    const mbps = (a.linkBandwidth.bytesPerSecond * 8) / 1e6;
    if (!Number.isInteger(mbps) || mbps < 1 || mbps > 25600) throw new Error(`FRR sets link bandwidth in whole Mbit/s 1..25600, not ${mbps}`);
    sets.push(` set extcommunity bandwidth ${mbps}${a.linkBandwidth.transitive ? '' : ' non-transitive'}`);
  }
  return sets;
}
