/**
 * Prefix lists, with FRR/Cisco semantics: entries "PREFIX [ge N] [le N]" tried in order, the first entry
 * that matches decides permit or deny, and a prefix no entry matches is denied (implicit deny).
 * An entry matches a route whose prefix lies inside PREFIX and whose length is in the entry's range:
 * without ge/le exactly the entry's length; "le N" from the entry's length to N; "ge N" from N to the
 * family maximum; "ge A le B" from A to B. A valid range has len <= ge <= le <= 32 (128 for IPv6).
 */
import { parsePrefix, type Prefix } from '../../lib/address.js';
import type { PolicyAction, PrefixListEntrySpec, PrefixListSpec } from '../../lib/policy-spec.js';

export class PolicyError extends Error {
  override readonly name = 'PolicyError';
}

interface CompiledEntry {
  readonly spec: PrefixListEntrySpec;
  readonly prefix: Prefix;
  readonly min: number;
  readonly max: number;
}

export interface PrefixListMatch {
  readonly action: PolicyAction;
  /** Index of the deciding entry; undefined for the implicit deny. */
  readonly entry: number | undefined;
}

/** The length range an entry accepts, or a reason it is invalid. */
export function prefixRange(len: number, family: 4 | 6, ge?: number, le?: number): { min: number; max: number } | string {
  const maxLen = family === 4 ? 32 : 128;
  const min = ge ?? len;
  const max = le ?? (ge === undefined ? len : maxLen);
  if (ge !== undefined && (!Number.isInteger(ge) || ge < len || ge > maxLen)) return `ge ${ge} must be between the prefix length ${len} and ${maxLen}`;
  if (le !== undefined && (!Number.isInteger(le) || le < len || le > maxLen)) return `le ${le} must be between the prefix length ${len} and ${maxLen}`;
  if (min > max) return `ge ${min} is greater than le ${max}`;
  return { min, max };
}

/** Are the first `len` bits of `a` and `b` equal? (Both of one family.) */
function leadingBitsEqual(a: Uint8Array, b: Uint8Array, len: number): boolean {
  const whole = len >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = len & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[whole]! & mask) === (b[whole]! & mask);
}

export class PrefixList {
  private readonly compiled: readonly CompiledEntry[];

  constructor(readonly spec: PrefixListSpec) {
    this.compiled = spec.entries.map((e, i) => {
      let prefix: Prefix;
      try {
        prefix = parsePrefix(e.prefix);
      } catch (err) {
        throw new PolicyError(`prefix-list ${spec.name} entry ${i + 1}: ${(err as Error).message}`);
      }
      const r = prefixRange(prefix.len, prefix.family, e.ge, e.le);
      if (typeof r === 'string') throw new PolicyError(`prefix-list ${spec.name} entry ${i + 1}: ${r}`);
      return { spec: e, prefix, ...r };
    });
  }

  get name(): string { return this.spec.name; }

  /** First matching entry decides; no match is the implicit deny. */
  match(p: Prefix): PrefixListMatch {
    for (let i = 0; i < this.compiled.length; i++) {
      const e = this.compiled[i]!;
      if (e.prefix.family !== p.family || p.len < e.min || p.len > e.max) continue;
      if (leadingBitsEqual(e.prefix.addr, p.addr, e.prefix.len)) return { action: e.spec.action, entry: i };
    }
    return { action: 'deny', entry: undefined };
  }
}

/** "permit 10.0.0.0/8 ge 24 le 32" as text, the way FRR prints an entry. */
export function formatPrefixListEntry(e: PrefixListEntrySpec): string {
  return `${e.action} ${e.prefix}${e.ge === undefined ? '' : ` ge ${e.ge}`}${e.le === undefined ? '' : ` le ${e.le}`}`;
}
