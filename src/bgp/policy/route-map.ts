/**
 * Route maps: an ordered list of rules, each "match ... then permit (with sets) or deny". The first rule
 * whose matches all hold decides; a route no rule matches is rejected (implicit deny), as in FRR.
 * Matches: prefix list (must permit), standard communities (RFC 1997) and large communities (RFC 8092),
 * any of the listed; AS_PATH length range. Sets: LOCAL_PREF, MED, communities and large communities
 * added/removed, next-hop self (carried as a flag for the exporter), prepending our AS (RFC 4271 5.1.2).
 * Every rejection carries a reason that names the policy and the rule.
 */
import type { Prefix } from '../../lib/address.js';
import { formatPrefix } from '../../lib/address.js';
import type { LargeCommunity, PathAttributes } from '../../wire/bgp/types.js';
import { prependAs } from '../export.js';
import { asPathLength } from '../rib/path.js';
import type { PolicySpec, RuleSpec, SetSpec } from '../../lib/policy-spec.js';
import { PrefixList } from './prefix-list.js';

export interface PolicyRoute {
  readonly prefix: Prefix;
  readonly attributes: PathAttributes;
}

export interface PolicyContext {
  /** Our AS on this session (for prepend). */
  readonly localAs: number;
}

export type PolicyResult<R extends PolicyRoute> =
  | { readonly accepted: true; readonly route: R; readonly nextHopSelf: boolean; readonly rule: number }
  | { readonly accepted: false; readonly reason: string };

interface CompiledRule {
  readonly spec: RuleSpec;
  readonly prefixList: PrefixList | undefined;
}

const sameLarge = (a: LargeCommunity, b: LargeCommunity) => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];

export class Policy {
  private readonly rules: readonly CompiledRule[];

  constructor(readonly spec: PolicySpec, private readonly fixedReason?: string) {
    this.rules = spec.rules.map((r) => ({ spec: r, prefixList: r.match?.prefixList && new PrefixList(r.match.prefixList) }));
  }

  /** A policy that rejects everything with `reason` (RFC 8212 default for eBGP without policy). */
  static rejectAll(name: string, reason: string): Policy { return new Policy({ name, rules: [] }, reason); }

  /** A policy that accepts everything unchanged. */
  static acceptAll(name: string): Policy { return new Policy({ name, rules: [{ action: 'permit' }] }); }

  get name(): string { return this.spec.name; }

  /** Why `rule` does not match the route, or undefined when it does. */
  private mismatch(rule: CompiledRule, route: PolicyRoute): string | undefined {
    const m = rule.spec.match;
    if (!m) return undefined;
    const a = route.attributes;
    if (rule.prefixList) {
      const r = rule.prefixList.match(route.prefix);
      if (r.action === 'deny') {
        const why = r.entry === undefined ? 'no entry matched' : `entry ${r.entry + 1} denies it`;
        return `prefix-list ${rule.prefixList.name} refuses ${formatPrefix(route.prefix)} (${why})`;
      }
    }
    if (m.communities && !m.communities.some((c) => a.communities?.includes(c))) return 'none of the communities to match';
    if (m.largeCommunities && !m.largeCommunities.some((c) => a.largeCommunities?.some((x) => sameLarge(x, c)))) {
      return 'none of the large communities to match';
    }
    if (m.asPathLength) {
      const n = asPathLength(a.asPath);
      if (n < (m.asPathLength.min ?? 0) || n > (m.asPathLength.max ?? Infinity)) return `AS_PATH length ${n} out of range`;
    }
    return undefined;
  }

  private transform(a: PathAttributes, s: SetSpec, ctx: PolicyContext): PathAttributes {
    let out: PathAttributes = a;
    if (s.localPref !== undefined) out = { ...out, localPref: s.localPref };
    if (s.med !== undefined) out = { ...out, med: s.med };
    if (s.communities) {
      const remove = s.communities.remove ?? [];
      const kept = (out.communities ?? []).filter((c) => !remove.includes(c));
      for (const c of s.communities.add ?? []) if (!kept.includes(c)) kept.push(c);
      out = { ...out, communities: kept };
    }
    if (s.largeCommunities) {
      const remove = s.largeCommunities.remove ?? [];
      const kept = (out.largeCommunities ?? []).filter((c) => !remove.some((r) => sameLarge(r, c)));
      for (const c of s.largeCommunities.add ?? []) if (!kept.some((k) => sameLarge(k, c))) kept.push(c);
      out = { ...out, largeCommunities: kept };
    }
    if (s.prepend) out = { ...out, asPath: prependAs(out.asPath, ctx.localAs, s.prepend) };
    return out;
  }

  /** Run the route through the rules: the first matching rule decides; none matching rejects. */
  apply<R extends PolicyRoute>(route: R, ctx: PolicyContext): PolicyResult<R> {
    if (this.fixedReason !== undefined) return { accepted: false, reason: this.fixedReason };
    const misses: string[] = [];
    for (let i = 0; i < this.rules.length; i++) {
      const rule = this.rules[i]!;
      const miss = this.mismatch(rule, route);
      if (miss !== undefined) {
        misses.push(`rule ${i + 1}: ${miss}`);
        continue;
      }
      if (rule.spec.action === 'deny') return { accepted: false, reason: `policy ${this.name}: rule ${i + 1} denies ${formatPrefix(route.prefix)}` };
      const s = rule.spec.set;
      const attributes = s ? this.transform(route.attributes, s, ctx) : route.attributes;
      return { accepted: true, route: attributes === route.attributes ? route : { ...route, attributes }, nextHopSelf: s?.nextHopSelf ?? false, rule: i };
    }
    return { accepted: false, reason: `policy ${this.name}: no rule matched ${formatPrefix(route.prefix)} (implicit deny; ${misses.join('; ') || 'no rules'})` };
  }
}

/** applyPolicy(policy, route) → the accepted (possibly changed) route, or the reason it was rejected. */
export function applyPolicy<R extends PolicyRoute>(policy: Policy, route: R, ctx: PolicyContext): PolicyResult<R> {
  return policy.apply(route, ctx);
}
