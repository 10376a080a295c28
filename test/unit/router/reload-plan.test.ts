// planReload: which neighbors are kept, soft-reconfigured, reset, added or removed, and which sections wait
// for a restart, from two real parsed configurations.
import { describe, expect, it } from 'vitest';
import { parseRouterConfig } from '../../../src/config/router-config.js';
import { planReload } from '../../../src/router/reload-plan.js';

const base = (extra: { neighbors?: string; groups?: string; top?: string } = {}) => parseRouterConfig(`
asn: 64513
routerId: 192.168.10.254
maximumPaths: 4
networks: [198.51.100.0/24, { prefix: 203.0.113.0/24, med: 10 }]
neighbors:
${extra.neighbors ?? `  - { address: 192.168.10.10, remoteAs: 64512, group: nodes }
  - { address: 192.168.10.101, remoteAs: 64512, group: nodes }
  - { range: 10.0.0.0/24, remoteAs: 64512, group: nodes }`}
groups:
${extra.groups ?? '  nodes: { import: { prefixes: ["172.20.1.0/24 le 32"] }, holdTime: 9 }'}
${extra.top ?? ''}
`);

describe('planReload', () => {
  it('the same file plans nothing', () => {
    const p = planReload(base(), base());
    expect([p.added, p.removed, p.reset, p.soft, p.networks.set, p.networks.removed, p.pendingRestart]).toEqual([[], [], [], [], [], [], []]);
    expect([p.aggregates, p.decision, p.gracefulShutdown, p.logLevel]).toEqual([false, false, false, false]);
    expect(p.running).toEqual(base());
  });

  it('a changed import policy is soft for every neighbor of the group, sessions kept', () => {
    const p = planReload(base(), base({ groups: '  nodes: { import: { prefixes: ["172.20.1.1/32"] }, holdTime: 9 }' }));
    expect(p.soft.map((c) => [c.id, c.fields])).toEqual([
      ['192.168.10.10', ['import']], ['192.168.10.101', ['import']], ['10.0.0.0/24', ['import']],
    ]);
    expect(p.reset).toEqual([]);
  });

  it('a changed hold time resets the session; BFD, description and shutdown do not', () => {
    const p = planReload(base(), base({ neighbors: `  - { address: 192.168.10.10, remoteAs: 64512, group: nodes, holdTime: 30 }
  - { address: 192.168.10.101, remoteAs: 64512, group: nodes, description: n2, shutdown: true, bfd: { enabled: true } }
  - { range: 10.0.0.0/24, remoteAs: 64512, group: nodes }` }));
    // the keepalive follows the hold time (a third of it) when it is not set
    expect(p.reset.map((c) => [c.id, c.fields])).toEqual([['192.168.10.10', ['holdTime', 'keepalive']]]);
    expect(p.soft.map((c) => [c.id, c.fields])).toEqual([['192.168.10.101', ['bfd', 'description', 'shutdown']]]);
  });

  it('neighbors added and removed, by address or range', () => {
    const p = planReload(base(), base({ neighbors: `  - { address: 192.168.10.10, remoteAs: 64512, group: nodes }
  - { address: 192.168.10.102, remoteAs: 64512, group: nodes }
  - { range: 10.0.1.0/24, remoteAs: 64512, group: nodes }` }));
    expect(p.added.map((n) => n.id)).toEqual(['192.168.10.102', '10.0.1.0/24']);
    expect(p.removed.map((n) => n.id)).toEqual(['192.168.10.101', '10.0.0.0/24']);
  });

  it('networks set (new or changed attributes) and removed; decision options; restart-only sections kept running', () => {
    const next = base({ top: 'fib: { table: 100 }\nmultipathRelax: true\naggregates: [{ prefix: 172.20.1.0/24, summaryOnly: true }]' });
    const withNets = { ...next, networks: [{ ...next.networks[1]!, med: 20 }, { ...next.networks[1]!, prefix: '192.0.2.0/24', med: 20 }] };
    const p = planReload(base(), withNets);
    expect(p.networks.set.map((n) => [n.prefix, n.med])).toEqual([['203.0.113.0/24', 20], ['192.0.2.0/24', 20]]);
    expect(p.networks.removed).toEqual(['198.51.100.0/24']);
    expect(p.decision).toBe(true);
    expect(p.aggregates).toBe(true);
    expect(p.pendingRestart).toEqual(['fib']);
    expect(p.running.fib).toEqual(base().fib);
    expect(p.running.multipathRelax).toBe(true);
  });

  it('turning RFC 8212 off is a soft change of the eBGP neighbors that did not change otherwise', () => {
    const p = planReload(base(), base({ top: 'ebgpRequiresPolicy: false' }));
    expect(p.soft.map((c) => [c.id, c.fields])).toEqual([
      ['192.168.10.10', ['ebgpRequiresPolicy']], ['192.168.10.101', ['ebgpRequiresPolicy']], ['10.0.0.0/24', ['ebgpRequiresPolicy']],
    ]);
  });
});
