/**
 * Records real BGP messages sent by BIRD, GoBGP and FRR into test/fixtures/captures/<daemon>-<what>.hex,
 * one message per file: '#' comment lines saying how it was produced, then the message (RFC 4271 §4.1
 * header included) as one line of hex.
 *
 * For each daemon under test (DUT) two namespaces are joined by a veth; the DUT runs an IPv4 session and an
 * IPv6 session (over global addresses, so the MP_REACH_NLRI next hop carries a link-local address too,
 * RFC 2545 §3) with a peer daemon, announces /32 and /128 routes with communities, large communities and
 * extended communities (route target, link bandwidth in both transitive and non-transitive types where
 * the DUT can set it), then shuts the IPv4 session down with a shutdown message (RFC 8203). tcpdump on the
 * DUT's veth records it all; pcap.ts splits the streams into messages.
 *
 * Run as root: node --import tsx scripts/capture-bgp.ts [bird|gobgp|frr ...]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Netlab, waitFor } from '../test/helpers/netns.js';
import { BirdDaemon } from '../test/helpers/daemons/bird.js';
import { GobgpDaemon } from '../test/helpers/daemons/gobgp.js';
import { FrrDaemon } from '../test/helpers/daemons/frr.js';
import { startCapture } from '../test/helpers/daemons/tcpdump.js';
import type { BgpCaptured } from '../test/helpers/daemons/pcap.js';
import { waitPeerState, waitRoute, type Announcement, type BgpDaemon, type NeighborSpec } from '../test/helpers/daemons/types.js';

const OUT = join(import.meta.dirname, '..', 'test', 'fixtures', 'captures');
const DUT4 = '10.0.9.1';
const PEER4 = '10.0.9.2';
const DUT6 = 'fd00:9::1';
const PEER6 = 'fd00:9::2';
const DUT_AS = 65001;
const SHUTDOWN_MESSAGE = 'vipgate capture: planned maintenance';

type Kind = 'bird' | 'gobgp' | 'frr';
interface Dut { daemon: BgpDaemon; disable: (address: string, message: string) => Promise<void>; describe: string }

/**
 * Two runs per daemon. ebgp: peer AS 65002, graceful restart off. ibgp: peer AS 65001 and graceful restart
 * on, because BIRD and FRR strip non-transitive extended communities (the 0x40 link bandwidth) towards
 * eBGP peers, and none of the three sends End-of-RIB (RFC 4724 §2) unless graceful restart is negotiated.
 */
interface Mode { name: 'ebgp' | 'ibgp'; peerAs: number; gracefulRestart: boolean }
const MODES: readonly Mode[] = [{ name: 'ebgp', peerAs: 65002, gracefulRestart: false }, { name: 'ibgp', peerAs: DUT_AS, gracefulRestart: true }];

function neighbors(mode: Mode, side: 'dut' | 'peer'): NeighborSpec[] {
  const as = side === 'dut' ? mode.peerAs : DUT_AS;
  const [v4, v6] = side === 'dut' ? [PEER4, PEER6] : [DUT4, DUT6];
  return [{ address: v4, as, families: ['ipv4'] }, { address: v6, as, families: ['ipv6'] }];
}

function announcements(kind: Kind): Announcement[] {
  const base = { communities: ['65001:100', '65001:200'], largeCommunities: ['65001:1:2'], routeTargets: ['65001:7'] };
  if (kind === 'gobgp') return [{ prefix: '192.0.2.1/32', ...base }, { prefix: '2001:db8::1/128', ...base }];
  // 1 Gbit/s = 1.25e8 bytes/s: a whole number of Mbit/s, which is all FRR can set
  return [
    { prefix: '192.0.2.1/32', ...base, linkBandwidth: { asn: DUT_AS, bytesPerSecond: 1.25e8, transitive: false } },
    { prefix: '192.0.2.2/32', ...base, linkBandwidth: { asn: DUT_AS, bytesPerSecond: 1.25e8, transitive: true } },
    { prefix: '2001:db8::1/128', ...base },
  ];
}

function version(pkg: string): string {
  return execFileSync('dpkg-query', ['-W', '-f', '${Version}', pkg], { encoding: 'utf8' });
}

async function startDut(kind: Kind, mode: Mode, lab: Netlab, ns: string): Promise<Dut> {
  const announce = announcements(kind);
  const common = { routerId: DUT4, as: DUT_AS, neighbors: neighbors(mode, 'dut'), gracefulRestart: mode.gracefulRestart };
  if (kind === 'bird') {
    const d = await BirdDaemon.start(lab, ns, { ...common, announce });
    return { daemon: d, disable: (a, m) => d.disablePeer(a, m), describe: `BIRD ${version('bird2')} (Debian bird2); config:\n${readConfig(d.configFile)}` };
  }
  if (kind === 'gobgp') {
    const d = await GobgpDaemon.start(lab, ns, common, announce);
    const adds = announce.map((a) => `gobgp global rib add -a ${a.prefix.includes(':') ? 'ipv6' : 'ipv4'} ${a.prefix} community ${a.communities?.join(',')} large-community ${a.largeCommunities?.join(',')} rt ${a.routeTargets?.join(' ')}`);
    return { daemon: d, disable: (a, m) => d.disablePeer(a, m), describe: `GoBGP ${version('gobgpd')} (Debian gobgpd); gobgpd.toml:\n${readConfig(d.configFile)}\nthen:\n${adds.join('\n')}` };
  }
  const d = await FrrDaemon.start(lab, ns, { ...common, announce });
  return { daemon: d, disable: (a, m) => d.disablePeer(a, m), describe: `FRR ${version('frr')} (Debian frr, bgpd+zebra); frr.conf:\n${readConfig(join(d.dir, 'etc', 'frr.conf'))}` };
}

function readConfig(file: string): string {
  return execFileSync('cat', [file], { encoding: 'utf8' }).trimEnd();
}

/**
 * The peer that receives the DUT's messages: BIRD, or GoBGP when BIRD is the DUT or the session is iBGP
 * (BIRD would want the iBGP next hop resolved through an IGP table).
 */
async function startPeer(kind: Kind, mode: Mode, lab: Netlab, ns: string): Promise<BgpDaemon> {
  const o = { routerId: PEER4, as: mode.peerAs, neighbors: neighbors(mode, 'peer'), gracefulRestart: mode.gracefulRestart };
  return kind === 'bird' || mode.name === 'ibgp' ? GobgpDaemon.start(lab, ns, o) : BirdDaemon.start(lab, ns, o);
}

async function captureOne(kind: Kind, mode: Mode): Promise<void> {
  const lab = new Netlab();
  const daemons: BgpDaemon[] = [];
  try {
    const dutNs = lab.ns('dut');
    const peerNs = lab.ns('peer');
    const { ifA, ifB } = lab.link(dutNs, [`${DUT4}/24`, `${DUT6}/64`], peerNs, [`${PEER4}/24`, `${PEER6}/64`]);
    // BIRD puts a link-local next hop (RFC 2545 §3) into MP_REACH_NLRI only once the interface has one
    for (const [ns, ifname] of [[dutNs, ifA], [peerNs, ifB]] as const) {
      await waitFor(`link-local address on ${ifname}`, () => {
        const out = lab.exec(ns, 'ip', ['-6', 'addr', 'show', 'dev', ifname, 'scope', 'link']);
        return out.includes('fe80:') && !out.includes('tentative') ? true : undefined;
      }, 10_000);
    }
    const capture = await startCapture(lab, dutNs, ifA);
    const dut = await startDut(kind, mode, lab, dutNs);
    daemons.push(dut.daemon);
    const peer = await startPeer(kind, mode, lab, peerNs);
    daemons.push(peer);
    await waitPeerState(peer, DUT4);
    await waitPeerState(peer, DUT6);
    for (const a of announcements(kind)) await waitRoute(peer, a.prefix, a.prefix.includes(':') ? DUT6 : DUT4);
    // let End-of-RIB markers and a few KEEPALIVEs pass
    await new Promise((r) => setTimeout(r, 2500));
    await dut.disable(PEER4, SHUTDOWN_MESSAGE);
    await waitFor('the peer to see the shutdown', async () => ((await peer.peers()).find((p) => p.address === DUT4)?.state !== 'Established' ? true : undefined), 10_000);
    await new Promise((r) => setTimeout(r, 500));
    const msgs = await capture.stop();
    capture.discard();
    writeFixtures(mode.name === 'ebgp' ? kind : `${kind}-${mode.name}`, `${mode.name}, peer AS ${mode.peerAs}, graceful restart ${mode.gracefulRestart ? 'on' : 'off'}`,
      dut.describe, msgs.filter((m) => m.src === DUT4 || m.src === DUT6));
  } finally {
    for (const d of daemons) await d.stop().catch(() => undefined);
    await lab.cleanup();
  }
}

/** Name each message the DUT sent by what it is; the first of each name wins. */
function writeFixtures(stem: string, session: string, describe: string, msgs: BgpCaptured[]): void {
  const written = new Set<string>();
  for (const m of msgs) {
    const family = m.src === DUT4 ? 'ipv4' : 'ipv6';
    const name = `${stem}-${messageName(m.bytes, family)}`;
    if (written.has(name)) continue;
    written.add(name);
    const header = [
      `# ${name}: BGP message sent on the ${family} session (${m.src} -> ${m.dst}; ${session}; local AS ${DUT_AS}),`,
      '# recorded with tcpdump on the sender\'s veth and split by scripts/capture-bgp.ts; sender:',
      ...describe.split('\n').map((l) => `#   ${l}`),
    ];
    writeFileSync(join(OUT, `${name}.hex`), `${header.join('\n')}\n${Buffer.from(m.bytes).toString('hex')}\n`);
    console.log(`${name}.hex  ${m.bytes.length} bytes`);
  }
}

const TYPES: Record<number, string> = { 1: 'open', 3: 'notification', 4: 'keepalive', 5: 'route-refresh' };
/** RFC 4271 §4.5 error codes, RFC 4486 Cease subcodes. */
const NOTIFICATIONS: Record<string, string> = { '5': 'fsm-error', '6-2': 'cease-shutdown', '6-4': 'cease-reset', '6-7': 'cease-collision' };

function messageName(b: Uint8Array, family: string): string {
  const type = b[18]!;
  if (type === 1) return `open-${family}-session`;
  if (type === 3) return `notification-${NOTIFICATIONS[`${b[19]}-${b[20]}`] ?? NOTIFICATIONS[`${b[19]}`] ?? `${b[19]}-${b[20]}`}`;
  if (type !== 2) return TYPES[type] ?? `type-${type}`;
  const buf = Buffer.from(b);
  const withdrawnLen = buf.readUInt16BE(19);
  const attrLen = buf.readUInt16BE(21 + withdrawnLen);
  const attrs = buf.subarray(23 + withdrawnLen, 23 + withdrawnLen + attrLen);
  const nlri = buf.subarray(23 + withdrawnLen + attrLen);
  if (withdrawnLen === 0 && attrLen === 0) return 'update-eor-ipv4';
  const codes: number[] = [];
  let mp: Buffer | undefined;
  let mpUnreach = false;
  for (let p = 0; p < attrs.length;) {
    const flags = attrs[p]!;
    const code = attrs[p + 1]!;
    const ext = (flags & 0x10) !== 0;
    const len = ext ? attrs.readUInt16BE(p + 2) : attrs[p + 2]!;
    const body = attrs.subarray(p + (ext ? 4 : 3), p + (ext ? 4 : 3) + len);
    codes.push(code);
    if (code === 14) mp = body;
    if (code === 15) mpUnreach = true;
    p += (ext ? 4 : 3) + len;
  }
  if (mpUnreach && codes.length === 1 && attrLen <= 7) return 'update-eor-ipv6';
  if (withdrawnLen > 0 && nlri.length === 0 && attrLen === 0) return 'update-withdraw-ipv4';
  const prefix = mp ? firstMpPrefix(mp) : firstPrefix(nlri, 4);
  const nh = mp ? `-nexthop${mp[3]}` : '';
  return `update-${mp ? 'ipv6' : 'ipv4'}-${prefix}${nh}`;
}

/** MP_REACH_NLRI body: AFI(2) SAFI(1) NH len(1) NH reserved(1) NLRI (RFC 4760 §3). */
function firstMpPrefix(mp: Buffer): string {
  const nhLen = mp[3]!;
  return firstPrefix(mp.subarray(4 + nhLen + 1), 16);
}

function firstPrefix(nlri: Buffer, width: number): string {
  const len = nlri[0];
  if (len === undefined) return 'none';
  const bytes = Buffer.alloc(width);
  nlri.copy(bytes, 0, 1, 1 + Math.ceil(len / 8));
  const text = width === 4 ? [...bytes].join('.') : [...Array(8).keys()].map((i) => bytes.readUInt16BE(i * 2).toString(16)).join('_');
  return `${text}_${len}`;
}

const kinds = (process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['bird', 'gobgp', 'frr']) as Kind[];
mkdirSync(OUT, { recursive: true });
for (const k of kinds) {
  for (const mode of MODES) {
    console.log(`== ${k} ${mode.name}`);
    await captureOne(k, mode);
  }
}
