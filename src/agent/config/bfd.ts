/**
 * BFD settings of the agent's peers (RFC 5880 asynchronous mode, RFC 5881 single hop), from either form:
 * vipgate's `peers[].bfd` (the router's neighbor `bfd` schema, the same shape and limits, 300 ms x 3 when
 * present) or a MetalLB BFD profile (the BFDProfile CRD, or `bfd-profiles` of the legacy ConfigMap) named
 * by a peer. What a profile asks for that vipgate's BFD does not do is reported as a warning: echo mode
 * (asynchronous mode only), passive mode (the agent always sends, RFC 5880 6.1 active role) and a minimum
 * TTL (single hop accepts TTL 255 only, RFC 5881 5, stricter than any minimum).
 */
import { z } from 'zod';
import type { bfdSettings } from '../../config/schema.js';
import { SESSION_DEFAULTS } from '../../config/resolve.js';
import type { PeerBfdConfig } from './model.js';

/** `peers[].bfd` → the session's BFD, or undefined when absent or `enabled: false`. */
export function peerBfd(s: z.output<typeof bfdSettings> | undefined): PeerBfdConfig | undefined {
  if (!s || s.enabled === false) return undefined;
  const d = SESSION_DEFAULTS.bfd;
  return { minRx: s.minRx ?? d.minRx, minTx: s.minTx ?? d.minTx, multiplier: s.multiplier ?? d.multiplier, ...(s.auth ? { auth: s.auth } : {}) };
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

/** A MetalLB BFD profile → the session's BFD; what cannot apply goes to `warnings`, prefixed with `origin`. */
export function fromBfdProfile(p: BfdProfile, origin: string, warnings: string[]): PeerBfdConfig {
  if (p.echoMode) warnings.push(`${origin}: echo mode is not supported, BFD runs in asynchronous mode only`);
  else if (p.echoInterval !== undefined) warnings.push(`${origin}: echoInterval is ignored (no echo mode)`);
  if (p.passiveMode) warnings.push(`${origin}: passive mode is not supported, the agent sends BFD packets from the start`);
  if (p.minimumTtl !== undefined) warnings.push(`${origin}: minimumTtl is ignored, single-hop BFD accepts TTL 255 only (RFC 5881 5)`);
  return peerBfd({ minRx: p.receiveInterval, minTx: p.transmitInterval, multiplier: p.detectMultiplier })!;
}
