/**
 * BFD Control packet codec (RFC 5880 4.1-4.4): byte vectors with a comment per field, round trips, every
 * truncation, and the packet-level discard rules of RFC 5880 6.8.6.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { codecCases, hex } from '../../../helpers/codec-cases.js';
import { decodeBfdControl, encodeBfdControl, bfdControlLength } from '../../../../src/wire/bfd/control.js';
import { authFailure, authSection, sealBfdControl, sequenceAcceptable, type BfdKey } from '../../../../src/wire/bfd/auth.js';
import { AuthType, BfdPacketError, type BfdControlPacket } from '../../../../src/wire/bfd/types.js';
import { toHex } from '../../../../src/lib/bytes.js';

const base: BfdControlPacket = {
  diag: 0, state: 'Down', poll: false, final: false, controlPlaneIndependent: false, demand: false,
  detectMult: 3, myDiscriminator: 0x11223344, yourDiscriminator: 0,
  desiredMinTxUs: 1_000_000, requiredMinRxUs: 100_000, requiredMinEchoRxUs: 0,
};

const codec = { encode: (p: BfdControlPacket) => encodeBfdControl(p), decode: (b: Uint8Array) => decodeBfdControl(b), length: (p: BfdControlPacket) => bfdControlLength(p) };

codecCases(codec, [
  {
    name: 'Down, no authentication (the first packet of a session)',
    value: base,
    bytes: hex`20 // version 1, diag 0
               40 // state Down (1), no flags
               03 // detect mult
               18 // length 24
               11223344 // my discriminator
               00000000 // your discriminator (unknown yet)
               000f4240 // desired min tx 1,000,000 us (slow while not Up, 6.8.3)
               000186a0 // required min rx 100,000 us
               00000000 // required min echo rx: no echo`,
  },
  {
    name: 'Up with Poll, diag Neighbor Signaled Session Down kept from before',
    value: { ...base, diag: 3, state: 'Up', poll: true, yourDiscriminator: 7, desiredMinTxUs: 100_000 },
    bytes: hex`23 // version 1, diag 3
               e0 // state Up (3) << 6 | P
               03 18 11223344 00000007 000186a0 000186a0 00000000`,
  },
  {
    name: 'Init with Final, C and D bits, detect mult 1',
    value: { ...base, state: 'Init', final: true, controlPlaneIndependent: true, demand: true, detectMult: 1, yourDiscriminator: 0xffffffff },
    bytes: hex`20 9a // state Init (2) << 6 | F | C | D
               01 18 11223344 ffffffff 000f4240 000186a0 00000000`,
  },
  {
    name: 'AdminDown, diag Administratively Down',
    value: { ...base, diag: 7, state: 'AdminDown' },
    bytes: hex`27 00 03 18 11223344 00000000 000f4240 000186a0 00000000`,
  },
  {
    name: 'simple password (4.2.2)',
    value: { ...base, auth: { type: AuthType.SIMPLE_PASSWORD, keyId: 5, password: new TextEncoder().encode('secret') } },
    bytes: hex`20 44 // Down | A
               03 21 // length 33 = 24 + 9
               11223344 00000000 000f4240 000186a0 00000000
               01 // auth type simple password
               09 // auth len 3 + 6
               05 // key id
               736563726574 // "secret"`,
  },
  {
    name: 'keyed SHA1 (4.4)',
    value: { ...base, auth: { type: AuthType.KEYED_SHA1, keyId: 1, sequence: 0x01020304, digest: new Uint8Array(20).fill(0xab) } },
    bytes: hex`20 44 03 34 // length 52 = 24 + 28
               11223344 00000000 000f4240 000186a0 00000000
               04 1c 01 00 // type keyed SHA1, auth len 28, key id 1, reserved
               01020304 // sequence
               abababababababababababababababababababab // hash`,
  },
  {
    name: 'meticulous keyed MD5 (4.3)',
    value: { ...base, auth: { type: AuthType.METICULOUS_KEYED_MD5, keyId: 2, sequence: 9, digest: new Uint8Array(16).fill(0xcd) } },
    bytes: hex`20 44 03 30 // length 48 = 24 + 24
               11223344 00000000 000f4240 000186a0 00000000
               03 18 02 00 00000009 cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd`,
  },
]);

describe('RFC 5880 6.8.6 packet discards', () => {
  const good = encodeBfdControl(base);
  const mutate = (f: (b: Uint8Array) => void): Uint8Array => { const b = good.slice(); f(b); return b; };
  const cases: [string, Uint8Array, RegExp][] = [
    ['version 0', mutate((b) => { b[0] = 0x00; }), /version 0/],
    ['version 2', mutate((b) => { b[0] = 0x40; }), /version 2/],
    ['Length below 24', mutate((b) => { b[3] = 23; }), /below the minimum 24/],
    ['A bit with Length below 26', mutate((b) => { b[1]! |= 0x04; b[3] = 25; }), /below the minimum 26/],
    ['Length beyond the payload', mutate((b) => { b[3] = 25; }), /more than the 24 octets/],
    ['Detect Mult zero', mutate((b) => { b[2] = 0; }), /Detect Mult is zero/],
    ['Multipoint bit', mutate((b) => { b[1]! |= 0x01; }), /Multipoint/],
    ['My Discriminator zero', mutate((b) => { b.fill(0, 4, 8); }), /My Discriminator is zero/],
    ['Your Discriminator zero in Init', mutate((b) => { b[1] = 0x80; }), /zero in state Init/],
    ['Your Discriminator zero in Up', mutate((b) => { b[1] = 0xc0; }), /zero in state Up/],
  ];
  for (const [name, bytes, reason] of cases) {
    it(`discards: ${name}`, () => {
      expect(() => decodeBfdControl(bytes)).toThrow(BfdPacketError);
      expect(() => decodeBfdControl(bytes)).toThrow(reason);
    });
  }

  it('accepts Your Discriminator zero in Down and AdminDown', () => {
    expect(decodeBfdControl(good).state).toBe('Down');
    expect(decodeBfdControl(mutate((b) => { b[1] = 0x00; })).state).toBe('AdminDown');
  });

  it('reads only Length octets and ignores what follows in the datagram', () => {
    const padded = new Uint8Array(40);
    padded.set(good);
    padded.fill(0xee, 24);
    expect(decodeBfdControl(padded)).toEqual(base);
  });

  it('discards every truncation of an authenticated packet, with a BfdPacketError and nothing else', () => {
    const full = encodeBfdControl({ ...base, auth: { type: AuthType.KEYED_SHA1, keyId: 1, sequence: 1, digest: new Uint8Array(20) } });
    for (let n = 0; n < full.length; n++) {
      const cut = full.slice(0, n);
      expect(() => decodeBfdControl(cut), `cut at ${n}`).toThrow(BfdPacketError);
      // the same cut with Length rewritten to match: the auth section itself is malformed
      if (n >= 24) {
        const relabelled = cut.slice();
        relabelled[3] = n;
        expect(() => decodeBfdControl(relabelled), `cut at ${n} relabelled`).toThrow(BfdPacketError);
      }
    }
  });

  it('discards wrong Auth Len and unknown auth types', () => {
    const sha = encodeBfdControl({ ...base, auth: { type: AuthType.KEYED_SHA1, keyId: 1, sequence: 1, digest: new Uint8Array(20) } });
    expect(() => decodeBfdControl(Uint8Array.from(sha, (v, i) => (i === 25 ? 24 : v)))).toThrow(/Auth Len 24 is wrong/);
    expect(() => decodeBfdControl(Uint8Array.from(sha, (v, i) => (i === 24 ? 9 : v)))).toThrow(/unknown Auth Type 9/);
    const simple = encodeBfdControl({ ...base, auth: { type: AuthType.SIMPLE_PASSWORD, keyId: 1, password: Uint8Array.of(1) } });
    expect(() => decodeBfdControl(Uint8Array.from(simple, (v, i) => (i === 25 ? 3 : v)))).toThrow(/not 4..19/);
  });

  it('refuses to encode Poll and Final together (4.1) and bad lengths', () => {
    expect(() => encodeBfdControl({ ...base, poll: true, final: true })).toThrow(/must not both/);
    expect(() => encodeBfdControl({ ...base, detectMult: 0 })).toThrow(RangeError);
    expect(() => encodeBfdControl({ ...base, auth: { type: AuthType.SIMPLE_PASSWORD, keyId: 1, password: new Uint8Array(17) } })).toThrow(/1..16/);
  });
});

describe('authentication (RFC 5880 6.7)', () => {
  const sha: BfdKey = { type: AuthType.KEYED_SHA1, keyId: 3, secret: new TextEncoder().encode('vipgate') };
  const packet = (key: BfdKey, seq: number): BfdControlPacket => ({ ...base, auth: authSection(key, seq) });

  it('keyed SHA1: the hash is SHA1 over the packet with the zero-padded key in the hash field (6.7.4)', () => {
    const bytes = sealBfdControl(packet(sha, 42), sha);
    const work = bytes.slice();
    work.fill(0, 32, 52);
    work.set(sha.secret, 32);
    const expected = createHash('sha1').update(work).digest('hex');
    expect(toHex(bytes.subarray(32, 52))).toBe(expected);
    expect(authFailure(decodeBfdControl(bytes), bytes, sha)).toBeUndefined();
  });

  it('keyed MD5: the same with a 16-octet digest (6.7.3)', () => {
    const md5: BfdKey = { type: AuthType.KEYED_MD5, keyId: 1, secret: Uint8Array.of(1, 2, 3) };
    const bytes = sealBfdControl(packet(md5, 7), md5);
    const work = bytes.slice();
    work.fill(0, 32, 48);
    work.set(md5.secret, 32);
    expect(toHex(bytes.subarray(32, 48))).toBe(createHash('md5').update(work).digest('hex'));
    expect(authFailure(decodeBfdControl(bytes), bytes, md5)).toBeUndefined();
  });

  it('rejects a changed bit, another key, key id or type, and a missing section', () => {
    const bytes = sealBfdControl(packet(sha, 42), sha);
    const flipped = bytes.slice();
    flipped[12]! ^= 1;
    expect(authFailure(decodeBfdControl(flipped), flipped, sha)).toBe('wrong digest');
    const other: BfdKey = { ...sha, secret: new TextEncoder().encode('vipgatf') };
    expect(authFailure(decodeBfdControl(bytes), bytes, other)).toBe('wrong digest');
    expect(authFailure(decodeBfdControl(bytes), bytes, { ...sha, keyId: 4 })).toMatch(/Key ID 3/);
    expect(authFailure(decodeBfdControl(bytes), bytes, { ...sha, type: AuthType.METICULOUS_KEYED_SHA1 })).toMatch(/Auth Type 4/);
    const plain = encodeBfdControl(base);
    expect(authFailure(decodeBfdControl(plain), plain, sha)).toMatch(/A bit clear/);
  });

  it('simple password compares the password', () => {
    const key: BfdKey = { type: AuthType.SIMPLE_PASSWORD, keyId: 1, secret: new TextEncoder().encode('pw') };
    const bytes = sealBfdControl(packet(key, 0), key);
    expect(authFailure(decodeBfdControl(bytes), bytes, key)).toBeUndefined();
    expect(authFailure(decodeBfdControl(bytes), bytes, { ...key, secret: new TextEncoder().encode('pX') })).toBe('wrong password');
  });

  it('sequence window: keyed accepts [last, last+3M], meticulous (last, last+3M], both modulo 2^32', () => {
    const K = AuthType.KEYED_SHA1, M = AuthType.METICULOUS_KEYED_SHA1;
    expect(sequenceAcceptable(K, 5, undefined, 3)).toBe(true);
    expect(sequenceAcceptable(K, 10, 10, 3)).toBe(true);
    expect(sequenceAcceptable(K, 19, 10, 3)).toBe(true);
    expect(sequenceAcceptable(K, 20, 10, 3)).toBe(false);
    expect(sequenceAcceptable(K, 9, 10, 3)).toBe(false);
    expect(sequenceAcceptable(M, 10, 10, 3)).toBe(false);
    expect(sequenceAcceptable(M, 11, 10, 3)).toBe(true);
    expect(sequenceAcceptable(M, 3, 0xfffffffe, 2)).toBe(true);
    expect(sequenceAcceptable(M, 5, 0xfffffffe, 2)).toBe(false);
  });
});
