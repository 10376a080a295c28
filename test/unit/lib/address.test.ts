// formatPrefix: IPv4 prefixes are built from character codes (a flat string); the text must be exactly
// what the dotted-quad form is, for every byte value and prefix length, and parse back to the same prefix.
import { describe, expect, it } from 'vitest';
import { formatPrefix, parsePrefix, maskBytes } from '../../../src/lib/address.js';

describe('formatPrefix', () => {
  it('writes every IPv4 byte value and prefix length as dotted quad and length', () => {
    for (let b = 0; b < 256; b++) {
      for (const len of [0, 1, 7, 8, 9, 10, 24, 31, 32]) {
        const addr = maskBytes(Uint8Array.of(b, 255 - b, b >> 1, 9), len);
        const text = formatPrefix({ family: 4, addr, len });
        expect(text).toBe(`${addr[0]}.${addr[1]}.${addr[2]}.${addr[3]}/${len}`);
        expect(parsePrefix(text)).toEqual({ family: 4, addr, len });
      }
    }
  });

  it('formats addresses that are views into a larger buffer (as the NLRI decoder makes them)', () => {
    const buf = new ArrayBuffer(8);
    new Uint8Array(buf).set([10, 0, 0, 1, 100, 64, 3, 200]);
    expect(formatPrefix({ family: 4, addr: new Uint8Array(buf, 4, 4), len: 32 })).toBe('100.64.3.200/32');
    expect(formatPrefix(parsePrefix('2001:db8::/32'))).toBe('2001:db8::/32');
  });
});
