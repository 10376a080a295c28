/**
 * Value schemas the three agent config formats share: address ranges ("172.20.1.0/24",
 * "10.0.0.10-10.0.0.20", IPv4 or IPv6), Kubernetes label selectors (camelCase and MetalLB's legacy
 * kebab-case), durations ("90s", "1m30s") and hold times (RFC 4271 4.2: 0 or at least 3 seconds).
 */
import { z } from 'zod';
import { familyOf, parseAddress, parsePrefix } from '../../lib/address.js';
import type { AddressRange, LabelSelector } from './model.js';

export function bytesToBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

export function bigIntToBytes(v: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) { out[i] = Number(v & 0xffn); v >>= 8n; }
  return out;
}

/** "a.b.c.d/len", "x::/len" or "first-last" (same family, first <= last). Throws with the reason. */
export function parseRange(text: string): AddressRange {
  const t = text.trim();
  const dash = t.indexOf('-');
  if (dash < 0) {
    const p = parsePrefix(t);
    const bits = BigInt(p.addr.length * 8 - p.len);
    const first = bytesToBigInt(p.addr);
    return { family: p.family, first, last: first + (1n << bits) - 1n, cidrLength: p.len, text: t };
  }
  const a = t.slice(0, dash).trim();
  const b = t.slice(dash + 1).trim();
  if (familyOf(a) !== familyOf(b)) throw new Error(`"${t}": both ends of a range must be of one family`);
  const first = bytesToBigInt(parseAddress(a));
  const last = bytesToBigInt(parseAddress(b));
  if (first > last) throw new Error(`"${t}": the first address is after the last`);
  return { family: familyOf(a), first, last, text: t };
}

export const addressRange = z.string().transform((text, ctx): AddressRange => {
  try {
    return parseRange(text);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `not a CIDR or an address range: ${(e as Error).message}` });
    return z.NEVER;
  }
});

const operator = z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']);
const requirement = z.object({ key: z.string().min(1), operator, values: z.array(z.string()).default([]) })
  .refine((r) => (r.operator === 'In' || r.operator === 'NotIn') === r.values.length > 0,
    { error: 'In and NotIn need values; Exists and DoesNotExist take none' });

export const labelSelector = z.object({
  matchLabels: z.record(z.string(), z.string()).default({}),
  matchExpressions: z.array(requirement).default([]),
}).transform((s): LabelSelector => s);

/** MetalLB legacy ConfigMap spelling: match-labels / match-expressions. */
export const legacySelector = z.object({
  'match-labels': z.record(z.string(), z.string()).default({}),
  'match-expressions': z.array(requirement).default([]),
}).transform((s): LabelSelector => ({ matchLabels: s['match-labels'], matchExpressions: s['match-expressions'] }));

/** RFC 4271 4.2: the hold time is 0 or at least 3 seconds. */
export const holdSeconds = z.number().int().min(0).max(65535).refine((h) => h === 0 || h >= 3, { error: 'must be 0 or at least 3 seconds (RFC 4271 4.2)' });

/** Go duration text as MetalLB writes it ("90s", "1m30s", "1h") → whole seconds. */
export const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(v);
  if (!m || v === '') {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration like 90s or 1m30s` });
    return z.NEVER;
  }
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
});

export function selectorMatches(s: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(s.matchLabels)) if (labels[k] !== v) return false;
  for (const r of s.matchExpressions) {
    const has = Object.hasOwn(labels, r.key);
    const value = labels[r.key];
    switch (r.operator) {
      case 'In': if (!has || !r.values.includes(value!)) return false; break;
      case 'NotIn': if (has && r.values.includes(value!)) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
    }
  }
  return true;
}

/** An empty list of selectors means "every node"; otherwise any one of them must match. */
export function anySelectorMatches(list: readonly LabelSelector[], labels: Readonly<Record<string, string>>): boolean {
  return list.length === 0 || list.some((s) => selectorMatches(s, labels));
}
