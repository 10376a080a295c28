/**
 * The configuration of failure detection per neighbor or group: `bfd` (with optional keyed SHA1, RFC 5880 4.4)
 * and `probe` (ICMP next-hop probing), both off by default, on where a block configures them (unless it says
 * `enabled: false`), and inherited from the group.
 */
import { describe, expect, it } from 'vitest';
import { parseRouterConfig } from '../../../src/config/router-config.js';
import { sha1Key } from '../../../src/bfd/service.js';
import { AuthType } from '../../../src/wire/bfd/types.js';

const config = (neighbors: string, groups: string) => parseRouterConfig(`
asn: 64513
routerId: 10.0.0.254
neighbors:
${neighbors}
groups:
${groups}
`);

describe('failure detection configuration', () => {
  it('probe is off by default, on where a block configures it, and inherits from the group', () => {
    const cfg = config('  - { address: 10.0.0.1, remoteAs: 65001, group: g }\n  - { address: 10.0.0.2, remoteAs: 65001, probe: { misses: 5 } }\n  - { address: 10.0.0.3, remoteAs: 65001 }',
      '  g: { probe: { enabled: true, intervalMs: 200 } }');
    expect(cfg.neighbors[0]!.probe).toEqual({ enabled: true, intervalMs: 200, misses: 3, recovers: 3 });
    expect(cfg.neighbors[1]!.probe).toEqual({ enabled: true, intervalMs: 1000, misses: 5, recovers: 3 });
    expect(cfg.neighbors[2]!.probe).toEqual({ enabled: false, intervalMs: 1000, misses: 3, recovers: 3 });
  });

  it('bfd.auth: keyed SHA1 from the group, key id 1 by default; the neighbor may choose meticulous', () => {
    const cfg = config(
      '  - { address: 10.0.0.1, remoteAs: 65001, group: g }\n  - { address: 10.0.0.2, remoteAs: 65001, group: g, bfd: { auth: { type: meticulous-keyed-sha1, keyId: 9, password: other } } }',
      '  g: { bfd: { enabled: true, minRx: 100, minTx: 100, auth: { type: keyed-sha1, password: s3cret } } }');
    expect(cfg.neighbors[0]!.bfd).toEqual({ enabled: true, minRx: 100, minTx: 100, multiplier: 3, auth: { type: 'keyed-sha1', keyId: 1, password: 's3cret' } });
    expect(sha1Key(cfg.neighbors[0]!.bfd.auth!)).toEqual({ type: AuthType.KEYED_SHA1, keyId: 1, secret: new TextEncoder().encode('s3cret') });
    expect(sha1Key(cfg.neighbors[1]!.bfd.auth!)).toMatchObject({ type: AuthType.METICULOUS_KEYED_SHA1, keyId: 9 });
    expect(cfg.neighbors[1]!.bfd.enabled).toBe(true);
  });

  it('refuses a SHA1 password longer than 20 octets and unknown types', () => {
    expect(() => config('  - { address: 10.0.0.1, remoteAs: 65001, bfd: { auth: { type: keyed-sha1, password: 123456789012345678901 } } }', '  {}')).toThrow(/bfd\.auth\.password/);
    expect(() => config('  - { address: 10.0.0.1, remoteAs: 65001, bfd: { auth: { type: keyed-md5, password: x } } }', '  {}')).toThrow(/bfd\.auth\.type/);
  });
});
