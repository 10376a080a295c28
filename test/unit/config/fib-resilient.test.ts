/**
 * fib.resilient: resilient nexthop groups by default (128 buckets, 120 s idle timer, 600 s unbalanced timer),
 * false for hash-threshold groups, partial settings filled with the defaults, anything else refused naming the
 * field; and the kernel check behind the fallback (Linux 5.13 brought resilient groups).
 */
import { describe, expect, it } from 'vitest';
import { parseRouterConfig } from '../../../src/config/router-config.js';
import { kernelHasResilientGroups } from '../../../src/fib/resilient-support.js';

const BASE = 'asn: 64513\nrouterId: 192.0.2.1\n';

describe('fib.resilient', () => {
  it('is on by default with the documented settings', () => {
    expect(parseRouterConfig(BASE).fib.resilient).toEqual({ buckets: 128, idleTimer: 120, unbalancedTimer: 600 });
  });

  it('false asks for hash-threshold groups; a partial object takes the other defaults', () => {
    expect(parseRouterConfig(`${BASE}fib: { resilient: false }\n`).fib.resilient).toBe(false);
    expect(parseRouterConfig(`${BASE}fib: { resilient: { idleTimer: 5 } }\n`).fib.resilient).toEqual({ buckets: 128, idleTimer: 5, unbalancedTimer: 600 });
  });

  it('refuses true and out-of-range values, naming the field', () => {
    expect(() => parseRouterConfig(`${BASE}fib: { resilient: true }\n`)).toThrow(/fib\.resilient/);
    expect(() => parseRouterConfig(`${BASE}fib: { resilient: { buckets: 0 } }\n`)).toThrow(/fib\.resilient/);
  });
});

describe('kernelHasResilientGroups', () => {
  it('is true from Linux 5.13 on, false before and for what it cannot read', () => {
    expect(['6.18.44-fc-v1374', '6.1.0-13-arm64', '5.13.0', '5.15.0-91-generic'].map((r) => kernelHasResilientGroups(r))).toEqual([true, true, true, true]);
    expect(['5.12.19', '5.10.0-26-amd64', '4.19.0', 'unknown'].map((r) => kernelHasResilientGroups(r))).toEqual([false, false, false, false]);
  });
});
