/**
 * BIRD 2 configuration for tests: router id, one `protocol bgp` per neighbor with low timers and graceful
 * restart off (BIRD's defaults: connect retry 120 s, error wait 60-300 s, and GR awareness that keeps a dead
 * peer's paths for 120 s), import all / export all, static routes to announce carrying communities
 * (RFC 1997), large communities (RFC 8092) and extended communities (RFC 4360, link bandwidth in BIRD's
 * `generic` form), an optional kernel protocol with `merge paths on` (without it BIRD installs one path
 * only, no ECMP) and optional BFD (RFC 5880/5881).
 */
import { announcementExtCommunities, extToHalves, familyOfPrefix, type Announcement, type NeighborSpec } from './types.js';

export interface BirdOptions {
  routerId: string;
  as: number;
  neighbors: readonly NeighborSpec[];
  announce?: readonly Announcement[];
  /** Install best / ECMP routes into the namespace's kernel tables. */
  kernel?: boolean;
  /** BFD timers when some neighbor has bfd: interval in ms and multiplier (default 100 ms x 3). */
  bfd?: { intervalMs: number; multiplier: number };
  /** Keep graceful restart on (default off). */
  gracefulRestart?: boolean;
  /** The local TCP port BIRD listens on (default 179). */
  listenPort?: number;
}

/** Protocol name of the i-th neighbor (stable, so that queries can map names back to addresses). */
export function birdProtocolName(i: number): string { return `peer${i + 1}`; }

export function birdConfig(o: BirdOptions): string {
  const out: string[] = [`router id ${o.routerId};`, 'log stderr all;', 'protocol device { scan time 1; }'];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const routes = (o.announce ?? []).filter((a) => familyOfPrefix(a.prefix) === family);
    if (routes.length === 0) continue;
    out.push(`protocol static announce_${family} {`, `  ${family};`);
    for (const a of routes) out.push(`  route ${a.prefix} blackhole {${staticAttributes(a)} };`);
    out.push('}');
  }
  if (o.kernel) {
    // static blackholes stay out of the kernel: only routes learned over BGP are installed
    for (const family of ['ipv4', 'ipv6']) out.push(`protocol kernel kernel_${family} { ${family} { import none; export where source = RTS_BGP; }; merge paths on; }`);
  }
  if (o.neighbors.some((n) => n.bfd)) {
    const b = o.bfd ?? { intervalMs: 100, multiplier: 3 };
    out.push(`protocol bfd { interface "*" { min rx interval ${b.intervalMs} ms; min tx interval ${b.intervalMs} ms; multiplier ${b.multiplier}; }; multihop { min rx interval ${b.intervalMs} ms; min tx interval ${b.intervalMs} ms; multiplier ${b.multiplier}; }; }`);
  }
  o.neighbors.forEach((n, i) => out.push(...bgpProtocol(birdProtocolName(i), o, n)));
  return `${out.join('\n')}\n`;
}

function staticAttributes(a: Announcement): string {
  const parts: string[] = [];
  if (a.origin) parts.push(` bgp_origin = ORIGIN_${a.origin.toUpperCase()};`);
  for (const c of a.communities ?? []) parts.push(` bgp_community.add((${c.replace(':', ',')}));`);
  for (const c of a.largeCommunities ?? []) parts.push(` bgp_large_community.add((${c.split(':').join(', ')}));`);
  for (const ec of announcementExtCommunities(a)) {
    const [hi, lo] = extToHalves(ec);
    parts.push(` bgp_ext_community.add((generic, 0x${hi.toString(16)}, 0x${lo.toString(16)}));`);
  }
  return parts.join('');
}

function bgpProtocol(name: string, o: BirdOptions, n: NeighborSpec): string[] {
  const hold = n.holdTime ?? 3;
  const families = n.families ?? [familyOfPrefix(n.address)];
  const local = [n.localAddress ?? '', o.listenPort ? `port ${o.listenPort}` : '', `as ${o.as}`].filter(Boolean).join(' ');
  return [
    `protocol bgp ${name} {`,
    `  local ${local};`,
    `  neighbor ${n.address}${n.port ? ` port ${n.port}` : ''} as ${n.as};`,
    `  hold time ${hold}; keepalive time ${Math.max(1, Math.floor(hold / 3))};`,
    '  connect delay time 1; connect retry time 1; error wait time 1, 2; error forget time 10;',
    `  graceful restart ${o.gracefulRestart ? 'on' : 'off'};`,
    ...(n.passive ? ['  passive on;'] : []),
    ...(n.multihop ? [`  multihop ${n.multihop};`] : []),
    ...(n.password ? [`  password "${n.password}";`] : []),
    ...(n.bfd ? ['  bfd on;'] : []),
    ...families.map((f) => `  ${f} { import all; export all; };`),
    '}',
  ];
}
