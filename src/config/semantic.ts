/**
 * Checks across fields that a schema cannot express: duplicate neighbors, references to groups,
 * policies and prefix lists that are not defined, a remote AS on every neighbor (its own or its
 * group's), keepalive below the hold time, GTSM with multihop, and update-source of the right family.
 * They read the raw document defensively, so they run even when the schema found problems, and the
 * operator gets every error in one pass.
 */
import { familyOf, formatAddress, parseAddress } from '../lib/address.js';
import type { ConfigIssue } from './error.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Policy names the configuration may use without defining them. */
export const BUILTIN_POLICIES = ['all', 'none'] as const;

function canonicalAddress(text: string): string | undefined {
  try {
    return formatAddress(parseAddress(text));
  } catch {
    return undefined; // the schema reports it
  }
}

function checkPolicyRefs(policy: unknown, path: string, policies: Obj, prefixLists: Obj, out: ConfigIssue[]): void {
  const name = str(policy);
  if (name !== undefined) {
    if (!Object.hasOwn(policies, name) && !(BUILTIN_POLICIES as readonly string[]).includes(name)) {
      out.push({ path, message: `policy "${name}" is not defined in policies (nor is it "all" or "none")` });
    }
    return;
  }
  if (!isObj(policy)) return;
  const shorthand = Object.keys(policy).filter((k) => k !== 'rules');
  if (policy.rules !== undefined && shorthand.length > 0) {
    out.push({ path, message: `use either rules or the one-rule shorthand (${shorthand.join(', ')}), not both` });
  }
  const lists: [unknown, string][] = [[policy.prefixList, `${path}.prefixList`]];
  arr(policy.rules).forEach((r, i) => {
    const m = obj(obj(r).match);
    lists.push([m.prefixList, `${path}.rules[${i}].match.prefixList`]);
    if (m.prefixList !== undefined && m.prefixes !== undefined) out.push({ path: `${path}.rules[${i}].match`, message: 'use either prefixes or prefixList, not both' });
  });
  if (policy.prefixList !== undefined && policy.prefixes !== undefined) out.push({ path, message: 'use either prefixes or prefixList, not both' });
  for (const [ref, p] of lists) {
    const n = str(ref);
    if (n !== undefined && !Object.hasOwn(prefixLists, n)) out.push({ path: p, message: `prefix list "${n}" is not defined in prefixLists` });
  }
}

function checkSession(s: Obj, group: Obj, path: string, out: ConfigIssue[]): void {
  const eff = (k: string): unknown => s[k] ?? group[k];
  const hold = num(eff('holdTime')) ?? 90;
  const keepalive = num(eff('keepalive'));
  if (keepalive !== undefined && hold > 0 && keepalive >= hold) {
    out.push({ path: `${path}.keepalive`, message: `must be less than holdTime (${hold})` });
  }
  if (eff('ttlSecurity') !== undefined && num(eff('ebgpMultihop')) !== undefined) {
    out.push({ path: `${path}.ttlSecurity`, message: 'ttlSecurity (GTSM, RFC 5082) and ebgpMultihop exclude each other' });
  }
}

export function semanticIssues(raw: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const root = obj(raw);
  const groups = obj(root.groups);
  const policies = obj(root.policies);
  const prefixLists = obj(root.prefixLists);

  for (const [name, p] of Object.entries(policies)) checkPolicyRefs(p, `policies.${name}`, policies, prefixLists, out);
  for (const [name, g] of Object.entries(groups)) {
    const go = obj(g);
    for (const dir of ['import', 'export']) checkPolicyRefs(go[dir], `groups.${name}.${dir}`, policies, prefixLists, out);
    checkSession(go, {}, `groups.${name}`, out);
  }

  const seen = new Map<string, number>();
  arr(root.neighbors).forEach((n, i) => {
    const no = obj(n);
    const path = `neighbors[${i}]`;
    const address = str(no.address);
    const range = str(no.range);
    if ((address === undefined) === (range === undefined)) {
      out.push({ path, message: 'give exactly one of address (a neighbor) or range (dynamic neighbors)' });
    }
    const id = address !== undefined ? canonicalAddress(address) : range;
    if (id !== undefined) {
      const first = seen.get(id);
      if (first !== undefined) out.push({ path: `${path}.${address !== undefined ? 'address' : 'range'}`, message: `duplicate of neighbors[${first}] (${id})` });
      else seen.set(id, i);
    }
    const groupName = str(no.group);
    let group: Obj = {};
    // own keys only: `in` would take "constructor" or "toString" from Object.prototype as defined names
    const missingGroup = groupName !== undefined && !Object.hasOwn(groups, groupName);
    if (missingGroup) out.push({ path: `${path}.group`, message: `group "${groupName}" is not defined in groups` });
    else if (groupName !== undefined) group = obj(groups[groupName]);
    if (!missingGroup && no.remoteAs === undefined && group.remoteAs === undefined) {
      out.push({ path: `${path}.remoteAs`, message: groupName === undefined ? 'required' : `required here or in group "${groupName}"` });
    }
    for (const dir of ['import', 'export']) checkPolicyRefs(no[dir], `${path}.${dir}`, policies, prefixLists, out);
    checkSession(no, group, path, out);
    const src = str(no.updateSource ?? group.updateSource);
    const peerText = address ?? range?.split('/')[0];
    if (src !== undefined && peerText !== undefined && familyOf(src) !== familyOf(peerText)) {
      out.push({ path: `${path}.updateSource`, message: `${src} is not of the neighbor's address family` });
    }
    if (range !== undefined && no.passive === false) out.push({ path: `${path}.passive`, message: 'dynamic neighbors (range) are always passive' });
  });
  return out;
}
