/**
 * MetalLB's CRDs (metallb.io/v1beta1 IPAddressPool, BGPAdvertisement, Community, BFDProfile; BGPPeer
 * v1beta1 and v1beta2, metallb-peer.ts) as YAML documents or objects read from the API server, converted
 * to the agent config with MetalLB's meaning (its internal/config and the speaker's BGP controller):
 * - IPAddressPool: addresses (CIDRs and first-last ranges), autoAssign, avoidBuggyIPs, serviceAllocation
 *   (priority, namespaces, namespaceSelectors, serviceSelectors: the allocator applies them);
 * - BGPAdvertisement: ipAddressPools and ipAddressPoolSelectors (none: every pool), aggregationLength(V6),
 *   localPref (0 is "none"), communities ("AS:VALUE", "large:G:L1:L2" or a Community alias), peers,
 *   nodeSelectors, serviceSelectors (only with /32 and /128); a name of a pool or peer that does not exist
 *   selects nothing (a warning, as MetalLB applies it to nothing);
 * - Community aliases, BFDProfile (bfd.ts), and Secrets (kubernetes.io/basic-auth) for BGPPeer passwordSecret.
 * Nothing is dropped silently: an unknown field is a warning naming its path (lenient.ts); Layer 2 objects
 * (L2Advertisement, ServiceL2Status) are named as not supported (vipgate announces over BGP); the state
 * objects speakers write (ServiceBGPStatus, ConfigurationState) and objects of other kinds are named as
 * ignored. Duplicates MetalLB refuses are refused (names in a list, selectors, aliases, profiles).
 */
import { z } from 'zod';
import { community, largeCommunity } from '../../config/values.js';
import type { LargeCommunity } from '../../wire/bgp/types.js';
import type { KubeObject } from '../source/manifests.js';
import { type BfdProfile, bfdProfileFields } from './bfd.js';
import { joinPath, parseKnown, type Findings } from './lenient.js';
import { peerFromCrd, type PeerVersion } from './metallb-peer.js';
import type { AdvertisementConfig, PeerConfig, PoolConfig, ServiceAllocation } from './model.js';
import { addressRange, anySelectorMatches, duplicateName, duplicateSelector, labelSelector } from './values.js';

const selectors = z.array(labelSelector).default([]);

/** IPAddressPool serviceAllocation (and vipgate's own pools' `serviceAllocation`). */
export const serviceAllocationSpec = z.strictObject({
  priority: z.number().int().default(0),
  namespaces: z.array(z.string().min(1)).default([]),
  namespaceSelectors: selectors,
  serviceSelectors: selectors,
});

const poolSpec = z.strictObject({
  addresses: z.array(addressRange).min(1),
  autoAssign: z.boolean().default(true),
  avoidBuggyIPs: z.boolean().default(false),
  serviceAllocation: serviceAllocationSpec.optional(),
});

const advertisementSpec = z.strictObject({
  ipAddressPools: z.array(z.string()).default([]),
  ipAddressPoolSelectors: selectors,
  aggregationLength: z.number().int().min(1).max(32).optional(),
  aggregationLengthV6: z.number().int().min(0).max(128).optional(),
  localPref: z.number().int().min(0).max(0xffffffff).default(0),
  communities: z.array(z.string()).default([]),
  peers: z.array(z.string()).default([]),
  nodeSelectors: selectors,
  serviceSelectors: selectors,
});

const communitySpec = z.strictObject({ communities: z.array(z.strictObject({ name: z.string().min(1), value: z.string() })).default([]) });
const bfdProfileSpec = z.strictObject(bfdProfileFields);

/** The spec schemas of the metallb.io/v1beta1 kinds (BGPPeer's: metallb-peer.ts), for deploy/metallb-crds.yaml's test. */
export const SPECS = { IPAddressPool: poolSpec, BGPAdvertisement: advertisementSpec, Community: communitySpec, BFDProfile: bfdProfileSpec } as const;

const CONFIG_KINDS = ['IPAddressPool', 'BGPPeer', 'BGPAdvertisement', 'Community', 'BFDProfile'];
const LAYER2 = ['L2Advertisement', 'ServiceL2Status'];
const STATE = ['ServiceBGPStatus', 'ConfigurationState'];
const OBJECT_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status', 'type', 'data', 'stringData', 'immutable']);

export function isMetallbObject(o: KubeObject): boolean {
  return typeof o.apiVersion === 'string' && o.apiVersion.startsWith('metallb.io/');
}

/** A Secret beside MetalLB's objects (BGPPeer passwordSecret). */
export const isSecret = (o: KubeObject): boolean => o.kind === 'Secret' && o.apiVersion === 'v1';

export interface MetallbPart {
  readonly pools: PoolConfig[];
  readonly peers: PeerConfig[];
  readonly advertisements: AdvertisementConfig[];
  readonly routerId?: string;
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

const nameOf = (o: KubeObject): string => o.metadata?.name ?? '';
const originOf = (o: KubeObject): string => `${o.kind}/${nameOf(o)}`;

/** Names each object whose kind vipgate does not configure from, and unknown top-level fields. */
function screen(objects: readonly KubeObject[], f: Findings): void {
  for (const o of objects) {
    const origin = originOf(o);
    if (LAYER2.includes(o.kind ?? '')) f.warn(origin, 'Layer 2 mode is not supported: vipgate announces over BGP only, so nothing answers ARP/NDP for these addresses');
    else if (STATE.includes(o.kind ?? '')) f.warn(origin, 'state that the speakers write, not configuration: ignored');
    else if (!CONFIG_KINDS.includes(o.kind ?? '') && !isSecret(o)) f.warn(origin, `not a MetalLB BGP configuration object (${o.apiVersion ?? 'no apiVersion'}): ignored`);
    else for (const k of Object.keys(o)) if (!OBJECT_FIELDS.has(k)) f.warn(joinPath(origin, k), 'unknown field, ignored');
  }
}

function uniqueNames(objects: readonly KubeObject[], f: Findings): KubeObject[] {
  const seen = new Set<string>();
  return objects.filter((o) => {
    if (seen.has(nameOf(o))) { f.issue(`${originOf(o)}.metadata.name`, `${o.kind} "${nameOf(o)}" is defined twice`); return false; }
    seen.add(nameOf(o));
    return true;
  });
}

function allocationOf(s: z.output<typeof serviceAllocationSpec>, base: string, f: Findings): ServiceAllocation {
  const ns = duplicateName(s.namespaces);
  if (ns !== undefined) f.issue(`${base}.namespaces[${ns}]`, `duplicate definition of namespace "${s.namespaces[ns]}"`);
  for (const k of ['namespaceSelectors', 'serviceSelectors'] as const) {
    const d = duplicateSelector(s[k]);
    if (d !== undefined) f.issue(`${base}.${k}[${d}]`, 'duplicate definition of this selector');
  }
  return s;
}

function poolsOf(objects: readonly KubeObject[], f: Findings): PoolConfig[] {
  return objects.flatMap((o) => {
    const origin = originOf(o);
    const s = parseKnown(poolSpec, o['spec'], `${origin}.spec`, f);
    if (!s) return [];
    const allocation = s.serviceAllocation ? allocationOf(s.serviceAllocation, `${origin}.spec.serviceAllocation`, f) : undefined;
    return [{ origin, name: nameOf(o), ranges: s.addresses, avoidBuggyIPs: s.avoidBuggyIPs, autoAssign: s.autoAssign, ...(allocation ? { allocation } : {}) }];
  });
}

function advertisementOf(o: KubeObject, poolObjects: readonly KubeObject[], aliases: ReadonlyMap<string, string>, f: Findings): AdvertisementConfig | undefined {
  const origin = originOf(o);
  const base = `${origin}.spec`;
  const s = parseKnown(advertisementSpec, o['spec'], base, f);
  if (!s) return undefined;
  for (const k of ['ipAddressPools', 'communities', 'peers'] as const) {
    const d = duplicateName(s[k]);
    if (d !== undefined) f.issue(`${base}.${k}[${d}]`, `duplicate definition of "${s[k][d]}"`);
  }
  for (const k of ['ipAddressPoolSelectors', 'nodeSelectors', 'serviceSelectors'] as const) {
    const d = duplicateSelector(s[k]);
    if (d !== undefined) f.issue(`${base}.${k}[${d}]`, 'duplicate definition of this selector');
  }
  if (s.serviceSelectors.length > 0) {
    if (s.aggregationLength !== undefined && s.aggregationLength !== 32) f.issue(`${base}.aggregationLength`, 'serviceSelectors and aggregationLength exclude each other: selected Services are announced as /32 routes only');
    if (s.aggregationLengthV6 !== undefined && s.aggregationLengthV6 !== 128) f.issue(`${base}.aggregationLengthV6`, 'serviceSelectors and aggregationLengthV6 exclude each other: selected Services are announced as /128 routes only');
  }
  const communities: number[] = [];
  const largeCommunities: LargeCommunity[] = [];
  s.communities.forEach((text, i) => {
    const c = resolveCommunity(text, aliases);
    if (c === undefined) f.issue(`${base}.communities[${i}]`, `"${text}" is not AS:VALUE, large:G:L1:L2 or a Community alias`);
    else if (typeof c === 'number') communities.push(c);
    else largeCommunities.push(c);
  });
  // ipAddressPoolSelectors select pools by their labels; no pools and no selectors means every pool
  const selected = s.ipAddressPoolSelectors.length === 0 ? [] : poolObjects
    .filter((p) => anySelectorMatches(s.ipAddressPoolSelectors, p.metadata?.labels ?? {})).map(nameOf);
  const everyPool = s.ipAddressPools.length === 0 && s.ipAddressPoolSelectors.length === 0;
  const pools = [...new Set([...s.ipAddressPools, ...selected])];
  if (!everyPool && selected.length === 0 && s.ipAddressPoolSelectors.length > 0) f.warn(`${base}.ipAddressPoolSelectors`, 'match no IPAddressPool');
  return {
    origin, ...(everyPool ? {} : { pools }),
    aggregationLength: s.aggregationLength ?? 32, aggregationLengthV6: s.aggregationLengthV6 ?? 128,
    communities, largeCommunities, peers: s.peers, nodeSelectors: s.nodeSelectors,
    ...(s.serviceSelectors.length > 0 ? { serviceSelectors: s.serviceSelectors } : {}),
    // MetalLB: LOCAL_PREF 0 is "not set"
    ...(s.localPref === 0 ? {} : { localPref: s.localPref }),
  };
}

export function fromMetallbCrds(objects: readonly KubeObject[], f: Findings): MetallbPart {
  screen(objects, f);
  const of = (kind: string): KubeObject[] => uniqueNames(objects.filter((o) => o.kind === kind), f);
  const aliases = new Map<string, string>();
  for (const c of of('Community')) {
    (parseKnown(communitySpec, c['spec'], `${originOf(c)}.spec`, f)?.communities ?? []).forEach((e, i) => {
      if (aliases.has(e.name)) f.issue(`${originOf(c)}.spec.communities[${i}].name`, `duplicate definition of community "${e.name}"`);
      else if (resolveCommunity(e.value, new Map()) === undefined) f.issue(`${originOf(c)}.spec.communities[${i}].value`, `"${e.value}" is not AS:VALUE or large:G:L1:L2`);
      aliases.set(e.name, e.value);
    });
  }
  const poolObjects = of('IPAddressPool');
  const pools = poolsOf(poolObjects, f);
  const bfdProfiles = new Map<string, BfdProfile>(of('BFDProfile').flatMap((o) => {
    const s = parseKnown(bfdProfileSpec, o['spec'], `${originOf(o)}.spec`, f);
    return s ? [[nameOf(o), s] as const] : [];
  }));
  const secrets = new Map(objects.filter(isSecret).map((o) => [nameOf(o), o]));
  const peers = of('BGPPeer').flatMap((o) => {
    const version: PeerVersion = o.apiVersion === 'metallb.io/v1beta1' ? 'v1beta1' : 'v1beta2';
    return peerFromCrd(o, version, { bfdProfiles, secrets }, f) ?? [];
  });
  const advertisements = of('BGPAdvertisement').flatMap((o) => advertisementOf(o, poolObjects, aliases, f) ?? []);
  if (advertisements.length === 0 && pools.length > 0) f.warn('BGPAdvertisement', 'none: MetalLB announces nothing without one, and so does vipgate');
  const [routerId] = peers.map((p) => p.routerId).filter((x) => x !== undefined);
  return { pools, peers, advertisements, ...(routerId ? { routerId } : {}) };
}
