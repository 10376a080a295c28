/**
 * MetalLB's BGPPeer (metallb.io/v1beta1 and v1beta2, the storage version) → a PeerConfig, with the meaning
 * MetalLB gives each field (its internal/config peerFromCR and the FRR session it renders):
 * - peerASN, or dynamicASN internal / external (any AS equal to / different from myASN); exactly one;
 * - localASN: the AS this session presents (FRR `local-as N no-prepend replace-as`); the router sees only it;
 * - holdTime / keepaliveTime: one given, the other follows (keepalive = hold / 3, hold = 3 x keepalive);
 *   hold 0 or at least 3 s; keepalive not above hold; connectTime 1..65535 whole seconds;
 * - password (TCP MD5, RFC 2385) or passwordSecret: a kubernetes.io/basic-auth Secret in MetalLB's namespace,
 *   key `password` (read from the API server, or a Secret in the same files); not both;
 * - ebgpMultiHop: TTL 255 and, with a bfdProfile, multihop BFD (RFC 5883, UDP 4784); refused for iBGP;
 * - enableGracefulRestart: RFC 4724 on this session only (off unless set, as in MetalLB);
 * - the session carries the address family of peerAddress only, both with dualStackAddressFamily;
 *   disableMP is deprecated in MetalLB and has no effect (warned);
 * - refused with the reason: vrf (sessions in a VRF) and interface (unnumbered BGP): vipgate has neither.
 * v1beta1 has fewer fields; a v1beta2 field in a v1beta1 object is dropped by the API server, and warned here.
 */
import { Buffer } from 'node:buffer';
import { z } from 'zod';
import { asNumber, ipAddress, ipv4Address } from '../../config/values.js';
import { familyOf } from '../../lib/address.js';
import type { KubeObject } from '../source/manifests.js';
import { type BfdProfile, fromBfdProfile } from './bfd.js';
import { joinPath, parseKnown, type Findings } from './lenient.js';
import { DEFAULTS, type PeerConfig } from './model.js';
import { duplicateSelector, duration, labelSelector } from './values.js';

const optionalText = z.string().optional().transform((s) => (s === '' ? undefined : s));

const v1beta1 = {
  myASN: asNumber,
  peerASN: asNumber,
  peerAddress: ipAddress,
  sourceAddress: z.union([z.literal(''), ipAddress]).optional().transform((s) => (s === '' ? undefined : s)),
  peerPort: z.number().int().min(0).max(65535).optional(),
  holdTime: duration.optional(),
  keepaliveTime: duration.optional(),
  routerID: z.union([z.literal(''), ipv4Address]).optional().transform((s) => (s === '' ? undefined : s)),
  nodeSelectors: z.array(labelSelector).default([]),
  password: z.string().max(80, { error: 'must be at most 80 characters (the kernel\'s TCP MD5 key limit)' }).optional().transform((s) => (s === '' ? undefined : s)),
  bfdProfile: optionalText,
  ebgpMultiHop: z.boolean().default(false),
};

const v1beta2 = {
  ...v1beta1,
  // omitempty: 0 is "not set"
  peerASN: z.preprocess((v) => (v === 0 ? undefined : v), asNumber.optional()),
  peerAddress: z.union([z.literal(''), ipAddress]).optional().transform((s) => (s === '' ? undefined : s)),
  peerPort: z.number().int().min(1).max(65535).optional(),
  localASN: asNumber.optional(),
  dynamicASN: z.enum(['internal', 'external']).optional(),
  interface: optionalText,
  connectTime: duration.pipe(z.number().int().min(1, { error: 'must be between 1 and 65535 seconds' }).max(65535, { error: 'must be between 1 and 65535 seconds' })).optional(),
  passwordSecret: z.strictObject({ name: optionalText, namespace: optionalText }).optional(),
  enableGracefulRestart: z.boolean().default(false),
  vrf: optionalText,
  disableMP: z.boolean().default(false),
  dualStackAddressFamily: z.boolean().default(false),
};

/** The spec schema of each BGPPeer version. */
export const PEER_SPECS = { v1beta1: z.strictObject(v1beta1), v1beta2: z.strictObject(v1beta2) } as const;
const SPEC = PEER_SPECS;
export type PeerVersion = keyof typeof PEER_SPECS;

export interface PeerContext {
  readonly bfdProfiles: ReadonlyMap<string, BfdProfile>;
  /** Secrets by name (MetalLB's namespace). */
  readonly secrets: ReadonlyMap<string, KubeObject>;
}

/** The password of a kubernetes.io/basic-auth Secret (MetalLB's passwordFromSecretForPeer), or the problem. */
export function secretPassword(secret: KubeObject): { password: string } | { problem: string } {
  if (secret['type'] !== 'kubernetes.io/basic-auth') return { problem: `is of type ${JSON.stringify(secret['type'] ?? 'Opaque')}, kubernetes.io/basic-auth is needed` };
  const data = secret['data'] as Record<string, unknown> | undefined;
  const plain = secret['stringData'] as Record<string, unknown> | undefined;
  if (typeof plain?.['password'] === 'string') return { password: plain['password'] };
  if (typeof data?.['password'] === 'string') return { password: Buffer.from(data['password'], 'base64').toString('utf8') };
  return { problem: 'has no key "password"' };
}

/** BGP hold and keepalive as MetalLB's parseTimers derives them; undefined fields take the defaults. */
function timers(hold: number | undefined, keepalive: number | undefined): { holdTime: number; keepalive?: number } {
  if (hold === undefined && keepalive === undefined) return { holdTime: DEFAULTS.holdTime };
  if (hold === undefined) return { holdTime: keepalive! * 3, keepalive: keepalive! };
  return { holdTime: hold, ...(keepalive === undefined ? {} : { keepalive }) };
}

export function peerFromCrd(o: KubeObject, version: PeerVersion, c: PeerContext, f: Findings): PeerConfig | undefined {
  const origin = `BGPPeer/${o.metadata?.name ?? ''}`;
  const base = `${origin}.spec`;
  const at = (field: string): string => joinPath(base, field);
  const s = parseKnown(SPEC[version], o['spec'], base, f, ([k]) => (version === 'v1beta1' && typeof k === 'string' && k in v1beta2
    ? 'is a field of BGPPeer v1beta2, not v1beta1: the API server drops it (use apiVersion metallb.io/v1beta2)'
    : 'unknown field, ignored'));
  if (!s) return undefined;
  const x: Partial<z.output<(typeof SPEC)['v1beta2']>> = s;
  let ok = true;
  const refuse = (field: string, message: string): void => { f.issue(at(field), message); ok = false; };
  if (x.vrf) refuse('vrf', `VRFs are not supported: vipgate would open the session in the main routing table, not in "${x.vrf}"`);
  if (x.interface) refuse('interface', 'unnumbered BGP (a session over an interface without a peer address) is not supported: set peerAddress');
  if (!s.peerAddress && !x.interface) refuse('peerAddress', 'required (MetalLB: one of peerAddress and interface)');
  if (s.peerASN === undefined && !x.dynamicASN) refuse('peerASN', 'required, or dynamicASN: internal | external');
  if (s.peerASN !== undefined && x.dynamicASN) refuse('dynamicASN', `peerASN (${s.peerASN}) and dynamicASN exclude each other`);
  if (s.ebgpMultiHop && s.peerASN === s.myASN) refuse('ebgpMultiHop', `peerASN ${s.peerASN} is myASN: an iBGP peer cannot be multi-hop eBGP`);
  const t = timers(s.holdTime, s.keepaliveTime);
  if (t.holdTime !== 0 && t.holdTime < 3) refuse(s.holdTime === undefined ? 'keepaliveTime' : 'holdTime', `hold time ${t.holdTime}s: must be 0 or at least 3 seconds (RFC 4271 4.2)`);
  if (t.keepalive !== undefined && t.keepalive > t.holdTime) refuse('keepaliveTime', `${t.keepalive}s is above holdTime ${t.holdTime}s`);
  const dup = duplicateSelector(s.nodeSelectors);
  if (dup !== undefined) refuse(`nodeSelectors[${dup}]`, 'duplicate definition of this node selector');
  let password = s.password;
  const ref = x.passwordSecret?.name;
  if (ref !== undefined) {
    if (password !== undefined) refuse('passwordSecret', 'password and passwordSecret exclude each other');
    const ns = o.metadata?.namespace;
    if (x.passwordSecret?.namespace !== undefined && ns !== undefined && x.passwordSecret.namespace !== ns) {
      f.warn(at('passwordSecret.namespace'), `MetalLB reads the Secret from its own namespace ${ns}, not ${x.passwordSecret.namespace}`);
    }
    const secret = c.secrets.get(ref);
    const found = secret ? secretPassword(secret) : { problem: 'does not exist' };
    if ('problem' in found) refuse('passwordSecret.name', `Secret "${ref}" ${found.problem}`);
    else if (found.password.length > 80) refuse('passwordSecret.name', `Secret "${ref}": the password is longer than the kernel's 80-byte TCP MD5 key limit`);
    else password = found.password;
  }
  if ((s.peerPort ?? 0) > 16384) f.warn(at('peerPort'), `${s.peerPort} is above 16384, which MetalLB's CRD refuses; vipgate dials it`);
  if (x.disableMP) f.warn(at('disableMP'), 'deprecated in MetalLB and without effect: a session carries its own address family unless dualStackAddressFamily is set');
  const profile = s.bfdProfile === undefined ? undefined : c.bfdProfiles.get(s.bfdProfile);
  if (s.bfdProfile !== undefined && !profile) refuse('bfdProfile', `no BFDProfile named "${s.bfdProfile}"`);
  if (!ok || !s.peerAddress) return undefined;
  const peerAsn = s.peerASN ?? x.dynamicASN!;
  const myAsn = x.localASN ?? s.myASN;
  const multihop = s.ebgpMultiHop && peerAsn !== myAsn && peerAsn !== 'internal';
  return {
    origin, name: o.metadata?.name ?? s.peerAddress, address: s.peerAddress, port: s.peerPort || DEFAULTS.port,
    myAsn, peerAsn, ...t, connectRetry: x.connectTime ?? DEFAULTS.connectRetry, nodeSelectors: s.nodeSelectors,
    families: x.dualStackAddressFamily ? [4, 6] : [familyOf(s.peerAddress)],
    gracefulRestart: x.enableGracefulRestart ?? false,
    ...(password ? { password } : {}),
    ...(s.sourceAddress ? { sourceAddress: s.sourceAddress } : {}),
    ...(s.routerID ? { routerId: s.routerID } : {}),
    ...(multihop ? { ebgpMultihop: 255 } : {}),
    ...(profile ? { bfd: fromBfdProfile(profile, (k) => `BFDProfile/${s.bfdProfile}.spec.${k}`, multihop, f) } : {}),
  };
}
