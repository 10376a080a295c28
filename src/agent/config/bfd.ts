/**
 * BFD settings of the agent's peers (RFC 5880 asynchronous mode, RFC 5881 single hop), from either form:
 * vipgate's `peers[].bfd` (the router's neighbor `bfd` schema, the same shape and limits, 300 ms x 3 when
 * present) or a MetalLB BFD profile (the BFDProfile CRD, or `bfd-profiles` of the legacy ConfigMap) named
 * by a peer. Passive mode is the RFC 5880 6.1 passive role (nothing sent before the router's first
 * packet); a multi-hop eBGP peer gets multihop BFD (RFC 5883) with the profile's minimumTtl (254, FRR's
 * default, when not set). What vipgate's BFD does not do is a warning: echo mode (asynchronous mode only),
 * and a minimumTtl on a single-hop session (RFC 5881 5 accepts TTL 255 only, stricter than any minimum).
 */
import { z } from 'zod';
import type { bfdSettings } from '../../config/schema.js';
import { SESSION_DEFAULTS } from '../../config/resolve.js';
import type { Findings } from './lenient.js';
import type { PeerBfdConfig } from './model.js';

/** `peers[].bfd` → the session's BFD, or undefined when absent or `enabled: false`; `multihopMinTtl`: RFC 5883. */
export function peerBfd(s: z.output<typeof bfdSettings> | undefined, multihopMinTtl?: number): PeerBfdConfig | undefined {
  if (!s || s.enabled === false) return undefined;
  const d = SESSION_DEFAULTS.bfd;
  return {
    minRx: s.minRx ?? d.minRx, minTx: s.minTx ?? d.minTx, multiplier: s.multiplier ?? d.multiplier, ...(s.auth ? { auth: s.auth } : {}),
    ...(multihopMinTtl === undefined ? {} : { multihop: { minTtl: multihopMinTtl } }),
  };
}

const interval = z.number().int().min(10).max(60_000);

/** MetalLB's BFD profile fields (limits as MetalLB documents them), in the CRD's spelling. */
export const bfdProfileFields = {
  receiveInterval: interval.optional(),
  transmitInterval: interval.optional(),
  detectMultiplier: z.number().int().min(2).max(255).optional(),
  echoInterval: interval.optional(),
  echoMode: z.boolean().optional(),
  passiveMode: z.boolean().optional(),
  minimumTtl: z.number().int().min(1).max(254).optional(),
};

export type BfdProfile = { readonly [K in keyof typeof bfdProfileFields]?: z.output<(typeof bfdProfileFields)[K]> };

/** FRR bfdd's minimum-ttl for multihop sessions when a profile sets none. */
export const MULTIHOP_MIN_TTL = 254;

/** A MetalLB BFD profile → the session's BFD; what cannot apply is a warning on the field (`at` gives its path). */
export function fromBfdProfile(p: BfdProfile, at: (field: keyof BfdProfile) => string, multihop: boolean, f: Findings): PeerBfdConfig {
  if (p.echoMode) f.warn(at('echoMode'), 'echo mode is not supported, BFD runs in asynchronous mode only');
  else if (p.echoInterval !== undefined) f.warn(at('echoInterval'), 'ignored (no echo mode)');
  if (p.minimumTtl !== undefined && !multihop) f.warn(at('minimumTtl'), 'ignored on a single-hop session: it accepts TTL 255 only (RFC 5881 5)');
  return {
    ...peerBfd({ minRx: p.receiveInterval, minTx: p.transmitInterval, multiplier: p.detectMultiplier })!,
    ...(multihop ? { multihop: { minTtl: p.minimumTtl ?? MULTIHOP_MIN_TTL } } : {}),
    ...(p.passiveMode ? { passive: true } : {}),
  };
}
