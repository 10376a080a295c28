/**
 * MetalLB's legacy ConfigMap (metallb-system/config, key `config`, MetalLB <= 0.12), read as it is so
 * that a MetalLB user switches without rewriting: `peers` (peer-address, peer-asn, my-asn, peer-port,
 * hold-time, keepalive-time, router-id, source-address, password, node-selectors, bfd-profile,
 * ebgp-multihop), `bfd-profiles` (BFD intervals, bfd.ts), `bgp-communities` (named communities),
 * `address-pools` (name, protocol, addresses, avoid-buggy-ips, auto-assign, bgp-advertisements with
 * aggregation-length, aggregation-length-v6, localpref, communities; none: one plain advertisement).
 * As in MetalLB 0.12 (yaml.UnmarshalStrict), an unknown key is an error. Layer 2 pools are refused:
 * vipgate announces over BGP only. Sessions carry IPv4 and IPv6 (MetalLB 0.12's FRR mode).
 */
import { z } from 'zod';
import { asNumber, community, ipAddress, ipv4Address } from '../../config/values.js';
import { type BfdProfile, bfdProfileFields, fromBfdProfile } from './bfd.js';
import type { Findings } from './lenient.js';
import type { MetallbPart } from './metallb-crds.js';
import { type AdvertisementConfig, DEFAULTS, multihopTtl } from './model.js';
import { addressRange, duration, holdSeconds, legacySelector } from './values.js';

const peer = z.strictObject({
  'peer-address': ipAddress,
  'peer-asn': asNumber,
  'my-asn': asNumber,
  'peer-port': z.number().int().min(1).max(65535).default(DEFAULTS.port),
  'hold-time': duration.pipe(holdSeconds).default(DEFAULTS.holdTime),
  /** Not set: a third of the hold time. */
  'keepalive-time': duration.optional(),
  'router-id': ipv4Address.optional(),
  'source-address': ipAddress.optional(),
  password: z.string().min(1).max(80).optional(),
  'node-selectors': z.array(legacySelector).default([]),
  'bfd-profile': z.string().min(1).optional(),
  'ebgp-multihop': z.boolean().optional(),
});

/** MetalLB 0.12's bfd-profiles entries: the BFDProfile fields in kebab-case. */
const bfdProfile = z.strictObject({
  name: z.string().min(1),
  'receive-interval': bfdProfileFields.receiveInterval,
  'transmit-interval': bfdProfileFields.transmitInterval,
  'detect-multiplier': bfdProfileFields.detectMultiplier,
  'echo-interval': bfdProfileFields.echoInterval,
  'echo-mode': bfdProfileFields.echoMode,
  'passive-mode': bfdProfileFields.passiveMode,
  'minimum-ttl': bfdProfileFields.minimumTtl,
}).transform((p): BfdProfile & { name: string } => ({
  name: p.name, receiveInterval: p['receive-interval'], transmitInterval: p['transmit-interval'], detectMultiplier: p['detect-multiplier'],
  echoInterval: p['echo-interval'], echoMode: p['echo-mode'], passiveMode: p['passive-mode'], minimumTtl: p['minimum-ttl'],
}));

const advertisement = z.strictObject({
  'aggregation-length': z.number().int().min(0).max(32).default(32),
  'aggregation-length-v6': z.number().int().min(0).max(128).default(128),
  localpref: z.number().int().min(0).max(0xffffffff).optional(),
  communities: z.array(z.string()).default([]),
});

const pool = z.strictObject({
  name: z.string().min(1),
  protocol: z.enum(['bgp', 'layer2']).refine((p) => p === 'bgp', { error: 'layer2 is not supported: vipgate announces over BGP only' }),
  addresses: z.array(addressRange).min(1),
  'avoid-buggy-ips': z.boolean().default(false),
  'auto-assign': z.boolean().default(true),
  'bgp-advertisements': z.array(advertisement).optional(),
});

export const metallbConfigMapSchema = z.strictObject({
  peers: z.array(peer).default([]),
  'bgp-communities': z.record(z.string(), community).default({}),
  'address-pools': z.array(pool).default([]),
  'bfd-profiles': z.array(bfdProfile).default([]),
});

/** Is this parsed YAML MetalLB's legacy config (the ConfigMap, or the text of its `config` key)? */
export function isLegacyConfig(doc: unknown): boolean {
  if (doc === null || typeof doc !== 'object') return false;
  const d = doc as Record<string, unknown>;
  return 'address-pools' in d || (Array.isArray(d['peers']) && d['peers'].some((p) => p && typeof p === 'object' && 'peer-address' in p));
}

export function fromMetallbConfigMap(c: z.output<typeof metallbConfigMapSchema>, f: Findings): MetallbPart {
  const profiles = new Map(c['bfd-profiles'].map((p) => [p.name, p]));
  const routerIds = new Set(c.peers.map((p) => p['router-id']).filter((x) => x !== undefined));
  const advertisements: AdvertisementConfig[] = [];
  c['address-pools'].forEach((p, i) => {
    // MetalLB: a pool without bgp-advertisements gets one plain advertisement (full-length routes)
    const ads = p['bgp-advertisements'] ?? [];
    (ads.length > 0 ? ads : [{ 'aggregation-length': 32, 'aggregation-length-v6': 128, communities: [] as string[] }]).forEach((a, j) => {
      const origin = `address-pools[${i}].bgp-advertisements[${j}]`;
      const communities: number[] = [];
      a.communities.forEach((name, k) => {
        const value = c['bgp-communities'][name] ?? parseCommunityText(name);
        if (value === undefined) f.issue(`${origin}.communities[${k}]`, `"${name}" is neither AS:VALUE nor a name in bgp-communities`);
        else communities.push(value);
      });
      advertisements.push({
        origin, pools: [p.name], communities, largeCommunities: [], peers: [], nodeSelectors: [],
        aggregationLength: a['aggregation-length'], aggregationLengthV6: a['aggregation-length-v6'],
        ...('localpref' in a && a.localpref !== undefined ? { localPref: a.localpref } : {}),
      });
    });
  });
  const [routerId] = routerIds;
  return {
    ...(routerId ? { routerId } : {}),
    pools: c['address-pools'].map((p, i) => ({
      origin: `address-pools[${i}]`, name: p.name, ranges: p.addresses, avoidBuggyIPs: p['avoid-buggy-ips'], autoAssign: p['auto-assign'],
    })),
    peers: c.peers.map((p, i) => {
      const profile = p['bfd-profile'] === undefined ? undefined : profiles.get(p['bfd-profile']);
      if (p['bfd-profile'] !== undefined && !profile) f.issue(`peers[${i}].bfd-profile`, `no entry named "${p['bfd-profile']}" in bfd-profiles`);
      const keepalive = p['keepalive-time'];
      if (keepalive !== undefined && keepalive > p['hold-time']) f.issue(`peers[${i}].keepalive-time`, `${keepalive}s is above hold-time ${p['hold-time']}s`);
      if (p['ebgp-multihop'] && p['peer-asn'] === p['my-asn']) f.issue(`peers[${i}].ebgp-multihop`, `peer-asn ${p['peer-asn']} is my-asn: an iBGP peer cannot be multi-hop eBGP`);
      const multihop = p['ebgp-multihop'] === true && p['peer-asn'] !== p['my-asn'];
      const at = `bfd-profiles[${profile ? c['bfd-profiles'].indexOf(profile) : 0}]`;
      return {
        origin: `peers[${i}]`, name: p['peer-address'], address: p['peer-address'], port: p['peer-port'], myAsn: p['my-asn'], peerAsn: p['peer-asn'],
        holdTime: p['hold-time'], ...(keepalive === undefined ? {} : { keepalive }), connectRetry: DEFAULTS.connectRetry, nodeSelectors: p['node-selectors'],
        ...(p.password ? { password: p.password } : {}),
        ...(p['source-address'] ? { sourceAddress: p['source-address'] } : {}),
        ...(p['router-id'] ? { routerId: p['router-id'] } : {}),
        ...(multihop ? { ebgpMultihop: multihopTtl(true) } : {}),
        ...(profile ? { bfd: fromBfdProfile(profile, (k) => `${at}.${KEBAB[k]}`, multihop, f) } : {}),
      };
    }),
    advertisements,
  };
}

/** The legacy spelling of each BFDProfile field. */
const KEBAB: Record<keyof BfdProfile, string> = {
  receiveInterval: 'receive-interval', transmitInterval: 'transmit-interval', detectMultiplier: 'detect-multiplier',
  echoInterval: 'echo-interval', echoMode: 'echo-mode', passiveMode: 'passive-mode', minimumTtl: 'minimum-ttl',
};

function parseCommunityText(text: string): number | undefined {
  const r = community.safeParse(text);
  return r.success ? r.data : undefined;
}
