/**
 * Zod schemas for the value types of the configuration: AS numbers (RFC 6793), IPv4/IPv6 addresses and
 * prefixes (host bits zero), BGP communities as text ("65000:100", well-known names, RFC 1997 / RFC 8326
 * / RFC 7999), large communities ("64512:1:2", RFC 8092) and prefix-list entries
 * ("[permit|deny] 10.0.0.0/8 [ge 24] [le 32]"). Each parses text into the value the router uses and
 * reports a readable reason when it cannot.
 */
import { z } from 'zod';
import { familyOf, formatPrefix, parseAddress, parsePrefix } from '../lib/address.js';
import type { PrefixListEntrySpec } from '../lib/policy-spec.js';
import { AS_TRANS, type LargeCommunity } from '../wire/bgp/types.js';
import { COMMUNITY_NAMES } from './community-text.js';

const U32 = 0xffffffff;

export const asNumber = z.number({ error: 'must be an AS number 1..4294967295' }).int().min(1).max(U32)
  .refine((n) => n !== AS_TRANS, { error: 'AS 23456 is AS_TRANS (RFC 6793) and cannot be used' });

export const ipAddress = z.string().transform((text, ctx) => {
  try {
    parseAddress(text);
    return text;
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `not an IP address: ${(e as Error).message}` });
    return z.NEVER;
  }
});

export const ipv4Address = ipAddress.refine((a) => familyOf(a) === 4, { error: 'must be an IPv4 address' });

/** A prefix with host bits zero, returned in canonical text form. */
export const prefixText = z.string().transform((text, ctx) => {
  try {
    return formatPrefix(parsePrefix(text));
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `not a valid prefix: ${(e as Error).message}` });
    return z.NEVER;
  }
});

/** "65000:100" or a well-known name → the 32-bit community value. */
export const community = z.string().transform((text, ctx) => {
  const named = COMMUNITY_NAMES[text];
  if (named !== undefined) return named;
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(text);
  const hi = Number(m?.[1]);
  const lo = Number(m?.[2]);
  if (!m || hi > 0xffff || lo > 0xffff) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a community: use AS:VALUE (each 0..65535) or one of ${Object.keys(COMMUNITY_NAMES).join(', ')}` });
    return z.NEVER;
  }
  return ((hi << 16) | lo) >>> 0;
});

/** "64512:1:2" → [64512, 1, 2]. */
export const largeCommunity = z.string().transform((text, ctx): LargeCommunity => {
  const m = /^(\d{1,10}):(\d{1,10}):(\d{1,10})$/.exec(text);
  const parts = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [];
  if (parts.length !== 3 || parts.some((n) => n > U32)) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a large community: use GLOBAL:LOCAL1:LOCAL2 (each 0..4294967295)` });
    return z.NEVER;
  }
  return [parts[0]!, parts[1]!, parts[2]!];
});


/** Why a ge/le range is invalid for a prefix of `len` bits, or undefined (len <= ge <= le <= max). */
function rangeProblem(len: number, max: number, ge: number | undefined, le: number | undefined): string | undefined {
  for (const [name, v] of [['ge', ge], ['le', le]] as const) {
    if (v !== undefined && (v < len || v > max)) return `${name} ${v} must be between the prefix length ${len} and ${max}`;
  }
  if (ge !== undefined && le !== undefined && ge > le) return `ge ${ge} is greater than le ${le}`;
  return undefined;
}

const ENTRY_TEXT = /^(?:(permit|deny)\s+)?(\S+)(?:\s+ge\s+(\d{1,3}))?(?:\s+le\s+(\d{1,3}))?$/;

const entryObject = z.strictObject({
  action: z.enum(['permit', 'deny']).default('permit'),
  prefix: z.string(),
  ge: z.number().int().optional(),
  le: z.number().int().optional(),
});

/** "172.20.1.0/24 le 32", "deny 0.0.0.0/0", or { prefix, ge, le, action }. */
export const prefixListEntry = z.union([z.string(), entryObject], { error: 'must be "[permit|deny] PREFIX [ge N] [le N]" or { prefix, ge, le, action }' })
  .transform((input, ctx): PrefixListEntrySpec => {
    let raw: { action: 'permit' | 'deny'; prefix: string; ge?: number | undefined; le?: number | undefined };
    if (typeof input === 'string') {
      const m = ENTRY_TEXT.exec(input.trim());
      if (!m) {
        ctx.addIssue({ code: 'custom', message: `"${input}" is not a prefix-list entry: use "[permit|deny] PREFIX [ge N] [le N]"` });
        return z.NEVER;
      }
      raw = { action: m[1] === 'deny' ? 'deny' : 'permit', prefix: m[2]!, ge: m[3] === undefined ? undefined : Number(m[3]), le: m[4] === undefined ? undefined : Number(m[4]) };
    } else raw = input;
    let prefix: string;
    let len: number;
    let max: number;
    try {
      const p = parsePrefix(raw.prefix);
      prefix = formatPrefix(p);
      len = p.len;
      max = p.family === 4 ? 32 : 128;
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `not a valid prefix: ${(e as Error).message}` });
      return z.NEVER;
    }
    const problem = rangeProblem(len, max, raw.ge, raw.le);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: `${prefix}: ${problem}` });
      return z.NEVER;
    }
    return { action: raw.action, prefix, ...(raw.ge === undefined ? {} : { ge: raw.ge }), ...(raw.le === undefined ? {} : { le: raw.le }) };
  });
