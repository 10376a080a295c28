/** The UPDATE packer used by the Adj-RIB-Out: many prefixes, shared attributes, as few messages as fit. */
import { describe, expect, it } from 'vitest';
import type { Prefix } from '../../../../src/lib/address.js';
import { decodeMessage } from '../../../../src/wire/bgp/message.js';
import { encodeEndOfRib, packAnnouncements, packWithdrawals } from '../../../../src/wire/bgp/pack.js';
import { endOfRibFamily } from '../../../../src/wire/bgp/update.js';
import { DEFAULT_CONTEXT } from '../../../../src/wire/bgp/types.js';
import type { CodecContext, Nlri, PathAttributes, UpdateMessage } from '../../../../src/wire/bgp/types.js';

const EXTENDED: CodecContext = { ...DEFAULT_CONTEXT, extendedMessage: true };
const attributes: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [65001] }], communities: [0xfde90001], localPref: 100 };

function v4(n: number, len = 32): Prefix[] {
  return Array.from({ length: n }, (_, i) => ({ family: 4 as const, addr: Uint8Array.of(10, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff), len }));
}
function v6(n: number): Prefix[] {
  return Array.from({ length: n }, (_, i) => {
    const addr = new Uint8Array(16); addr.set([0x20, 0x01, 0x0d, 0xb8]); addr[14] = (i >> 8) & 0xff; addr[15] = i & 0xff;
    return { family: 6 as const, addr, len: 128 };
  });
}

function decodeAll(messages: Uint8Array[], ctx: CodecContext): UpdateMessage[] {
  return messages.map((m) => {
    const d = decodeMessage(m, ctx);
    expect(d.errors).toEqual([]);
    if (d.message.type !== 'update') throw new Error('not an UPDATE');
    return d.message;
  });
}

function expectFull(messages: Uint8Array[], max: number, perPrefix: number): void {
  for (const [i, m] of messages.entries()) {
    expect(m.length).toBeLessThanOrEqual(max);
    if (i < messages.length - 1) expect(m.length + perPrefix).toBeGreaterThan(max);
  }
}

describe('packAnnouncements', () => {
  it('IPv4: 10,000 /32 in full 4096-byte UPDATEs with the shared attributes and next hop', () => {
    const prefixes = v4(10_000);
    const messages = packAnnouncements({ family: 4, attributes: { ...attributes, nextHop: '9.9.9.9' }, nextHop: '192.0.2.1', prefixes }, DEFAULT_CONTEXT);
    expectFull(messages, 4096, 5);
    const updates = decodeAll(messages, DEFAULT_CONTEXT);
    for (const u of updates) expect(u.attributes).toEqual({ ...attributes, nextHop: '192.0.2.1' });
    expect(updates.flatMap((u) => u.nlri)).toEqual(prefixes.map((prefix) => ({ prefix })));
  });

  it('IPv4 with extended messages: up to 65535 bytes each', () => {
    const prefixes = v4(30_000, 24);
    const messages = packAnnouncements({ family: 4, attributes, nextHop: '192.0.2.1', prefixes }, EXTENDED);
    expectFull(messages, 65535, 4);
    expect(decodeAll(messages, EXTENDED).flatMap((u) => u.nlri).length).toBe(30_000);
  });

  it('IPv4 with ADD-PATH for sending: every prefix carries the path identifier', () => {
    const ctx: CodecContext = { ...DEFAULT_CONTEXT, addPath: new Set(['1/1']) };
    const messages = packAnnouncements({ family: 4, attributes, nextHop: '192.0.2.1', prefixes: v4(1000), pathId: 9 }, ctx);
    expectFull(messages, 4096, 9);
    const nlri: Nlri[] = decodeAll(messages, ctx).flatMap((u) => u.nlri);
    expect(nlri.length).toBe(1000);
    expect(nlri.every((n) => n.pathId === 9)).toBe(true);
  });

  it('IPv6: MP_REACH_NLRI first, global and link-local next hop, 3000 /128', () => {
    const prefixes = v6(3000);
    const messages = packAnnouncements({ family: 6, attributes, nextHop: '2001:db8::1', linkLocalNextHop: 'fe80::1', prefixes }, DEFAULT_CONTEXT);
    expectFull(messages, 4096, 17);
    for (const m of messages) expect(m[23]).toBe(0x90); // first attribute: MP_REACH_NLRI, optional, extended length
    const updates = decodeAll(messages, DEFAULT_CONTEXT);
    for (const u of updates) {
      const { mpReach, ...rest } = u.attributes;
      expect(rest).toEqual(attributes);
      expect(mpReach).toMatchObject({ afi: 2, safi: 1, nextHop: '2001:db8::1', linkLocalNextHop: 'fe80::1' });
      expect(u.nlri).toEqual([]);
    }
    expect(updates.flatMap((u) => u.attributes.mpReach!.nlri)).toEqual(prefixes.map((prefix) => ({ prefix })));
  });

  it('IPv6 with a few prefixes: MP_REACH_NLRI with a one-octet length', () => {
    const messages = packAnnouncements({ family: 6, attributes, nextHop: '2001:db8::1', prefixes: v6(2) }, DEFAULT_CONTEXT);
    expect(messages.length).toBe(1);
    expect(messages[0]![23]).toBe(0x80);
    expect(decodeAll(messages, DEFAULT_CONTEXT)[0]!.attributes.mpReach!.nlri.length).toBe(2);
  });

  it('no prefixes: no messages', () => {
    expect(packAnnouncements({ family: 4, attributes, nextHop: '192.0.2.1', prefixes: [] }, DEFAULT_CONTEXT)).toEqual([]);
  });
});

describe('packWithdrawals', () => {
  it('IPv4: the withdrawn routes field, no attributes', () => {
    const prefixes = v4(5000);
    const messages = packWithdrawals(4, prefixes, DEFAULT_CONTEXT);
    expectFull(messages, 4096, 5);
    const updates = decodeAll(messages, DEFAULT_CONTEXT);
    for (const u of updates) expect(u.attributes).toEqual({});
    expect(updates.flatMap((u) => u.withdrawn)).toEqual(prefixes.map((prefix) => ({ prefix })));
  });

  it('IPv6: MP_UNREACH_NLRI only', () => {
    const prefixes = v6(1000);
    const messages = packWithdrawals(6, prefixes, DEFAULT_CONTEXT);
    expectFull(messages, 4096, 17);
    const updates = decodeAll(messages, DEFAULT_CONTEXT);
    expect(updates.flatMap((u) => u.attributes.mpUnreach!.withdrawn)).toEqual(prefixes.map((prefix) => ({ prefix })));
  });
});

describe('encodeEndOfRib (RFC 4724 2)', () => {
  it('IPv4 and IPv6 markers decode as End-of-RIB of their family', () => {
    for (const afi of [1, 2]) {
      const [u] = decodeAll([encodeEndOfRib(afi, 1, DEFAULT_CONTEXT)], DEFAULT_CONTEXT);
      expect(endOfRibFamily(u!)).toEqual({ afi, safi: 1 });
    }
  });
  it('an UPDATE with routes is not an End-of-RIB', () => {
    const [m] = packWithdrawals(4, v4(1), DEFAULT_CONTEXT);
    expect(endOfRibFamily(decodeAll([m!], DEFAULT_CONTEXT)[0]!)).toBeUndefined();
  });
});
