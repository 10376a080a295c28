// Prefix lists: the ge/le matrix, first match, implicit deny, invalid ranges.
import { describe, expect, it } from 'vitest';
import { parsePrefix } from '../../../../src/lib/address.js';
import { formatPrefixListEntry, PolicyError, PrefixList, prefixRange } from '../../../../src/bgp/policy/prefix-list.js';
import type { PrefixListEntrySpec } from '../../../../src/lib/policy-spec.js';

const list = (...entries: PrefixListEntrySpec[]) => new PrefixList({ name: 't', entries });
const permits = (l: PrefixList, p: string) => l.match(parsePrefix(p)).action === 'permit';

describe('prefix list ge/le matrix', () => {
  // entry → [route, permitted?]
  const matrix: [PrefixListEntrySpec, [string, boolean][]][] = [
    [{ action: 'permit', prefix: '10.0.0.0/8' }, [['10.0.0.0/8', true], ['10.1.0.0/16', false], ['10.0.0.0/7', false], ['11.0.0.0/8', false]]],
    [{ action: 'permit', prefix: '172.20.1.0/24', le: 32 }, [['172.20.1.0/24', true], ['172.20.1.7/32', true], ['172.20.1.128/25', true], ['172.20.0.0/16', false], ['172.20.2.1/32', false]]],
    [{ action: 'permit', prefix: '10.0.0.0/8', ge: 24 }, [['10.1.2.0/24', true], ['10.1.2.3/32', true], ['10.1.0.0/16', false], ['10.0.0.0/8', false]]],
    [{ action: 'permit', prefix: '10.0.0.0/8', ge: 24, le: 28 }, [['10.1.2.0/24', true], ['10.1.2.16/28', true], ['10.1.2.3/32', false], ['10.1.0.0/23', false]]],
    [{ action: 'permit', prefix: '10.0.0.0/8', ge: 16, le: 16 }, [['10.9.0.0/16', true], ['10.9.8.0/24', false]]],
    [{ action: 'permit', prefix: '0.0.0.0/0' }, [['0.0.0.0/0', true], ['10.0.0.0/8', false]]],
    [{ action: 'permit', prefix: '0.0.0.0/0', le: 32 }, [['0.0.0.0/0', true], ['192.168.10.0/24', true], ['2001:db8::/32', false]]],
    [{ action: 'permit', prefix: '2001:db8::/32', ge: 48, le: 64 }, [['2001:db8:1::/48', true], ['2001:db8:1:2::/64', true], ['2001:db8::/32', false], ['2001:db9::/48', false]]],
  ];
  for (const [entry, routes] of matrix) {
    for (const [route, want] of routes) {
      it(`${formatPrefixListEntry(entry)} ${want ? 'permits' : 'denies'} ${route}`, () => {
        expect(permits(list(entry), route)).toBe(want);
      });
    }
  }
});

describe('prefix list order', () => {
  it('first match decides: a deny before a permit wins', () => {
    const l = list({ action: 'deny', prefix: '172.20.1.0/24' }, { action: 'permit', prefix: '172.20.1.0/24', le: 32 });
    expect(l.match(parsePrefix('172.20.1.0/24'))).toEqual({ action: 'deny', entry: 0 });
    expect(l.match(parsePrefix('172.20.1.1/32'))).toEqual({ action: 'permit', entry: 1 });
  });
  it('no match is the implicit deny', () => {
    expect(list({ action: 'permit', prefix: '10.0.0.0/8' }).match(parsePrefix('11.0.0.0/8'))).toEqual({ action: 'deny', entry: undefined });
    expect(list().match(parsePrefix('11.0.0.0/8')).action).toBe('deny');
  });
});

describe('prefix ranges', () => {
  it('computes the accepted lengths', () => {
    expect(prefixRange(24, 4)).toEqual({ min: 24, max: 24 });
    expect(prefixRange(24, 4, undefined, 32)).toEqual({ min: 24, max: 32 });
    expect(prefixRange(8, 4, 24)).toEqual({ min: 24, max: 32 });
    expect(prefixRange(32, 6, 48)).toEqual({ min: 48, max: 128 });
  });
  it('refuses invalid ranges with a reason', () => {
    expect(prefixRange(24, 4, 16)).toMatch(/ge 16 must be between the prefix length 24 and 32/);
    expect(prefixRange(24, 4, undefined, 33)).toMatch(/le 33/);
    expect(prefixRange(8, 4, 28, 24)).toMatch(/ge 28 is greater than le 24/);
    expect(() => list({ action: 'permit', prefix: '10.0.0.0/8', le: 4 })).toThrow(PolicyError);
    expect(() => list({ action: 'permit', prefix: '10.0.0.1/8' })).toThrow(/entry 1: .*host bits/);
  });
});
