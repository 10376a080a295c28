/**
 * Value schemas the three agent config formats share: address ranges ("172.20.1.0/24",
 * "10.0.0.10-10.0.0.20", IPv4 or IPv6), Kubernetes label selectors (camelCase and MetalLB's legacy
 * kebab-case), durations ("90s", "1m30s") and hold times (RFC 4271 4.2: 0 or at least 3 seconds).
 */
import { z } from 'zod';
import { familyOf, formatAddress, maskBytes, parseAddress, parsePrefix } from '../../lib/address.js';
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
    // host bits may be set, as Go's net.ParseCIDR allows ("198.51.100.10/24" is 198.51.100.0/24 in MetalLB)
    const slash = t.indexOf('/');
    const addr = parseAddress(slash < 0 ? t : t.slice(0, slash));
    const p = parsePrefix(`${formatAddress(maskBytes(addr, Number(slash < 0 ? addr.length * 8 : t.slice(slash + 1)) || 0))}${slash < 0 ? '' : t.slice(slash)}`);
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
const requirement = z.strictObject({ key: z.string().min(1), operator, values: z.array(z.string()).default([]) })
  .refine((r) => (r.operator === 'In' || r.operator === 'NotIn') === r.values.length > 0,
    { error: 'In and NotIn need values; Exists and DoesNotExist take none' });

export const labelSelector = z.strictObject({
  matchLabels: z.record(z.string(), z.string()).default({}),
  matchExpressions: z.array(requirement).default([]),
}).transform((s): LabelSelector => s);

/** MetalLB legacy ConfigMap spelling: match-labels / match-expressions. */
export const legacySelector = z.strictObject({
  'match-labels': z.record(z.string(), z.string()).default({}),
  'match-expressions': z.array(requirement).default([]),
}).transform((s): LabelSelector => ({ matchLabels: s['match-labels'], matchExpressions: s['match-expressions'] }));

/** RFC 4271 4.2: the hold time is 0 or at least 3 seconds. */
export const holdSeconds = z.number().int().min(0).max(65535).refine((h) => h === 0 || h >= 3, { error: 'must be 0 or at least 3 seconds (RFC 4271 4.2)' });

const GO_UNITS: Readonly<Record<string, number>> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** Go's time.ParseDuration text ("90s", "1m30s", "9m0s", "1.5h", "500ms") → seconds, or undefined. */
export function goDurationSeconds(text: string): number | undefined {
  const t = text.trim();
  if (t === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let at = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) { total += Number(m[1]) * GO_UNITS[m[2]!]!; at = re.lastIndex; }
  return at === t.length && at > 0 ? total : undefined;
}

/**
 * A duration as MetalLB's CRDs (metav1.Duration, Go's duration text: "90s", "1m30s", "9m0s", "500ms") or a
 * number of seconds → whole seconds, rounded down as MetalLB does for BGP timers.
 */
export const duration = z.union([z.number().min(0), z.string()], { error: 'must be a duration like 90s or 1m30s' }).transform((v, ctx) => {
  const seconds = typeof v === 'number' ? v : goDurationSeconds(v);
  if (seconds === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${String(v)}" is not a duration like 90s or 1m30s` });
    return z.NEVER;
  }
  return Math.floor(seconds);
});

/** The same selector twice in one list (MetalLB refuses it: "duplicate definition of ..."). */
export function duplicateSelector(list: readonly LabelSelector[]): number | undefined {
  const key = (s: LabelSelector): string => JSON.stringify([Object.entries(s.matchLabels).sort(), s.matchExpressions.map((e) => [e.key, e.operator, [...e.values].sort()])]);
  const seen = new Set<string>();
  for (let i = 0; i < list.length; i++) { const k = key(list[i]!); if (seen.has(k)) return i; seen.add(k); }
  return undefined;
}

/** The index of the first repeated entry of a list of names, or undefined. */
export function duplicateName(list: readonly string[]): number | undefined {
  const i = list.findIndex((x, j) => list.indexOf(x) !== j);
  return i < 0 ? undefined : i;
}

/**
 * The shortest prefix length among the CIDRs that make up a range (MetalLB summarizes a first-last range
 * into CIDRs, and an aggregation length may not be shorter than the widest of them).
 */
export function widestCidr(r: AddressRange): number {
  if (r.cidrLength !== undefined) return r.cidrLength;
  const bits = r.family === 4 ? 32 : 128;
  let widest = bits;
  for (let v = r.first; v <= r.last;) {
    let size = 0;
    while (size < bits && (v & ((1n << BigInt(size + 1)) - 1n)) === 0n && v + (1n << BigInt(size + 1)) - 1n <= r.last) size++;
    widest = Math.min(widest, bits - size);
    v += 1n << BigInt(size);
  }
  return widest;
}

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
