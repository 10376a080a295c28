import { describe, expect, it } from 'vitest';
import { Aggregates } from '../../../src/router/aggregates.js';
import { parsePrefix, formatPrefix } from '../../../src/lib/address.js';
import type { RouteChange } from '../../../src/bgp/rib/loc-rib.js';
import type { Path } from '../../../src/bgp/rib/path.js';

const path = (key: string, local = false): Path => ({
  prefix: parsePrefix(key), key, pathId: 0, attributes: {}, nextHop: '10.0.0.1', igpCost: 0, stale: false, gracefulShutdown: false, receivedAt: 0,
  source: { address: local ? '' : '10.0.0.1', asn: 64512, routerId: '10.0.0.1', ibgp: false, ...(local ? { local: true } : {}) },
});
const change = (key: string, present: boolean, local = false): RouteChange => ({
  key, prefix: parsePrefix(key), best: present ? path(key, local) : undefined, multipath: [], reason: present ? 'only path' as never : 'withdrawn', old: undefined,
});

describe('aggregates (RFC 4271 9.2.2.2)', () => {
  it('originates while a more-specific exists, withdraws after the last one, and suppresses with summary-only', () => {
    const a = new Aggregates([{ prefix: '172.20.1.0/24', summaryOnly: true, asSet: false }], 64513, '192.168.10.254');
    const on = a.update([change('172.20.1.1/32', true), change('172.20.1.2/32', true), change('10.9.9.9/32', true)]);
    expect(on.map((c) => [formatPrefix(c.prefix), c.attributes?.atomicAggregate, c.attributes?.aggregator])).toEqual([
      ['172.20.1.0/24', true, { asn: 64513, address: '192.168.10.254' }],
    ]);
    expect(a.suppressed(parsePrefix('172.20.1.1/32'))).toBe(true);
    expect(a.suppressed(parsePrefix('172.20.1.0/24'))).toBe(false);
    expect(a.suppressed(parsePrefix('10.9.9.9/32'))).toBe(false);
    expect(a.update([change('172.20.1.1/32', false)])).toEqual([]);
    expect(a.update([change('172.20.1.2/32', false)]).map((c) => c.attributes)).toEqual([undefined]);
    expect(a.suppressed(parsePrefix('172.20.1.2/32'))).toBe(false);
  });

  it('local routes (the aggregate itself, networks) do not count as contributors', () => {
    const a = new Aggregates([{ prefix: '172.20.0.0/16', summaryOnly: false, asSet: true }], 64513, '1.1.1.1');
    expect(a.update([change('172.20.1.0/24', true, true)])).toEqual([]);
    const on = a.update([change('172.20.9.0/24', true)]);
    expect(on[0]!.attributes!.atomicAggregate).toBeUndefined();
    expect(a.suppressed(parsePrefix('172.20.9.0/24'))).toBe(false);
  });
});
