/**
 * Address assignment for LoadBalancer Services (what MetalLB's controller does), kept in memory and
 * reconciled against each snapshot:
 * - an assignment that is still valid is kept (IPs never move without a reason);
 * - then status.loadBalancer.ingress of Services without one is adopted (a new leader takes over what the
 *   previous one assigned); then requested IPs (metallb.io/loadBalancerIPs or spec.loadBalancerIP, not
 *   both); then free addresses, one per wanted family (dual stack: both), from the pool named by
 *   metallb.io/address-pool, else (MetalLB's Allocate) first from the pools whose serviceAllocation
 *   pins them to this Service (its namespace, by name or namespaceSelectors, or its labels by
 *   serviceSelectors; lowest priority above 0 first, 0 last), then from the autoAssign pools without
 *   serviceAllocation; a pool with serviceAllocation never serves a Service it does not select, whichever
 *   way the Service asks;
 * - an IP held by one Service is given to another only when they may share it: the same
 *   metallb.universe.tf/allow-shared-ip key, no common protocol/port, the same externalTrafficPolicy,
 *   and for Local the same pod selector (both must send traffic to the same nodes).
 * Services are handled in name order so that every agent computing from the same snapshot agrees.
 */
import type { Family } from '../../lib/address.js';
import type { PoolConfig } from '../config/model.js';
import { anySelectorMatches } from '../config/values.js';
import { serviceKey, type NamespaceInfo, type ServiceInfo } from '../model.js';
import { canonicalIp, firstFree, ipValue, poolHolds } from './pool.js';

export interface Assignment { readonly ips: readonly string[]; readonly pool: string }

export interface ReconcileResult {
  readonly assignments: ReadonlyMap<string, Assignment>;
  /** Services that wanted an address and got none, with the reason (for events and logs). */
  readonly failures: ReadonlyMap<string, string>;
}

/** May services `a` and `b` hold the same IP? */
export function mayShare(a: ServiceInfo, b: ServiceInfo): boolean {
  if (!a.sharingKey || a.sharingKey !== b.sharingKey) return false;
  if (a.externalTrafficPolicy !== b.externalTrafficPolicy) return false;
  if (a.externalTrafficPolicy === 'Local' && a.selector !== b.selector) return false;
  return !a.ports.some((p) => b.ports.some((q) => p.protocol === q.protocol && p.port === q.port));
}

const FAMILY: Record<'IPv4' | 'IPv6', Family> = { IPv4: 4, IPv6: 6 };

function wantedFamilies(s: ServiceInfo): Family[] {
  const fams = s.ipFamilies.map((f) => FAMILY[f]);
  if (s.dualStack) return fams.length === 2 ? fams : [...new Set<Family>([fams[0] ?? 4, 4, 6])];
  return [fams[0] ?? 4];
}

/** Do these families satisfy the Service: all it wants, or (PreferDualStack) at least one of them? */
function familiesFit(s: ServiceInfo, got: readonly Family[]): boolean {
  const want = wantedFamilies(s);
  if (sameSet(got, want)) return true;
  return s.preferDualStack === true && got.length === 1 && want.includes(got[0]!);
}

export class Allocator {
  private pools: readonly PoolConfig[];
  private namespaces: readonly NamespaceInfo[] = [];
  private readonly byService = new Map<string, { svc: ServiceInfo; a: Assignment }>();
  private readonly holders = new Map<string, Set<string>>();
  /** The held addresses as integers per family, for the free-address search. */
  private readonly taken = new Map<Family, Set<bigint>>([[4, new Set()], [6, new Set()]]);

  constructor(pools: readonly PoolConfig[], private readonly loadBalancerClass?: string) { this.pools = pools; }

  /** New pools (config reload): assignments outside them are dropped at the next reconcile. */
  setPools(pools: readonly PoolConfig[]): void { this.pools = pools; }

  assignment(key: string): Assignment | undefined { return this.byService.get(key)?.a; }

  /** Is this Service ours to give an address? */
  wants(s: ServiceInfo): boolean {
    return s.type === 'LoadBalancer' && s.loadBalancerClass === this.loadBalancerClass;
  }

  /** The namespaces a pool's serviceAllocation names or selects (MetalLB resolves namespaceSelectors against the Namespaces). */
  private poolNamespaces(p: PoolConfig): ReadonlySet<string> {
    const a = p.allocation!;
    const set = new Set(a.namespaces);
    if (a.namespaceSelectors.length > 0) for (const ns of this.namespaces) if (a.namespaceSelectors.some((sel) => anySelectorMatches([sel], ns.labels))) set.add(ns.name);
    return set;
  }

  /** serviceAllocation with nothing set selects every Service (MetalLB: labels.Everything()). */
  private selectsByService(p: PoolConfig): boolean {
    const a = p.allocation!;
    return a.serviceSelectors.length > 0 || (a.namespaces.length === 0 && a.namespaceSelectors.length === 0);
  }

  /** May this pool serve this Service at all (MetalLB's isPoolCompatibleWithService)? */
  private compatible(p: PoolConfig, s: ServiceInfo): boolean {
    if (!p.allocation) return true;
    const ns = this.poolNamespaces(p);
    if (ns.size > 0 && !ns.has(s.namespace)) return false;
    return p.allocation.serviceSelectors.length === 0 || anySelectorMatches(p.allocation.serviceSelectors, s.labels ?? {});
  }

  /** The pools pinned to this Service by their serviceAllocation, in priority order (lowest above 0 first, 0 last). */
  private pinned(s: ServiceInfo): PoolConfig[] {
    const rank = (p: PoolConfig): number => (p.allocation!.priority > 0 ? p.allocation!.priority : Number.MAX_SAFE_INTEGER);
    return this.pools.filter((p) => p.allocation && p.autoAssign && this.compatible(p, s) && (this.poolNamespaces(p).has(s.namespace) || this.selectsByService(p)))
      .sort((a, b) => rank(a) - rank(b));
  }

  reconcile(services: readonly ServiceInfo[], namespaces: readonly NamespaceInfo[] = []): ReconcileResult {
    this.namespaces = namespaces;
    const failures = new Map<string, string>();
    const current = new Map(services.filter((s) => this.wants(s)).map((s) => [serviceKey(s), s]));
    for (const [key, held] of [...this.byService]) {
      const svc = current.get(key);
      if (!svc || !this.stillValid(svc, held.a)) this.release(key);
      else this.byService.set(key, { svc, a: held.a });
    }
    const pending = [...current.values()].filter((s) => !this.byService.has(serviceKey(s)))
      .sort((a, b) => serviceKey(a).localeCompare(serviceKey(b)));
    // adopt earlier assignments first, so that a fresh agent never takes an IP another Service shows
    const later: ServiceInfo[] = [];
    for (const s of pending) {
      const adopted = s.ingressIPs.length > 0 && s.requestedIPs.length === 0 ? this.tryIps(s, s.ingressIPs, false) : undefined;
      if (adopted) this.hold(s, adopted); else later.push(s);
    }
    for (const s of later) {
      const r = s.requestProblem ?? (s.requestedIPs.length > 0 ? this.requested(s) : this.automatic(s));
      if (typeof r === 'string') failures.set(serviceKey(s), r);
      else this.hold(s, r);
    }
    return { assignments: new Map([...this.byService].map(([k, v]) => [k, v.a])), failures };
  }

  private stillValid(s: ServiceInfo, a: Assignment): boolean {
    if (s.requestedIPs.length > 0 && !sameSet(s.requestedIPs.map((ip) => canonicalIp(ip) ?? ip), a.ips)) return false;
    if (s.pool !== undefined && s.pool !== a.pool) return false;
    const pool = this.pools.find((p) => p.name === a.pool);
    if (!pool || !a.ips.every((ip) => poolHolds(pool, ipValue(ip))) || !this.compatible(pool, s)) return false;
    // an address from a pool without autoAssign stays only while the Service asks for it or for the pool
    if (!pool.autoAssign && s.requestedIPs.length === 0 && s.pool === undefined) return false;
    if (s.requestedIPs.length === 0 && !familiesFit(s, a.ips.map((ip) => ipValue(ip).family))) return false;
    const key = serviceKey(s);
    return a.ips.every((ip) => this.usableBy(ip, s, key));
  }

  private usableBy(ip: string, s: ServiceInfo, key: string): boolean {
    for (const other of this.holders.get(ip) ?? []) {
      if (other === key) continue;
      const o = this.byService.get(other);
      if (o && !mayShare(s, o.svc)) return false;
    }
    return true;
  }

  /**
   * The given IPs, all from one pool this Service may use, or undefined. Asked-for IPs may come from any
   * pool; adopted ones (status) only from the annotated pool or an autoAssign one.
   */
  private tryIps(s: ServiceInfo, ips: readonly string[], requested: boolean): Assignment | undefined {
    const canon = ips.map(canonicalIp);
    if (canon.some((c) => c === undefined) || new Set(canon).size !== canon.length) return undefined;
    if (!requested && !familiesFit(s, canon.map((ip) => ipValue(ip!).family))) return undefined;
    const allowed = (p: PoolConfig): boolean => this.compatible(p, s) && (s.pool === undefined ? requested || p.autoAssign : p.name === s.pool);
    const pool = this.pools.find((p) => allowed(p) && canon.every((ip) => poolHolds(p, ipValue(ip!))));
    const key = serviceKey(s);
    if (!pool || !canon.every((ip) => this.usableBy(ip!, s, key))) return undefined;
    return { ips: canon as string[], pool: pool.name };
  }

  private requested(s: ServiceInfo): Assignment | string {
    const a = this.tryIps(s, s.requestedIPs, true);
    if (a) return a;
    const bad = s.requestedIPs.find((ip) => canonicalIp(ip) === undefined);
    if (bad) return `requested IP "${bad}" is not an address`;
    return `requested IPs ${s.requestedIPs.join(', ')} are not all in one ${s.pool ? `pool "${s.pool}"` : 'pool'} that may serve this Service, or are held by a Service that may not share them`;
  }

  private automatic(s: ServiceInfo): Assignment | string {
    if (s.pool !== undefined) {
      const named = this.pools.find((p) => p.name === s.pool);
      if (!named) return `no pool named "${s.pool}"`;
      if (!this.compatible(named, s)) return `pool "${s.pool}" does not serve this Service: its serviceAllocation selects other namespaces or Services`;
      return this.fromPools(s, [named]);
    }
    const pinned = this.pinned(s);
    const general = this.pools.filter((p) => p.autoAssign && !p.allocation);
    if (pinned.length === 0 && general.length === 0) return 'no pool may serve this Service: none with autoAssign and without serviceAllocation, and none whose serviceAllocation selects it';
    const first = pinned.length > 0 ? this.fromPools(s, pinned) : undefined;
    if (first !== undefined && (typeof first !== 'string' || general.length === 0)) return first;
    const then = this.fromPools(s, general);
    return typeof then === 'string' && first !== undefined ? `${first as string}; ${then}` : then;
  }

  /**
   * Free addresses from the first of `pools` that has one of each wanted family; PreferDualStack (MetalLB's
   * findBestPoolForService): else one address of the first family from the first pool that has it, else
   * of the second.
   */
  private fromPools(s: ServiceInfo, pools: readonly PoolConfig[]): Assignment | string {
    const key = serviceKey(s);
    const want = wantedFamilies(s);
    // prefer an IP this Service may share (MetalLB does the same), then a free one
    const pick = (pool: PoolConfig, family: Family): string | undefined => (s.sharingKey
      ? [...this.holders.keys()].find((ip) => ipValue(ip).family === family && poolHolds(pool, ipValue(ip)) && this.usableBy(ip, s, key))
      : undefined) ?? firstFree(pool, family, this.taken.get(family)!);
    for (const pool of pools) {
      const ips = want.map((f) => pick(pool, f));
      if (ips.every((ip) => ip !== undefined)) return { ips: ips as string[], pool: pool.name };
    }
    if (s.preferDualStack) {
      for (const family of want) {
        for (const pool of pools) {
          const ip = pick(pool, family);
          if (ip !== undefined) return { ips: [ip], pool: pool.name };
        }
      }
    }
    return `no free address of family ${want.map((f) => `IPv${f}`).join(s.preferDualStack ? ' or ' : '+')} in ${pools.map((p) => `"${p.name}"`).join(', ')}`;
  }

  private hold(s: ServiceInfo, a: Assignment): void {
    const key = serviceKey(s);
    this.byService.set(key, { svc: s, a });
    for (const ip of a.ips) {
      let set = this.holders.get(ip);
      if (!set) {
        set = new Set();
        this.holders.set(ip, set);
        const v = ipValue(ip);
        this.taken.get(v.family)!.add(v.value);
      }
      set.add(key);
    }
  }

  release(key: string): void {
    const held = this.byService.get(key);
    if (!held) return;
    this.byService.delete(key);
    for (const ip of held.a.ips) {
      const set = this.holders.get(ip);
      set?.delete(key);
      if (set?.size === 0) {
        this.holders.delete(ip);
        const v = ipValue(ip);
        this.taken.get(v.family)!.delete(v.value);
      }
    }
  }
}

/** Equal as multisets ([4, 4] is not [4, 6]). */
function sameSet<T extends string | number>(a: readonly T[], b: readonly T[]): boolean {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
