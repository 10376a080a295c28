/**
 * `show running-config`: the configuration as FRR would print it (router bgp, bgp router-id,
 * neighbor X remote-as Y, peer groups and listen ranges, address-family blocks with network,
 * aggregate-address, maximum-paths, route-maps and prefix-lists). Only what differs from the defaults
 * (or from a neighbor's peer group) is printed, as FRR does. Passwords are masked unless asked for.
 * With secrets shown the text is a configuration FRR 8 accepts (the tests check it with `bgpd -C`);
 * an AS_PATH length match becomes an as-path access-list regex, as FRR has no length match.
 * vipgate settings FRR keeps per router, not per neighbor (graceful restart timers), are left out.
 */
import { formatCommunity, formatLargeCommunity } from './community-text.js';
import type { PolicySpec } from '../lib/policy-spec.js';
import { defaultSession, type RouterConfig, type SessionConfig } from './resolve.js';

export interface RenderOptions {
  readonly showSecrets?: boolean;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** `neighbor NAME ...` lines (session level) for the settings that differ from `base`. */
function sessionLines(name: string, s: SessionConfig, base: SessionConfig, o: RenderOptions): string[] {
  const out: string[] = [];
  const line = (differs: boolean, text: string) => { if (differs) out.push(` neighbor ${name} ${text}`); };
  line(s.remoteAs !== base.remoteAs && s.remoteAs !== undefined, `remote-as ${s.remoteAs}`);
  line(s.localAs !== base.localAs, `local-as ${s.localAs}`);
  line(s.description !== base.description, `description ${s.description}`);
  line(s.port !== base.port, `port ${s.port}`);
  line(s.passive !== base.passive && s.passive, 'passive');
  line(s.keepalive !== base.keepalive || s.holdTime !== base.holdTime, `timers ${s.keepalive} ${s.holdTime}`);
  line(s.connectRetry !== base.connectRetry, `timers connect ${s.connectRetry}`);
  line(s.ebgpMultihop !== base.ebgpMultihop, `ebgp-multihop ${s.ebgpMultihop}`);
  line(s.ttlSecurity !== base.ttlSecurity, `ttl-security hops ${s.ttlSecurity}`);
  line(s.password !== base.password, `password ${o.showSecrets ? s.password : '*****'}`);
  line(s.updateSource !== base.updateSource, `update-source ${s.updateSource}`);
  line(!same(s.bfd, base.bfd) && s.bfd.enabled, `bfd ${s.bfd.multiplier} ${s.bfd.minRx} ${s.bfd.minTx}`);
  line(!same(s.gracefulRestart, base.gracefulRestart) && s.gracefulRestart.enabled, 'graceful-restart-helper');
  line(s.shutdown !== base.shutdown && s.shutdown, 'shutdown');
  return out;
}

/** `neighbor NAME ...` lines inside an address-family block. */
function familyLines(name: string, s: SessionConfig, base: SessionConfig, family: 'ipv4' | 'ipv6'): string[] {
  const out: string[] = [];
  const line = (differs: boolean, text: string) => { if (differs) out.push(`  neighbor ${name} ${text}`); };
  if (!s.families.includes(family)) return base.families.includes(family) ? [`  no neighbor ${name} activate`] : [];
  line(!base.families.includes(family), 'activate');
  line(s.nextHopSelf !== base.nextHopSelf && s.nextHopSelf, 'next-hop-self');
  // FRR 8 always offers to receive ADD-PATH; only sending is configured
  line(s.addPath !== base.addPath && (s.addPath === 'send' || s.addPath === 'both'), 'addpath-tx-all-paths');
  line(s.import?.name !== base.import?.name && s.import !== undefined, `route-map ${s.import?.name} in`);
  line(s.export?.name !== base.export?.name && s.export !== undefined, `route-map ${s.export?.name} out`);
  const m = s.maxPrefix;
  line(!same(m, base.maxPrefix) && m !== undefined, `maximum-prefix ${m?.limit}${m?.warningOnly ? ' warning-only' : m?.restartAfter ? ` restart ${Math.ceil(m.restartAfter / 60)}` : ''}`);
  return out;
}

/** FRR as-path access-list regexes for an AS_PATH length range (FRR has no length match). */
function asPathLengthRegexes(min: number, max: number | undefined): string[] {
  const out = min === 0 ? ['^$'] : [];
  if (max === 0) return out;
  const lo = Math.max(min, 1) - 1;
  out.push(`^[0-9]+(_[0-9]+){${lo},${max === undefined ? '' : max - 1}}$`);
  return out;
}

function policyLines(p: PolicySpec, asn: number): string[] {
  const out: string[] = [];
  const lists: string[] = [];
  p.rules.forEach((r, i) => {
    const seq = (i + 1) * 10;
    const list = `${p.name}-${seq}`;
    out.push(`route-map ${p.name} ${r.action} ${seq}`);
    const m = r.match;
    if (m?.prefixList) {
      out.push(` match ip address prefix-list ${m.prefixList.name}`);
      m.prefixList.entries.forEach((e, j) => {
        lists.push(`ip prefix-list ${m.prefixList!.name} seq ${(j + 1) * 5} ${e.action} ${e.prefix}${e.ge === undefined ? '' : ` ge ${e.ge}`}${e.le === undefined ? '' : ` le ${e.le}`}`);
      });
    }
    if (m?.communities) {
      lists.push(...m.communities.map((c) => `bgp community-list standard ${list} permit ${formatCommunity(c)}`));
      out.push(` match community ${list}`);
    }
    if (m?.largeCommunities) {
      lists.push(...m.largeCommunities.map((c) => `bgp large-community-list standard ${list} permit ${formatLargeCommunity(c)}`));
      out.push(` match large-community ${list}`);
    }
    if (m?.asPathLength) {
      asPathLengthRegexes(m.asPathLength.min ?? 0, m.asPathLength.max).forEach((re, j) => lists.push(`bgp as-path access-list ${list} seq ${(j + 1) * 5} permit ${re}`));
      out.push(` match as-path ${list}`);
    }
    const s = r.set;
    if (s?.localPref !== undefined) out.push(` set local-preference ${s.localPref}`);
    if (s?.med !== undefined) out.push(` set metric ${s.med}`);
    if (s?.communities?.add?.length) out.push(` set community ${s.communities.add.map(formatCommunity).join(' ')} additive`);
    if (s?.communities?.remove?.length) {
      lists.push(...s.communities.remove.map((c) => `bgp community-list standard ${list}-delete permit ${formatCommunity(c)}`));
      out.push(` set comm-list ${list}-delete delete`);
    }
    if (s?.largeCommunities?.add?.length) out.push(` set large-community ${s.largeCommunities.add.map(formatLargeCommunity).join(' ')} additive`);
    if (s?.largeCommunities?.remove?.length) {
      lists.push(...s.largeCommunities.remove.map((c) => `bgp large-community-list standard ${list}-delete permit ${formatLargeCommunity(c)}`));
      out.push(` set large-comm-list ${list}-delete delete`);
    }
    if (s?.nextHopSelf) out.push(' set ip next-hop peer-address');
    if (s?.prepend) out.push(` set as-path prepend ${new Array<number>(s.prepend).fill(asn).join(' ')}`);
    out.push('exit', '!');
  });
  if (p.rules.length === 0) out.push(`route-map ${p.name} deny 10`, 'exit', '!');
  return [...new Set(lists), ...(lists.length ? ['!'] : []), ...out];
}

export function renderRunningConfig(cfg: RouterConfig, o: RenderOptions = {}): string {
  const out: string[] = ['! vipgate running configuration', '!'];
  const policies = new Map<string, PolicySpec>();
  for (const s of [...Object.values(cfg.groups), ...cfg.neighbors]) for (const p of [s.import, s.export]) if (p) policies.set(p.name, p);
  for (const p of policies.values()) out.push(...policyLines(p, cfg.asn));

  out.push(`router bgp ${cfg.asn}`, ` bgp router-id ${cfg.routerId}`);
  if (!cfg.ebgpRequiresPolicy) out.push(' no bgp ebgp-requires-policy');
  if (cfg.gracefulShutdown.enabled) out.push(' bgp graceful-shutdown');
  if (cfg.defaultLocalPref !== 100) out.push(` bgp default local-preference ${cfg.defaultLocalPref}`);
  if (cfg.bestpath.alwaysCompareMed) out.push(' bgp always-compare-med');
  if (cfg.multipathRelax) out.push(' bgp bestpath as-path multipath-relax');
  if (!cfg.bestpath.linkBandwidth) out.push(' bgp bestpath bandwidth ignore');
  if (cfg.listen.port !== 179) out.push(` ! listening on port ${cfg.listen.port}`);

  const familyOf = (id: string) => (id.includes(':') ? 'ipv6' : 'ipv4');
  // FRR activates every neighbor in IPv4 unicast only, whatever its address family
  const baseOf = (id: string, group: string | undefined): SessionConfig =>
    (group === undefined ? { ...defaultSession(cfg.asn, undefined, familyOf(id)), families: ['ipv4'] } : cfg.groups[group]!);
  // FRR attaches a listen range to a peer group and takes every setting from it: a range without a
  // group, or with settings of its own, gets a group of its own (ranges are passive anyway)
  const groups = new Map(Object.entries(cfg.groups));
  const nameOf = new Map<string, string>();
  cfg.neighbors.forEach((n, i) => {
    if (n.range === undefined) return;
    const own = n.group !== undefined && [...sessionLines('', n, cfg.groups[n.group]!, o), ...familyLines('', n, cfg.groups[n.group]!, 'ipv4'), ...familyLines('', n, cfg.groups[n.group]!, 'ipv6')]
      .every((l) => l.endsWith(' passive'));
    if (own) return;
    nameOf.set(n.id, `range-${i + 1}`);
    groups.set(`range-${i + 1}`, n);
  });
  for (const [name, g] of groups) out.push(` neighbor ${name} peer-group`, ...sessionLines(name, g, baseOf(name, undefined), o));
  for (const n of cfg.neighbors) {
    if (n.range !== undefined) out.push(` bgp listen range ${n.range} peer-group ${nameOf.get(n.id) ?? n.group}`);
    else {
      if (n.group !== undefined) out.push(` neighbor ${n.id} peer-group ${n.group}`);
      out.push(...sessionLines(n.id, n, baseOf(n.id, n.group), o));
    }
  }
  for (const family of ['ipv4', 'ipv6'] as const) {
    const len = (p: string) => familyOf(p) === family;
    const body: string[] = [];
    for (const n of cfg.networks.filter((x) => len(x.prefix))) body.push(`  network ${n.prefix}`);
    for (const a of cfg.aggregates.filter((x) => len(x.prefix))) body.push(`  aggregate-address ${a.prefix}${a.asSet ? ' as-set' : ''}${a.summaryOnly ? ' summary-only' : ''}`);
    for (const [name, g] of groups) body.push(...familyLines(name, g, baseOf(name, undefined), family));
    for (const n of cfg.neighbors) if (n.range === undefined) body.push(...familyLines(n.id, n, baseOf(n.id, n.group), family));
    if (family === 'ipv4' && cfg.maximumPaths !== 1) body.push(`  maximum-paths ${cfg.maximumPaths}`, `  maximum-paths ibgp ${cfg.maximumPaths}`);
    if (body.length > 0) out.push(' !', ` address-family ${family} unicast`, ...body, ' exit-address-family');
  }
  out.push('exit', '!');
  return `${out.join('\n')}\n`;
}
