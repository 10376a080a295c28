/**
 * From the parsed document to the model the router uses: every neighbor with its group's settings
 * merged under its own and every default filled in, policies referenced by name inlined (so each
 * neighbor carries the policy it runs), shorthand policies turned into rules. Pure; the schema and the
 * semantic checks have already refused anything this could trip on.
 */
import { familyOf } from '../lib/address.js';
import type { LargeCommunity } from '../wire/bgp/types.js';
import type { RawPolicy, RawRouterConfig, RawSessionSettings } from './schema.js';
import type { PolicySpec, PrefixListEntrySpec } from '../lib/policy-spec.js';
import type { ConfigIssue } from './error.js';
import { featureOn, inertSettings } from './features.js';

export type AddPathMode = 'off' | 'receive' | 'send' | 'both';

/** A session's settings with every default filled in. */
export interface SessionConfig {
  readonly remoteAs: number | 'external' | 'internal' | undefined;
  readonly localAs: number;
  readonly description: string | undefined;
  readonly port: number;
  readonly passive: boolean;
  readonly holdTime: number;
  readonly keepalive: number;
  readonly connectRetry: number;
  /** Maximum TTL distance; 1 for directly connected eBGP, 255 for iBGP unless set. */
  readonly ebgpMultihop: number;
  readonly ttlSecurity: number | undefined;
  readonly password: string | undefined;
  readonly updateSource: string | undefined;
  readonly nextHopSelf: boolean;
  readonly addPath: AddPathMode;
  readonly gracefulRestart: { readonly enabled: boolean; readonly restartTime: number; readonly staleRoutesTime: number };
  readonly bfd: {
    readonly enabled: boolean; readonly minRx: number; readonly minTx: number; readonly multiplier: number;
    readonly auth?: { readonly type: 'keyed-sha1' | 'meticulous-keyed-sha1'; readonly keyId: number; readonly password: string };
  };
  readonly probe: { readonly enabled: boolean; readonly intervalMs: number; readonly misses: number; readonly recovers: number };
  /** Undefined: none configured (RFC 8212 applies to eBGP). */
  readonly import: PolicySpec | undefined;
  readonly export: PolicySpec | undefined;
  readonly maxPrefix: { readonly limit: number; readonly restartAfter: number; readonly warningOnly: boolean } | undefined;
  readonly families: readonly ('ipv4' | 'ipv6')[];
  readonly shutdown: boolean;
  /** Routes from this neighbor treated as GRACEFUL_SHUTDOWN (RFC 8326): traffic leaves it, the session stays. */
  readonly drain: boolean;
}

export interface NeighborConfig extends SessionConfig {
  /** The address, or the range of a dynamic neighbor: unique per configuration. */
  readonly id: string;
  readonly address: string | undefined;
  readonly range: string | undefined;
  readonly group: string | undefined;
  readonly remoteAs: number | 'external' | 'internal';
  /** iBGP session (remote AS is ours). */
  readonly ibgp: boolean;
}

/** A route the router originates, with the attributes it carries. */
export interface NetworkConfig {
  readonly prefix: string;
  readonly communities: readonly number[];
  readonly largeCommunities: readonly LargeCommunity[];
  readonly med: number | undefined;
  readonly linkBandwidth: { readonly mbps: number; readonly transitive: boolean } | undefined;
}

export interface RouterConfig extends Omit<RawRouterConfig, 'neighbors' | 'groups' | 'policies' | 'aggregates' | 'networks'> {
  readonly networks: readonly NetworkConfig[];
  readonly neighbors: readonly NeighborConfig[];
  /** Each group's own settings, defaults filled in (what a neighbor in it gets unless it overrides). */
  readonly groups: Readonly<Record<string, SessionConfig>>;
  readonly policies: Readonly<Record<string, PolicySpec>>;
  readonly aggregates: readonly { readonly prefix: string; readonly summaryOnly: boolean; readonly asSet: boolean }[];
  /** Settings written that do nothing because their feature is off (features.ts), for warnings. */
  readonly inert: readonly ConfigIssue[];
}

export const SESSION_DEFAULTS = {
  port: 179, passive: false, holdTime: 90, connectRetry: 120, nextHopSelf: false, addPath: 'off',
  gracefulRestart: { enabled: false, restartTime: 120, staleRoutesTime: 360 },
  bfd: { enabled: false, minRx: 300, minTx: 300, multiplier: 3 },
  probe: { enabled: false, intervalMs: 1000, misses: 3, recovers: 3 },
  shutdown: false, drain: false,
} as const;

/** Drop undefined values so spreading does not override with them. */
function defined<T extends object>(o: T | undefined): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o ?? {})) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

function policyFromBody(name: string, body: RawPolicy, prefixLists: RawRouterConfig['prefixLists']): PolicySpec {
  const listFor = (inline: readonly PrefixListEntrySpec[] | undefined, ref: string | undefined) =>
    inline ? { name, entries: inline } : ref !== undefined ? { name: ref, entries: prefixLists[ref] ?? [] } : undefined;
  if (body.rules) {
    return {
      name,
      rules: body.rules.map((r) => {
        const m = r.match;
        const prefixList = listFor(m?.prefixes, m?.prefixList);
        const match = m && defined({ prefixList, communities: m.communities, largeCommunities: m.largeCommunities, asPathLength: m.asPathLength });
        return { action: r.action, ...(match && Object.keys(match).length ? { match } : {}), ...(r.set ? { set: r.set } : {}) };
      }),
    };
  }
  const match = defined({
    prefixList: listFor(body.prefixes, body.prefixList),
    communities: body.communities?.match, largeCommunities: body.largeCommunities?.match, asPathLength: body.asPathLength,
  });
  const communities = defined({ add: body.communities?.add, remove: body.communities?.remove });
  const largeCommunities = defined({ add: body.largeCommunities?.add, remove: body.largeCommunities?.remove });
  const set = defined({
    localPref: body.localPref, med: body.med, nextHopSelf: body.nextHopSelf, prepend: body.prepend,
    communities: Object.keys(communities).length ? communities : undefined,
    largeCommunities: Object.keys(largeCommunities).length ? largeCommunities : undefined,
  });
  return { name, rules: [{ action: 'permit', ...(Object.keys(match).length ? { match } : {}), ...(Object.keys(set).length ? { set } : {}) }] };
}

type PolicySource = Pick<RawRouterConfig, 'asn' | 'policies' | 'prefixLists'>;

function resolvePolicy(ref: NonNullable<RawSessionSettings['import']>, ownerName: string, cfg: PolicySource): PolicySpec {
  if (typeof ref === 'string') {
    if (ref === 'all') return { name: 'all', rules: [{ action: 'permit' }] };
    if (ref === 'none') return { name: 'none', rules: [] };
    return policyFromBody(ref, cfg.policies[ref]!, cfg.prefixLists);
  }
  return policyFromBody(ownerName, ref, cfg.prefixLists);
}

/** The session features a block turns on (features.ts), with their names in messages. */
const FEATURES = { bfd: 'BFD', probe: 'probing', gracefulRestart: 'graceful restart' } as const;
type Feature = keyof typeof FEATURES;

/**
 * Settings that do nothing: a neighbor's own block when its feature ends up off; a group's block when no
 * neighbor of the group (or, without neighbors, the group itself) runs the feature.
 */
function inertSettingsOf(cfg: RawRouterConfig, neighbors: readonly NeighborConfig[]): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const k of Object.keys(FEATURES) as Feature[]) {
    for (const [name, g] of Object.entries(cfg.groups)) {
      const members = neighbors.filter((n) => n.group === name);
      const on = members.length > 0 ? members.some((n) => n[k].enabled) : featureOn([g[k]]);
      const w = inertSettings(`groups.${name}.${k}`, FEATURES[k], g[k], on, members.length > 0 ? 'in every neighbor of the group' : 'enabled: false');
      if (w) out.push(w);
    }
    cfg.neighbors.forEach((n, i) => {
      const w = inertSettings(`neighbors[${i}].${k}`, FEATURES[k], n[k], neighbors[i]![k].enabled, n[k]?.enabled === false ? 'enabled: false' : `enabled: false in group ${n.group ?? ''}`);
      if (w) out.push(w);
    });
  }
  return out;
}

/** Settings layered (group, then neighbor), each with the name its inline policies are called by. */
interface Layer { readonly label: string; readonly settings: RawSessionSettings }

function resolveSession(named: readonly Layer[], cfg: PolicySource, family: 'ipv4' | 'ipv6'): SessionConfig {
  const layers = named.map((l) => l.settings);
  const s: RawSessionSettings = Object.assign({}, ...layers.map((l) => defined(l)));
  /** Inline policies are named after the layer (group or neighbor) that defines them. */
  const policy = (dir: 'import' | 'export') => {
    const owner = named.findLast((l) => l.settings[dir] !== undefined);
    const ref = owner?.settings[dir];
    return ref === undefined ? undefined : resolvePolicy(ref, `${owner!.label}-${dir}`, cfg);
  };
  // a block turns its feature on unless it says enabled: false (FRR's `neighbor X bfd`; features.ts)
  const nested = <K extends Feature>(k: K) => ({ ...Object.assign({}, SESSION_DEFAULTS[k], ...layers.map((l) => defined(l[k]))), enabled: featureOn(layers.map((l) => l[k])) });
  const holdTime = s.holdTime ?? SESSION_DEFAULTS.holdTime;
  const ibgp = s.remoteAs === 'internal' || s.remoteAs === (s.localAs ?? cfg.asn);
  const maxPrefix = typeof s.maxPrefix === 'number' ? { limit: s.maxPrefix } : s.maxPrefix;
  return {
    remoteAs: s.remoteAs,
    localAs: s.localAs ?? cfg.asn,
    description: s.description,
    port: s.port ?? SESSION_DEFAULTS.port,
    passive: s.passive ?? SESSION_DEFAULTS.passive,
    holdTime,
    keepalive: s.keepalive ?? Math.floor(holdTime / 3),
    connectRetry: s.connectRetry ?? SESSION_DEFAULTS.connectRetry,
    ebgpMultihop: s.ebgpMultihop ?? (ibgp ? 255 : 1),
    ttlSecurity: s.ttlSecurity,
    password: s.password,
    updateSource: s.updateSource,
    nextHopSelf: s.nextHopSelf ?? SESSION_DEFAULTS.nextHopSelf,
    addPath: s.addPath ?? SESSION_DEFAULTS.addPath,
    gracefulRestart: nested('gracefulRestart'),
    bfd: nested('bfd'),
    probe: nested('probe'),
    import: policy('import'),
    export: policy('export'),
    maxPrefix: maxPrefix && { limit: maxPrefix.limit, restartAfter: maxPrefix.restartAfter ?? 0, warningOnly: maxPrefix.warningOnly ?? false },
    families: s.families ?? [family],
    shutdown: s.shutdown ?? SESSION_DEFAULTS.shutdown,
    drain: s.drain ?? SESSION_DEFAULTS.drain,
  };
}

/** What a session with this remote AS gets when nothing else is configured. */
export function defaultSession(asn: number, remoteAs: SessionConfig['remoteAs'], family: 'ipv4' | 'ipv6'): SessionConfig {
  return resolveSession([{ label: '', settings: remoteAs === undefined ? {} : { remoteAs } }], { asn, policies: {}, prefixLists: {} }, family);
}

/** Is the session iBGP? ("internal", or a remote AS equal to our AS on the session.) */
export function isInternal(remoteAs: number | 'external' | 'internal' | undefined, localAs: number): boolean {
  return remoteAs === 'internal' || remoteAs === localAs;
}

export function resolveConfig(cfg: RawRouterConfig): RouterConfig {
  const groups: Record<string, SessionConfig> = {};
  for (const [name, g] of Object.entries(cfg.groups)) groups[name] = resolveSession([{ label: name, settings: g }], cfg, 'ipv4');
  const policies: Record<string, PolicySpec> = {};
  for (const [name, p] of Object.entries(cfg.policies)) policies[name] = policyFromBody(name, p, cfg.prefixLists);
  const neighbors = cfg.neighbors.map((n): NeighborConfig => {
    const id = n.address ?? n.range!;
    const { address: _a, range: _r, group: _g, ...own } = n;
    const mine = { label: id, settings: own };
    const layers = n.group === undefined ? [mine] : [{ label: n.group, settings: cfg.groups[n.group]! }, mine];
    const s = resolveSession(layers, cfg, familyOf(id) === 6 ? 'ipv6' : 'ipv4');
    return {
      ...s, id, address: n.address, range: n.range, group: n.group, remoteAs: s.remoteAs!,
      ibgp: isInternal(s.remoteAs, s.localAs),
      passive: n.range !== undefined || s.passive,
    };
  });
  const aggregates = cfg.aggregates.map((a) => (typeof a === 'string' ? { prefix: a, summaryOnly: false, asSet: false } : a));
  const networks = cfg.networks.map((n): NetworkConfig => ({
    prefix: n.prefix, communities: n.communities ?? [], largeCommunities: n.largeCommunities ?? [], med: n.med, linkBandwidth: n.linkBandwidth,
  }));
  return { ...cfg, neighbors, groups, policies, aggregates, networks, inert: inertSettingsOf(cfg, neighbors) };
}

/** The Loc-RIB's decision and multipath options (src/bgp/rib MultipathOptions) from the configuration. */
export function ribOptions(cfg: RouterConfig): {
  maximumPaths: number; multipathRelax: boolean; alwaysCompareMed: boolean; preferOldest: boolean;
  linkBandwidth: boolean; defaultLocalPref: number;
} {
  return {
    maximumPaths: cfg.maximumPaths, multipathRelax: cfg.multipathRelax, alwaysCompareMed: cfg.bestpath.alwaysCompareMed,
    preferOldest: cfg.bestpath.preferOldest, linkBandwidth: cfg.bestpath.linkBandwidth, defaultLocalPref: cfg.defaultLocalPref,
  };
}
