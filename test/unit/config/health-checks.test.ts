/**
 * healthChecks in the router's configuration: off (empty) by default; an entry takes prefix-list entries,
 * a port and the defaults (2 s, 1000 ms, 3 fails, 2 passes); a bad path or port is refused naming the field.
 */
import { describe, expect, it } from 'vitest';
import { parseRouterConfig } from '../../../src/config/router-config.js';

const BASE = 'asn: 64513\nrouterId: 192.0.2.1\n';

describe('healthChecks', () => {
  it('is off by default; an entry gets the defaults', () => {
    expect(parseRouterConfig(BASE).healthChecks).toEqual([]);
    expect(parseRouterConfig(`${BASE}healthChecks: [{ prefixes: ["172.20.1.0/24 le 32"], port: 80, path: /healthz }]\n`).healthChecks).toEqual([
      { prefixes: [{ action: 'permit', prefix: '172.20.1.0/24', le: 32 }], port: 80, path: '/healthz', interval: 2, timeoutMs: 1000, fails: 3, passes: 2 },
    ]);
  });

  it('refuses a path without /, a missing port and no prefixes, naming the field', () => {
    expect(() => parseRouterConfig(`${BASE}healthChecks: [{ prefixes: ["172.20.1.0/24 le 32"], port: 80, path: healthz }]\n`)).toThrow(/healthChecks\[0\]\.path.*must start with \//);
    expect(() => parseRouterConfig(`${BASE}healthChecks: [{ prefixes: ["172.20.1.0/24 le 32"] }]\n`)).toThrow(/healthChecks\[0\]\.port/);
    expect(() => parseRouterConfig(`${BASE}healthChecks: [{ prefixes: [], port: 80 }]\n`)).toThrow(/healthChecks\[0\]\.prefixes/);
  });
});
