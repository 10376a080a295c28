/**
 * MetalLB's CRDs (metallb.io/v1beta1 IPAddressPool, BGPAdvertisement, Community, BFDProfile; v1beta1/v1beta2
 * BGPPeer) as YAML documents or objects read from the API server, converted to the agent config.
 * A BGPPeer's bfdProfile turns BFD on with that profile's intervals (bfd.ts).
 * Fields vipgate has no use for are ignored and listed as warnings (vrf, serviceAllocation,
 * L2Advertisement, ...), so a MetalLB setup loads as it is. Communities may be "AS:VALUE",
 * "large:G:L1:L2" or the name of an entry in a Community object, as in MetalLB.
 */
import { z } from 'zod';
import { zodIssues } from '../../config/router-config.js';
import { asNumber, community, ipAddress, ipv4Address, largeCommunity } from '../../config/values.js';
import type { LargeCommunity } from '../../wire/bgp/types.js';
import type { KubeObject } from '../source/manifests.js';
import { bfdProfileFields, fromBfdProfile } from './bfd.js';
import { type AgentConfig, DEFAULTS, multihopTtl, STOP_DEFAULTS } from './model.js';
import { addressRange, anySelectorMatches, duration, holdSeconds, labelSelector } from './values.js';

const poolSpec = z.object({
  addresses: z.array(addressRange).min(1),
  autoAssign: z.boolean().default(true),
  avoidBuggyIPs: z.boolean().default(false),
});

const peerSpec = z.object({
  myASN: asNumber,
  peerASN: asNumber,
  peerAddress: ipAddress,
  peerPort: z.number().int().min(1).max(65535).default(DEFAULTS.port),
  holdTime: duration.pipe(holdSeconds).default(DEFAULTS.holdTime),
  keepaliveTime: duration.optional(),
  connectTime: duration.optional(),
  routerID: ipv4Address.optional(),
  sourceAddress: ipAddress.optional(),
  password: z.string().min(1).max(80).optional(),
  nodeSelectors: z.array(labelSelector).default([]),
  bfdProfile: z.string().min(1).optional(),
  ebgpMultiHop: z.boolean().optional(),
});

const bfdProfileSpec = z.object(bfdProfileFields);

const advertisementSpec = z.object({
  ipAddressPools: z.array(z.string()).default([]),
  ipAddressPoolSelectors: z.array(labelSelector).default([]),
  aggregationLength: z.number().int().min(0).max(32).default(32),
  aggregationLengthV6: z.number().int().min(0).max(128).default(128),
  localPref: z.number().int().min(0).max(0xffffffff).optional(),
  communities: z.array(z.string()).default([]),
  peers: z.array(z.string()).default([]),
  nodeSelectors: z.array(labelSelector).default([]),
});

const communitySpec = z.object({ communities: z.array(z.object({ name: z.string(), value: z.string() })).default([]) });

const IGNORED: Record<string, readonly string[]> = {
  IPAddressPool: ['serviceAllocation'],
  BGPPeer: ['vrf', 'passwordSecret', 'disableMP'],
};

export function isMetallbObject(o: KubeObject): boolean {
  return typeof o.apiVersion === 'string' && o.apiVersion.startsWith('metallb.io/');
}

type Issue = (path: string, message: string) => void;

function parseSpec<T extends z.ZodType>(schema: T, o: KubeObject, origin: string, issue: Issue, warnings: string[]): z.output<T> | undefined {
  const spec = (o['spec'] ?? {}) as Record<string, unknown>;
  for (const f of IGNORED[o.kind ?? ''] ?? []) if (spec[f] !== undefined) warnings.push(`${origin}.spec.${f} is ignored by vipgate`);
  const r = schema.safeParse(spec);
  if (r.success) return r.data;
  for (const i of zodIssues(r.error.issues, spec)) issue(`${origin}.spec${i.path.startsWith('[') || i.path === '' ? '' : '.'}${i.path}`, i.message);
  return undefined;
}

/** "AS:VALUE", "large:G:L1:L2" or a Community alias → a community or a large community. */
function resolveCommunity(text: string, aliases: ReadonlyMap<string, string>): number | LargeCommunity | undefined {
  const value = aliases.get(text) ?? text;
  if (value.startsWith('large:')) {
    const r = largeCommunity.safeParse(value.slice(6));
    return r.success ? r.data : undefined;
  }
  const r = community.safeParse(value);
  return r.success ? r.data : undefined;
}

export function fromMetallbCrds(objects: readonly KubeObject[], issue: Issue): AgentConfig {
  const warnings: string[] = [];
  const name = (o: KubeObject): string => o.metadata?.name ?? '';
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  for (const o of objects) {
    if (!['IPAddressPool', 'BGPPeer', 'BGPAdvertisement', 'Community', 'BFDProfile'].includes(o.kind ?? '')) warnings.push(`${o.kind}/${name(o)} is ignored by vipgate (BGP only)`);
  }
  const aliases = new Map<string, string>();
  for (const c of of('Community')) {
    for (const e of parseSpec(communitySpec, c, `Community/${name(c)}`, issue, warnings)?.communities ?? []) aliases.set(e.name, e.value);
  }
  const poolObjects = of('IPAddressPool');
  const pools = poolObjects.flatMap((o) => {
    const origin = `IPAddressPool/${name(o)}`;
    const s = parseSpec(poolSpec, o, origin, issue, warnings);
    return s ? [{ origin, name: name(o), ranges: s.addresses, avoidBuggyIPs: s.avoidBuggyIPs, autoAssign: s.autoAssign }] : [];
  });
  const bfdProfiles = new Map(of('BFDProfile').flatMap((o) => {
    const s = parseSpec(bfdProfileSpec, o, `BFDProfile/${name(o)}`, issue, warnings);
    return s ? [[name(o), s] as const] : [];
  }));
  const peers = of('BGPPeer').flatMap((o) => {
    const origin = `BGPPeer/${name(o)}`;
    const s = parseSpec(peerSpec, o, origin, issue, warnings);
    if (!s) return [];
    const profile = s.bfdProfile === undefined ? undefined : bfdProfiles.get(s.bfdProfile);
    if (s.bfdProfile !== undefined && !profile) issue(`${origin}.spec.bfdProfile`, `no BFDProfile named "${s.bfdProfile}"`);
    return [{
      origin, name: name(o), address: s.peerAddress, port: s.peerPort, myAsn: s.myASN, peerAsn: s.peerASN, holdTime: s.holdTime,
      connectRetry: s.connectTime ?? DEFAULTS.connectRetry, nodeSelectors: s.nodeSelectors,
      ...(s.keepaliveTime === undefined ? {} : { keepalive: s.keepaliveTime }),
      ...(s.password ? { password: s.password } : {}),
      ...(s.sourceAddress ? { sourceAddress: s.sourceAddress } : {}),
      ...(s.routerID ? { routerId: s.routerID } : {}),
      ...(profile ? { bfd: fromBfdProfile(profile, `BFDProfile/${s.bfdProfile}`, warnings) } : {}),
      ...(s.ebgpMultiHop ? { ebgpMultihop: multihopTtl(s.ebgpMultiHop) } : {}),
    }];
  });
  const advertisements = of('BGPAdvertisement').flatMap((o) => {
    const origin = `BGPAdvertisement/${name(o)}`;
    const s = parseSpec(advertisementSpec, o, origin, issue, warnings);
    if (!s) return [];
    const communities: number[] = [];
    const largeCommunities: LargeCommunity[] = [];
    s.communities.forEach((text, i) => {
      const c = resolveCommunity(text, aliases);
      if (c === undefined) issue(`${origin}.spec.communities[${i}]`, `"${text}" is not AS:VALUE, large:G:L1:L2 or a Community alias`);
      else if (typeof c === 'number') communities.push(c);
      else largeCommunities.push(c);
    });
    // ipAddressPoolSelectors select pools by their labels; no pools and no selectors means every pool
    const selected = s.ipAddressPoolSelectors.length === 0 ? [] : poolObjects
      .filter((p) => anySelectorMatches(s.ipAddressPoolSelectors, p.metadata?.labels ?? {})).map(name);
    const poolNames = [...s.ipAddressPools, ...selected];
    const everyPool = s.ipAddressPools.length === 0 && s.ipAddressPoolSelectors.length === 0;
    if (!everyPool && poolNames.length === 0) warnings.push(`${origin}: its ipAddressPoolSelectors match no pool`);
    return [{
      origin, ...(everyPool ? {} : { pools: poolNames }),
      aggregationLength: s.aggregationLength, aggregationLengthV6: s.aggregationLengthV6,
      communities, largeCommunities, peers: s.peers, nodeSelectors: s.nodeSelectors,
      ...(s.localPref === undefined ? {} : { localPref: s.localPref }),
    }];
  });
  if (advertisements.length === 0 && pools.length > 0) warnings.push('no BGPAdvertisement: MetalLB announces nothing without one, and so does vipgate');
  const [routerId] = peers.map((p) => p.routerId).filter((x) => x !== undefined);
  return {
    format: 'metallb-crds', ...(routerId ? { routerId } : {}),
    pools, peers, advertisements,
    externalIPs: { enabled: false, communities: [], largeCommunities: [] },
    linkBandwidth: DEFAULTS.linkBandwidth,
    leaderElection: DEFAULTS.leaderElection,
    ...STOP_DEFAULTS,
    warnings,
  };
}
