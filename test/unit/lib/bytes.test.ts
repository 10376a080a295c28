import { describe, expect, it } from 'vitest';
import { Reader, Writer, fromHex, toHex } from '../../../src/lib/bytes.js';

describe('Writer and Reader', () => {
  it('bytes(), zeros() and f32() keep working when the writer has to grow', () => {
    const w = new Writer(2);
    w.u8(1).bytes(Uint8Array.of(2, 3, 4, 5)).zeros(3).f32(1.5).bytes(new Uint8Array(100).fill(7));
    const out = w.finish();
    expect(out.length).toBe(1 + 4 + 3 + 4 + 100);
    expect(toHex(out.subarray(0, 12))).toBe('01020304050000003fc00000');
    const r = new Reader(out);
    expect([r.u8(), r.u32(), r.bytes(3).length, r.f32()]).toEqual([1, 0x02030405, 3, 1.5]);
  });

  it('reads little-endian and 64-bit values, and refuses to read past the end', () => {
    const r = new Reader(fromHex('0102 03040506 0807060504030201'));
    expect(r.u16le()).toBe(0x0201);
    expect(r.u32le()).toBe(0x06050403);
    expect(r.u64le()).toBe(0x0102030405060708n);
    expect(() => r.u8()).toThrow(/short buffer/);
  });
});
