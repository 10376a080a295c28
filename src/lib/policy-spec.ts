/**
 * The route-policy model, as data: prefix lists and route maps (rules of matches and sets). The
 * configuration resolves YAML into it (src/config/resolve.ts) and the speaker compiles and runs it
 * (src/bgp/policy), so both sides share this one definition. Communities are RFC 1997 values, large
 * communities RFC 8092 triples.
 */
export type PolicyAction = 'permit' | 'deny';

export interface PrefixListEntrySpec {
  readonly action: PolicyAction;
  /** "172.20.1.0/24"; host bits must be zero. */
  readonly prefix: string;
  readonly ge?: number;
  readonly le?: number;
}

export interface PrefixListSpec {
  readonly name: string;
  readonly entries: readonly PrefixListEntrySpec[];
}

/** An RFC 8092 large community: global administrator, local data 1, local data 2. */
type LargeCommunityValue = readonly [number, number, number];

export interface MatchSpec {
  readonly prefixList?: PrefixListSpec;
  /** Matches when the route carries any of these. */
  readonly communities?: readonly number[];
  readonly largeCommunities?: readonly LargeCommunityValue[];
  readonly asPathLength?: { readonly min?: number; readonly max?: number };
}

export interface SetSpec {
  readonly localPref?: number;
  readonly med?: number;
  readonly communities?: { readonly add?: readonly number[]; readonly remove?: readonly number[] };
  readonly largeCommunities?: { readonly add?: readonly LargeCommunityValue[]; readonly remove?: readonly LargeCommunityValue[] };
  readonly nextHopSelf?: boolean;
  /** Prepend our AS this many times. */
  readonly prepend?: number;
}

export interface RuleSpec {
  readonly action: PolicyAction;
  readonly match?: MatchSpec;
  readonly set?: SetSpec;
}

export interface PolicySpec {
  readonly name: string;
  readonly rules: readonly RuleSpec[];
}
