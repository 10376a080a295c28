/**
 * Seed inputs for the fuzz targets, all real: BGP messages captured from BIRD, FRR and GoBGP
 * (test/fixtures/captures), messages our own encoder writes, kernel netlink replies and ipvsadm requests
 * captured with strace / nlmon (the codec vectors), BFD packets with each authentication type, ICMP echo
 * replies, and the example configuration files that ship with the box and the deployment.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parsePrefix } from '../../src/lib/address.js';
import { fromHex } from '../../src/lib/bytes.js';
import { encodeMessage } from '../../src/wire/bgp/message.js';
import { packAnnouncements } from '../../src/wire/bgp/pack.js';
import { DEFAULT_CONTEXT, type BgpMessage, type CodecContext } from '../../src/wire/bgp/types.js';
import { sealBfdControl } from '../../src/wire/bfd/auth.js';
import { AuthType, type BfdControlPacket } from '../../src/wire/bfd/types.js';
import { putU32 } from '../../src/wire/netlink/attributes.js';
import { IPVS_CMD_GET_INFO, IPVS_CMD_SET_CONFIG, IPVS_CMD_ATTR_TIMEOUT_TCP, IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, IPVS_CMD_ATTR_TIMEOUT_UDP,
  IPVS_INFO_ATTR_CONN_TAB_SIZE, IPVS_INFO_ATTR_VERSION } from '../../src/wire/netlink/ipvs/constants.js';
import { buildGenlMessage } from '../../src/wire/netlink/ipvs/genetlink.js';
import { echoRequest, ICMP_ECHO_REPLY, ICMPV6_ECHO_REPLY, internetChecksum } from '../../src/probe/icmp.js';
import { captured as netlinkVectors } from '../unit/wire/netlink/vectors.js';

const REPO = new URL('../../', import.meta.url).pathname;
const read = (path: string): string => readFileSync(join(REPO, path), 'utf8');

/** Every captured BGP message, by file name (the `#` comment lines dropped). */
function bgpCaptures(): Map<string, Uint8Array> {
  const dir = join(REPO, 'test/fixtures/captures');
  const out = new Map<string, Uint8Array>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.hex')).sort()) {
    const hex = readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => !l.startsWith('#')).join('');
    out.set(f, fromHex(hex));
  }
  return out;
}

/**
 * Messages our encoder writes, for what the captures lack: a 2-octet AS speaker (AS_TRANS with AS4 attributes
 * on the wire), extended message, enhanced route refresh, an unknown capability, aggregator, route reflection
 * attributes, an unknown optional transitive attribute, IPv6 reach and unreach in one UPDATE, a refresh
 * demarcation, a NOTIFICATION with a hard-reset reason.
 */
const encoded: BgpMessage[] = [
  { type: 'open', version: 4, myAs: 65010, holdTime: 3, bgpId: '192.0.2.77', capabilities: [
    { kind: 'multiprotocol', afi: 2, safi: 1 }, { kind: 'extended-message' }, { kind: 'enhanced-route-refresh' },
    { kind: 'unknown', code: 131, value: Uint8Array.of(9, 8, 7) },
    { kind: 'add-path', families: [{ afi: 2, safi: 1, mode: 1 }, { afi: 1, safi: 1, mode: 2 }] },
  ] },
  { type: 'notification', code: 6, subcode: 9, data: Uint8Array.of(3, 1, 0x21) },
  { type: 'route-refresh', afi: 1, safi: 1, subtype: 2 },
  { type: 'update', withdrawn: [{ prefix: parsePrefix('172.16.0.0/12') }], nlri: [{ prefix: parsePrefix('100.64.1.0/24') }, { prefix: parsePrefix('0.0.0.0/0') }],
    attributes: {
      origin: 2, asPath: [{ type: 1, asns: [65020, 4200000002] }, { type: 2, asns: [65010] }], nextHop: '198.51.100.9', med: 0, localPref: 4294967295,
      atomicAggregate: true, aggregator: { asn: 4200000003, address: '198.51.100.1' }, communities: [0xffff0001, 0xfdeb0064], originatorId: '10.9.9.9',
      clusterList: ['10.8.8.8', '10.7.7.7'], extendedCommunities: [{ type: 0x00, subtype: 2, value: Uint8Array.of(0xfd, 0xe9, 0, 0, 0, 7) }],
      largeCommunities: [[4200000002, 0, 1], [65010, 7, 7]], unknown: [{ flags: 0xc0, code: 99, value: Uint8Array.of(0xaa, 0xbb) }],
      mpReach: { afi: 2, safi: 1, nextHop: 'fd00:9::9', nlri: [{ prefix: parsePrefix('2001:db8:77::/64') }, { prefix: parsePrefix('::/0') }] },
      mpUnreach: { afi: 2, safi: 1, withdrawn: [{ prefix: parsePrefix('2001:db8:78::1/128') }] },
    } },
];

export function bgpMessages(ctx: CodecContext = DEFAULT_CONTEXT): Uint8Array[] {
  const prefixes = Array.from({ length: 300 }, (_, i) => parsePrefix(`10.${i >> 8}.${i & 0xff}.1/32`));
  return [
    ...bgpCaptures().values(),
    ...encoded.map((m) => encodeMessage(m, ctx)),
    ...packAnnouncements({ family: 4, attributes: { origin: 0, asPath: [{ type: 2, asns: [65010] }] }, nextHop: '10.0.0.1', prefixes }, ctx),
  ];
}

/** The path attribute section of every UPDATE in the message corpus (RFC 4271 4.3 layout). */
export function bgpAttributeSections(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of bgpMessages()) {
    if (m[18] !== 2) continue;
    const withdrawnLength = (m[19]! << 8) | m[20]!;
    const at = 21 + withdrawnLength;
    const attrLength = (m[at]! << 8) | m[at + 1]!;
    if (attrLength > 0) out.push(m.subarray(at + 2, at + 2 + attrLength));
  }
  return out;
}

const bfdBase: BfdControlPacket = {
  diag: 0, state: 'Up', poll: false, final: false, controlPlaneIndependent: false, demand: false,
  detectMult: 3, myDiscriminator: 0x11223344, yourDiscriminator: 7,
  desiredMinTxUs: 100_000, requiredMinRxUs: 100_000, requiredMinEchoRxUs: 0,
};

export const BFD_KEYS = [
  { type: AuthType.SIMPLE_PASSWORD, keyId: 1, secret: new TextEncoder().encode('secret') },
  { type: AuthType.KEYED_MD5, keyId: 2, secret: new TextEncoder().encode('md5key') },
  { type: AuthType.METICULOUS_KEYED_SHA1, keyId: 3, secret: new TextEncoder().encode('sha1key') },
] as const;

export function bfdPackets(): Uint8Array[] {
  return [
    sealBfdControl({ ...bfdBase, state: 'Down', yourDiscriminator: 0 }, undefined),
    sealBfdControl({ ...bfdBase, poll: true }, undefined),
    ...BFD_KEYS.map((key) => sealBfdControl({ ...bfdBase, auth: key.type === AuthType.SIMPLE_PASSWORD
      ? { type: key.type, keyId: key.keyId, password: key.secret }
      : { type: key.type, keyId: key.keyId, sequence: 42, digest: new Uint8Array(key.type === AuthType.KEYED_MD5 ? 16 : 20) } }, key)),
  ];
}

/** Kernel replies and requests captured from iproute2 (same layouts as what the kernel sends back). */
export function netlinkDatagrams(): Record<'route' | 'nexthop' | 'link' | 'error', Uint8Array[]> {
  const v = netlinkVectors;
  const h = (s: string) => fromHex(s);
  return {
    route: [v.routeNhId, v.routeNhId6, v.routeMultipath, v.deleteRoute, v.routeGetReply].map(h),
    nexthop: [v.nexthopGateway4, v.nexthopGateway6, v.group, v.resilientGroup, v.blackhole, v.deleteNexthop].map(h),
    link: [h(v.linkLo)],
    // an NLMSG_ERROR with extended ack, and an NLMSG_DONE
    error: [h(v.errorExtAck), fromHex('1400000003000200' + '4e04086b5b1b0000' + '00000000')],
  };
}

/** IPVS messages: ipvsadm's requests carry the same nests as the kernel's replies; plus config and info replies. */
export function ipvsMessages(): { familyId: number; messages: Uint8Array[] } {
  const captured = JSON.parse(read('test/unit/ipvs/ipvsadm-requests.json')) as { familyId: number; requests: Record<string, string> };
  const id = captured.familyId;
  return {
    familyId: id,
    messages: [
      ...Object.values(captured.requests).map(fromHex),
      buildGenlMessage(id, 0, { cmd: IPVS_CMD_SET_CONFIG, version: 1 }, (w) => {
        putU32(w, IPVS_CMD_ATTR_TIMEOUT_TCP, 900); putU32(w, IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, 120); putU32(w, IPVS_CMD_ATTR_TIMEOUT_UDP, 300);
      }),
      buildGenlMessage(id, 0, { cmd: IPVS_CMD_GET_INFO, version: 1 }, (w) => {
        putU32(w, IPVS_INFO_ATTR_VERSION, 0x10904); putU32(w, IPVS_INFO_ATTR_CONN_TAB_SIZE, 4096);
      }),
    ],
  };
}

/** Echo replies as a raw socket reads them: IPv4 with its header (20 octets, and 24 with options), IPv6 without. */
export function icmpReplies(): { v4: Uint8Array[]; v6: Uint8Array[] } {
  const reply = (family: 4 | 6, seq: number): Uint8Array => {
    const b = echoRequest(family, 0x1234, seq, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    b[0] = family === 4 ? ICMP_ECHO_REPLY : ICMPV6_ECHO_REPLY;
    b[2] = 0; b[3] = 0;
    if (family === 4) { const c = internetChecksum(b); b[2] = c >> 8; b[3] = c & 0xff; }
    return b;
  };
  const ipHeader = (ihl: number, len: number): Uint8Array => {
    const b = new Uint8Array(ihl * 4);
    b[0] = 0x40 | ihl; b[2] = len >> 8; b[3] = len & 0xff; b[8] = 64; b[9] = 1;
    b.set([10, 0, 0, 2, 10, 0, 0, 1], 12);
    return b;
  };
  const v4 = [5, 6].map((ihl, i) => {
    const icmp = reply(4, i + 1);
    const head = ipHeader(ihl, ihl * 4 + icmp.length);
    const out = new Uint8Array(head.length + icmp.length);
    out.set(head); out.set(icmp, head.length);
    return out;
  });
  return { v4, v6: [reply(6, 1), reply(6, 2)] };
}

export function routerConfigTexts(): string[] {
  return ['firmware/etc/vipgate/router.example.yaml', 'firmware/etc/vipgate/seed.example.yaml'].map(read);
}

/** The agent configuration in vipgate's own format (from deploy/config.yaml) and the ConfigMap itself. */
export function agentConfigTexts(): string[] {
  const configMap = read('deploy/config.yaml');
  const agentYaml = (parse(configMap) as { data: Record<string, string> }).data['agent.yaml']!;
  return [agentYaml, configMap];
}
