/**
 * Address assignment under random churn (fast-check): Services come, go and change (requested IPs, IPs in
 * their status, pool annotation, sharing key, ports, traffic policy, dual stack) against small pools that run out. After
 * every step: no IP outside its pool (avoidBuggyIPs honoured), no IP held by two Services that may not
 * share it, no duplicate within a Service, requested IPs given exactly or not at all, the pool annotation
 * obeyed, and a Service that did not change keeps its IPs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../../../src/agent/config/load.js';
import { Allocator, mayShare } from '../../../src/agent/ipam/allocator.js';
import { ipValue, poolHolds } from '../../../src/agent/ipam/pool.js';
import { serviceKey, type ServiceInfo } from '../../../src/agent/model.js';
import { svc } from './build.js';

const CONFIG = parseAgentConfig(`
asn: 64512
routerId: 10.0.0.1
peers: [{ address: 192.168.0.1, asn: 64513 }]
pools:
  - { name: small, addresses: [10.0.0.0/29], avoidBuggyIPs: true }
  - { name: edge, addresses: ["10.0.1.253-10.0.2.2", "fd00::/126"], avoidBuggyIPs: true }
  - { name: manual, addresses: [10.0.3.0/30], autoAssign: false }
`);
const POOLS = CONFIG.pools;

const NAMES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'];
const REQUESTABLE = ['10.0.0.1', '10.0.0.2', '10.0.0.7', '10.0.1.255', '10.0.2.0', '10.0.3.1', 'fd00::1', '192.168.99.1', 'not-an-ip'];

const serviceArb = fc.record({
  name: fc.constantFrom(...NAMES),
  requested: fc.oneof({ weight: 3, arbitrary: fc.constant<string[]>([]) }, { weight: 1, arbitrary: fc.uniqueArray(fc.constantFrom(...REQUESTABLE), { minLength: 1, maxLength: 2 }) }),
  pool: fc.option(fc.constantFrom('small', 'edge', 'manual', 'missing'), { nil: undefined, freq: 3 }),
  sharingKey: fc.option(fc.constantFrom('k1', 'k2'), { nil: undefined }),
  port: fc.constantFrom(53, 80, 443),
  protocol: fc.constantFrom('TCP', 'UDP'),
  local: fc.boolean(),
  selector: fc.constantFrom('app=x', 'app=y'),
  family: fc.constantFrom<('IPv4' | 'IPv6')[][]>(['IPv4'], ['IPv6'], ['IPv4', 'IPv6']),
  // what a previous leader wrote into status.loadBalancer.ingress (maybe stale or foreign)
  ingress: fc.oneof({ weight: 3, arbitrary: fc.constant<string[]>([]) }, { weight: 1, arbitrary: fc.uniqueArray(fc.constantFrom(...REQUESTABLE), { minLength: 1, maxLength: 2 }) }),
}).map(({ name, requested, pool, sharingKey, port, protocol, local, selector, family, ingress }): ServiceInfo => svc(name, {
  requestedIPs: requested, ingressIPs: ingress, ports: [{ protocol, port }], externalTrafficPolicy: local ? 'Local' : 'Cluster', selector,
  ipFamilies: family, dualStack: family.length === 2,
  ...(pool ? { pool } : {}), ...(sharingKey ? { sharingKey } : {}),
}));

type Step = { op: 'put'; s: ServiceInfo } | { op: 'delete'; name: string };
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: serviceArb.map((s) => ({ op: 'put' as const, s })) },
  { weight: 1, arbitrary: fc.constantFrom(...NAMES).map((name) => ({ op: 'delete' as const, name })) },
);

describe('Allocator under churn', () => {
  it('never assigns outside a pool, never gives one IP to Services that may not share it, keeps unchanged Services stable', () => {
    fc.assert(fc.property(fc.array(stepArb, { minLength: 1, maxLength: 60 }), (steps) => {
      const alloc = new Allocator(POOLS);
      const services = new Map<string, ServiceInfo>();
      let before = new Map<string, readonly string[]>();
      for (const step of steps) {
        const changed = step.op === 'put' ? step.s.name : step.name;
        if (step.op === 'put') services.set(step.s.name, step.s); else services.delete(step.name);
        const { assignments } = alloc.reconcile([...services.values()]);
        const holders = new Map<string, ServiceInfo[]>();
        for (const [key, a] of assignments) {
          const s = [...services.values()].find((x) => serviceKey(x) === key)!;
          expect(s, `assignment for a Service that is gone: ${key}`).toBeDefined();
          const pool = POOLS.find((p) => p.name === a.pool)!;
          expect(new Set(a.ips).size).toBe(a.ips.length);
          for (const ip of a.ips) {
            expect(poolHolds(pool, ipValue(ip)), `${ip} of ${key} is not in pool ${a.pool}`).toBe(true);
            holders.set(ip, [...(holders.get(ip) ?? []), s]);
          }
          if (s.pool) expect(a.pool).toBe(s.pool);
          if (s.requestedIPs.length > 0) expect([...a.ips].sort()).toEqual([...s.requestedIPs].sort());
          else {
            if (!s.pool) expect(pool.autoAssign).toBe(true);
            expect(a.ips.map((ip) => (ip.includes(':') ? 'IPv6' : 'IPv4'))).toEqual(s.ipFamilies);
          }
        }
        for (const [ip, list] of holders) {
          for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) {
            expect(mayShare(list[i]!, list[j]!), `${ip} held by ${list[i]!.name} and ${list[j]!.name}`).toBe(true);
          }
        }
        for (const [key, ips] of before) {
          if (key === `default/${changed}`) continue;
          expect(assignments.get(key)?.ips, `unchanged ${key} lost or moved its IPs`).toEqual(ips);
        }
        before = new Map([...assignments].map(([k, a]) => [k, a.ips]));
      }
    }), { numRuns: 300 });
  });

  it('gives out every usable address of a pool before failing, skipping .0 and .255', () => {
    const alloc = new Allocator(POOLS);
    const many = NAMES.map((n) => svc(n, { pool: 'edge' }));
    const r = alloc.reconcile(many);
    // edge IPv4: 10.0.1.253, 10.0.1.254, (10.0.1.255 and 10.0.2.0 avoided), 10.0.2.1, 10.0.2.2
    expect([...r.assignments.values()].map((a) => a.ips[0])).toEqual(['10.0.1.253', '10.0.1.254', '10.0.2.1', '10.0.2.2']);
    expect(r.failures.get('default/e')).toBe('no free address of family IPv4 in "edge"');
  });

  it('adopts the IPs a Service already shows in its status before assigning new ones', () => {
    const alloc = new Allocator(POOLS);
    const r = alloc.reconcile([svc('a'), svc('b', { ingressIPs: ['10.0.0.1'] })]);
    expect(r.assignments.get('default/b')?.ips).toEqual(['10.0.0.1']);
    expect(r.assignments.get('default/a')?.ips).toEqual(['10.0.0.2']);
  });
});
