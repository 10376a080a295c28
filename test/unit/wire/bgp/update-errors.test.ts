/**
 * RFC 7606 error handling of UPDATE messages: one case per rule, with the action it must produce,
 * the NOTIFICATION code/subcode/data RFC 4271 6.3 gives it, and what happens to the routes.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../../src/lib/bytes.js';
import { parsePrefix } from '../../../../src/lib/address.js';
import { decodeMessage } from '../../../../src/wire/bgp/message.js';
import type { DecodedMessage } from '../../../../src/wire/bgp/message.js';
import { BgpError } from '../../../../src/wire/bgp/error.js';
import type { ErrorAction } from '../../../../src/wire/bgp/error.js';
import { DEFAULT_CONTEXT } from '../../../../src/wire/bgp/types.js';
import type { CodecContext, UpdateMessage } from '../../../../src/wire/bgp/types.js';

const OLD_PEER: CodecContext = { fourOctetAs: false, extendedMessage: false, addPath: new Set() };
const ORIGIN = '40 01 01 00';
const AS_PATH = '40 02 06 02 01 0000fde9';
const NEXT_HOP = '40 03 04 c0000201';
const BASE = `${ORIGIN} ${AS_PATH} ${NEXT_HOP}`;
const NLRI = '18 0a0000'; // 10.0.0.0/24

/** An UPDATE around hex fields, with the lengths computed. */
function update(attrs: string, nlri = NLRI, withdrawn = ''): Uint8Array {
  const w = fromHex(withdrawn); const a = fromHex(attrs); const n = fromHex(nlri);
  const len = 19 + 2 + w.length + 2 + a.length + n.length;
  const out = new Uint8Array(len);
  out.fill(0xff, 0, 16);
  out.set([len >> 8, len & 0xff, 2], 16);
  out.set([w.length >> 8, w.length & 0xff], 19); out.set(w, 21);
  out.set([a.length >> 8, a.length & 0xff], 21 + w.length); out.set(a, 23 + w.length);
  out.set(n, 23 + w.length + a.length);
  return out;
}

function decode(bytes: Uint8Array, ctx: CodecContext = DEFAULT_CONTEXT): DecodedMessage & { update: UpdateMessage } {
  const d = decodeMessage(bytes, ctx);
  if (d.message.type !== 'update') throw new Error('not an UPDATE');
  return { ...d, update: d.message };
}

function thrown(f: () => unknown): BgpError {
  try { f(); } catch (e) { if (e instanceof BgpError) return e; throw e; }
  throw new Error('nothing thrown');
}

interface Case {
  readonly name: string;
  readonly attrs: string;
  readonly nlri?: string;
  readonly ctx?: CodecContext;
  readonly subcode: number;
  readonly action: ErrorAction;
  /** Hex of the NOTIFICATION data; by default the erroneous attribute itself (RFC 4271 6.3). */
  readonly data?: string;
  readonly bad?: string;
}

// Each case: the attribute list, with `bad` standing for the erroneous attribute.
const collected: Case[] = [
  // treat-as-withdraw (RFC 7606 2, 7.x)
  { name: 'ORIGIN of length 2 (7.1)', bad: '40 01 02 0000', attrs: `BAD ${AS_PATH} ${NEXT_HOP}`, subcode: 5, action: 'treat-as-withdraw' },
  { name: 'ORIGIN with an undefined value (7.1)', bad: '40 01 01 03', attrs: `BAD ${AS_PATH} ${NEXT_HOP}`, subcode: 6, action: 'treat-as-withdraw' },
  { name: 'AS_PATH segment overrunning the attribute (7.2)', bad: '40 02 06 02 02 0000fde9', attrs: `${ORIGIN} BAD ${NEXT_HOP}`, subcode: 11, action: 'treat-as-withdraw' },
  { name: 'AS_PATH segment of length 0 (7.2)', bad: '40 02 02 02 00', attrs: `${ORIGIN} BAD ${NEXT_HOP}`, subcode: 11, action: 'treat-as-withdraw' },
  { name: 'AS_PATH with an unknown segment type (7.2)', bad: '40 02 06 05 01 0000fde9', attrs: `${ORIGIN} BAD ${NEXT_HOP}`, subcode: 11, action: 'treat-as-withdraw' },
  { name: 'AS_PATH with a single octet left over (7.2)', bad: '40 02 07 02 01 0000fde9 02', attrs: `${ORIGIN} BAD ${NEXT_HOP}`, subcode: 11, action: 'treat-as-withdraw' },
  { name: 'AS_PATH holding AS 0 (RFC 7607)', bad: '40 02 06 02 01 00000000', attrs: `${ORIGIN} BAD ${NEXT_HOP}`, subcode: 11, action: 'treat-as-withdraw' },
  { name: 'NEXT_HOP of length 5 (7.3)', bad: '40 03 05 c000020100', attrs: `${ORIGIN} ${AS_PATH} BAD`, subcode: 5, action: 'treat-as-withdraw' },
  { name: 'NEXT_HOP 0.0.0.0 (7.3, semantically incorrect)', bad: '40 03 04 00000000', attrs: `${ORIGIN} ${AS_PATH} BAD`, subcode: 8, action: 'treat-as-withdraw' },
  { name: 'NEXT_HOP multicast 224.0.0.5 (7.3)', bad: '40 03 04 e0000005', attrs: `${ORIGIN} ${AS_PATH} BAD`, subcode: 8, action: 'treat-as-withdraw' },
  { name: 'MULTI_EXIT_DISC of length 3 (7.4)', bad: '80 04 03 000001', attrs: `${BASE} BAD`, subcode: 5, action: 'treat-as-withdraw' },
  { name: 'LOCAL_PREF of length 2 (7.5)', bad: '40 05 02 0064', attrs: `${BASE} BAD`, subcode: 5, action: 'treat-as-withdraw' },
  { name: 'COMMUNITIES of length 0 (7.8)', bad: 'c0 08 00', attrs: `${BASE} BAD`, subcode: 5, action: 'treat-as-withdraw' },
  { name: 'COMMUNITIES of length 6 (7.8)', bad: 'c0 08 06 fde900640000', attrs: `${BASE} BAD`, subcode: 5, action: 'treat-as-withdraw' },
  { name: 'ORIGINATOR_ID of length 5 (7.9)', bad: '80 09 05 0a00000100', attrs: `${BASE} BAD`, subcode: 5, action: 'treat-as-withdraw' },
  { name: 'CLUSTER_LIST of length 0 (7.10)', bad: '80 0a 00', attrs: `${BASE} BAD`, subcode: 5, action: 'treat-as-withdraw' },
  { name: 'CLUSTER_LIST of length 6 (7.10)', bad: '80 0a 06 0a0000010a00', attrs: `${BASE} BAD`, subcode: 5, action: 'treat-as-withdraw' },
  { name: 'EXTENDED_COMMUNITIES of length 12 (7.14)', bad: 'c0 10 0c 0002fde900000064 00000000', attrs: `${BASE} BAD`, subcode: 5, action: 'treat-as-withdraw' },
  { name: 'LARGE_COMMUNITY of length 8 (RFC 8092 6)', bad: 'c0 20 08 0000fde900000001', attrs: `${BASE} BAD`, subcode: 5, action: 'treat-as-withdraw' },
  { name: 'ORIGIN with the Optional bit (3.c, flags)', bad: 'c0 01 01 00', attrs: `BAD ${AS_PATH} ${NEXT_HOP}`, subcode: 4, action: 'treat-as-withdraw' },
  { name: 'MULTI_EXIT_DISC with the Transitive bit (3.c, flags)', bad: 'c0 04 04 00000001', attrs: `${BASE} BAD`, subcode: 4, action: 'treat-as-withdraw' },
  { name: 'missing ORIGIN with NLRI present (3.d)', attrs: `${AS_PATH} ${NEXT_HOP}`, subcode: 3, action: 'treat-as-withdraw', data: '01' },
  { name: 'missing AS_PATH with NLRI present (3.d)', attrs: `${ORIGIN} ${NEXT_HOP}`, subcode: 3, action: 'treat-as-withdraw', data: '02' },
  { name: 'missing NEXT_HOP with classic NLRI present (3.d)', attrs: `${ORIGIN} ${AS_PATH}`, subcode: 3, action: 'treat-as-withdraw', data: '03' },
  { name: 'an attribute overrunning the attribute list (section 4)', attrs: `${BASE} c0 08 08 fde90064`, subcode: 1, action: 'treat-as-withdraw', data: '' },
  { name: 'fewer than three octets left in the attribute list (section 4)', attrs: `${BASE} c0 08`, subcode: 1, action: 'treat-as-withdraw', data: '' },
  // attribute-discard
  { name: 'ATOMIC_AGGREGATE of length 1 (7.6)', bad: '40 06 01 00', attrs: `${BASE} BAD`, subcode: 5, action: 'attribute-discard' },
  { name: 'AGGREGATOR of length 7 with 4-octet AS (7.7)', bad: 'c0 07 07 0000fde9 c00002', attrs: `${BASE} BAD`, subcode: 5, action: 'attribute-discard' },
  { name: 'AGGREGATOR of length 8 from a 2-octet peer (7.7)', bad: 'c0 07 08 0000fde9 c0000201', attrs: `${ORIGIN} 40 02 04 02 01 fde9 ${NEXT_HOP} BAD`, ctx: OLD_PEER, subcode: 5, action: 'attribute-discard' },
  { name: 'AGGREGATOR with AS 0 (RFC 7607)', bad: 'c0 07 08 00000000 c0000201', attrs: `${BASE} BAD`, subcode: 9, action: 'attribute-discard' },
  { name: 'a repeated ORIGIN: the repeat is discarded (3.g)', bad: '40 01 01 02', attrs: `${BASE} BAD`, subcode: 1, action: 'attribute-discard' },
  { name: 'AS4_PATH from an OLD peer with a confederation segment (RFC 6793 6)', bad: 'c0 11 06 03 01 0000fde9', attrs: `${ORIGIN} 40 02 04 02 01 fde9 ${NEXT_HOP} BAD`, ctx: OLD_PEER, subcode: 9, action: 'attribute-discard' },
  { name: 'AS4_AGGREGATOR of length 6 from an OLD peer', bad: 'c0 12 06 fde9 c0000201', attrs: `${ORIGIN} 40 02 04 02 01 fde9 ${NEXT_HOP} BAD`, ctx: OLD_PEER, subcode: 5, action: 'attribute-discard' },
];

describe('RFC 7606: errors collected with their action', () => {
  for (const c of collected) {
    it(`${c.name}: ${c.action}`, () => {
      const attrs = c.attrs.replace('BAD', c.bad ?? '');
      const d = decode(update(attrs, c.nlri), c.ctx);
      expect(d.errors).toHaveLength(1);
      const e = d.errors[0]!;
      expect(e).toBeInstanceOf(BgpError);
      expect({ code: e.code, subcode: e.subcode, action: e.action }).toEqual({ code: 3, subcode: c.subcode, action: c.action });
      expect(toHex(e.data)).toBe(toHex(fromHex(c.data ?? c.bad ?? '')));
      expect(d.action).toBe(c.action);
      expect(d.withdrawAll).toBe(c.action === 'treat-as-withdraw');
      expect(d.disabledFamilies).toEqual([]);
      // the NLRI is always located (by the Total Path Attribute Length), whatever the attribute error;
      // on treat-as-withdraw it comes back as a withdrawal, with no attributes left
      const route = [{ prefix: parsePrefix('10.0.0.0/24') }];
      if (c.action === 'treat-as-withdraw') expect(d.update).toEqual({ type: 'update', withdrawn: route, attributes: {}, nlri: [] });
      else expect(d.update.nlri).toEqual(route);
    });
  }

  it('attribute-discard leaves the other attributes and the announcement in place', () => {
    const d = decode(update(`${BASE} 40 06 01 00 40 01 01 02`));
    expect(d.update.attributes).toEqual({ origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '192.0.2.1' });
    expect(d.withdrawAll).toBe(false);
  });

  it('a well-formed UPDATE with no NLRI needs no mandatory attributes (3.d applies to announcements only)', () => {
    const d = decode(update('', '', '18 0a0000'));
    expect(d.errors).toEqual([]);
    expect(d.update.withdrawn).toEqual([{ prefix: parsePrefix('10.0.0.0/24') }]);
  });

  it('MP_REACH_NLRI alone does not need NEXT_HOP (RFC 4760 3)', () => {
    const mp = '80 0e 1c 0002 01 10 20010db8000000000000000000000001 00 30 20010db80001';
    const d = decode(update(`${mp} ${ORIGIN} ${AS_PATH}`, ''));
    expect(d.errors).toEqual([]);
    expect(d.update.attributes.mpReach?.nlri).toEqual([{ prefix: parsePrefix('2001:db8:1::/48') }]);
  });

  it('AS4_PATH from a NEW peer is discarded silently (RFC 6793 4.1)', () => {
    const d = decode(update(`${BASE} c0 11 06 02 01 fa56ea00`));
    expect(d.errors).toEqual([]);
    expect(d.update.attributes.asPath).toEqual([{ type: 2, asns: [65001] }]);
  });

  it('a Partial bit on a well-known attribute is tolerated (3.c judges the Optional and Transitive bits only)', () => {
    const d = decode(update(`${ORIGIN} ${AS_PATH} 60 03 04 c0000201`));
    expect(d.errors).toEqual([]);
    expect(d.update.attributes.nextHop).toBe('192.0.2.1');
  });
});

describe('RFC 7606: AFI/SAFI disable (7.11, RFC 4760 7)', () => {
  const cases: { name: string; attr: string; family: { afi: number; safi: number }; subcode?: number }[] = [
    { name: 'MP_REACH_NLRI with an IPv6 next hop length of 5', attr: '80 0e 11 0002 01 05 2001db8000 00 30 20010db80001', family: { afi: 2, safi: 1 } },
    { name: 'MP_REACH_NLRI whose next hop length overruns the attribute', attr: '80 0e 08 0002 01 10 20010db8', family: { afi: 2, safi: 1 } },
    { name: 'MP_REACH_NLRI with a /129 prefix', attr: '80 0e 27 0002 01 10 20010db8000000000000000000000001 00 81 20010db8000100000000000000000000 00', family: { afi: 2, safi: 1 } },
    { name: 'MP_UNREACH_NLRI with a truncated prefix', attr: '80 0f 06 0002 01 30 2001', family: { afi: 2, safi: 1 } },
    { name: 'MP_REACH_NLRI for an unsupported SAFI', attr: '80 0e 0d 0001 80 04 c0000201 00 18 0a0000', family: { afi: 1, safi: 128 } },
    { name: 'MP_REACH_NLRI marked transitive (flags, RFC 4760 7)', attr: 'c0 0e 1c 0002 01 10 20010db8000000000000000000000001 00 30 20010db80001', family: { afi: 2, safi: 1 }, subcode: 4 },
    { name: 'MP_UNREACH_NLRI marked well-known (flags, RFC 4760 7)', attr: '40 0f 03 0002 01', family: { afi: 2, safi: 1 }, subcode: 4 },
  ];
  for (const c of cases) {
    it(`${c.name}: the family is disabled, the classic NLRI stay announced`, () => {
      const d = decode(update(`${c.attr} ${BASE}`));
      expect(d.errors.map((e) => [e.code, e.subcode, e.action, toHex(e.data)])).toEqual([[3, c.subcode ?? 9, 'afisafi-disable', toHex(fromHex(c.attr))]]);
      expect(d.action).toBe('afisafi-disable');
      expect(d.disabledFamilies).toEqual([c.family]);
      expect(d.withdrawAll).toBe(false);
      expect(d.update.attributes.mpReach).toBeUndefined();
      expect(d.update.nlri).toEqual([{ prefix: parsePrefix('10.0.0.0/24') }]);
    });
  }

  it('MP_REACH_NLRI overrunning the attribute list: its NLRI cannot be found, the family is disabled (section 4)', () => {
    const d = decode(update(`${BASE} 80 0e 20 0002 01 10 20010db8000000000000000000000001 00`));
    expect(d.errors.map((e) => [e.subcode, e.action])).toEqual([[1, 'afisafi-disable']]);
    expect(d.disabledFamilies).toEqual([{ afi: 2, safi: 1 }]);
    expect(d.update.nlri).toEqual([{ prefix: parsePrefix('10.0.0.0/24') }]);
  });

  it('with a treat-as-withdraw error as well, the strongest action is reported and the NLRI are withdrawn (3.h)', () => {
    const d = decode(update(`80 0f 06 0002 01 30 2001 ${BASE} 80 04 03 000001`));
    expect(d.action).toBe('afisafi-disable');
    expect(d.withdrawAll).toBe(true);
    expect(d.errors.map((e) => e.action).sort()).toEqual(['afisafi-disable', 'treat-as-withdraw']);
    expect(d.update).toEqual({ type: 'update', withdrawn: [{ prefix: parsePrefix('10.0.0.0/24') }], attributes: {}, nlri: [] });
  });

  it('IPv4 unicast disabled through MP_REACH_NLRI: the classic NLRI and withdrawals of the UPDATE go too', () => {
    const d = decode(update(`80 0e 0e 0001 01 05 c000020100 00 18 0a0001 ${BASE}`, NLRI, '18 0a0009'));
    expect(d.disabledFamilies).toEqual([{ afi: 1, safi: 1 }]);
    expect(d.update.nlri).toEqual([]);
    expect(d.update.withdrawn).toEqual([]);
  });
});

describe('RFC 7606: treat-as-withdraw turns every announcement into a withdrawal', () => {
  it('IPv6 MP_REACH_NLRI prefixes join the MP_UNREACH_NLRI ones; the classic withdrawals stay', () => {
    const reach = '80 0e 1c 0002 01 10 20010db8000000000000000000000001 00 30 20010db80001';
    const unreach = '80 0f 0a 0002 01 30 20010db80002';
    const d = decode(update(`${reach} ${unreach} ${ORIGIN} 40 02 02 02 00`, '', '18 0a0009'));
    expect(d.withdrawAll).toBe(true);
    expect(d.update).toEqual({
      type: 'update', nlri: [], withdrawn: [{ prefix: parsePrefix('10.0.9.0/24') }],
      attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: [{ prefix: parsePrefix('2001:db8:2::/48') }, { prefix: parsePrefix('2001:db8:1::/48') }] } },
    });
  });

  it('IPv4 unicast in MP_REACH_NLRI joins the classic withdrawn routes', () => {
    const d = decode(update(`80 0e 0d 0001 01 04 c0000201 00 18 0a0001 ${ORIGIN} 40 02 02 02 00`, NLRI));
    expect(d.update).toEqual({
      type: 'update', nlri: [], attributes: {},
      withdrawn: [{ prefix: parsePrefix('10.0.0.0/24') }, { prefix: parsePrefix('10.0.1.0/24') }],
    });
  });
});

describe('RFC 7606: session reset (thrown)', () => {
  const cases: { name: string; bytes: Uint8Array; subcode: number; data?: string }[] = [
    { name: 'a repeated MP_REACH_NLRI (3.g)', subcode: 1,
      bytes: update(`80 0e 0d 0001 01 04 c0000201 00 18 0a0000 80 0e 0d 0001 01 04 c0000201 00 18 0a0001 ${ORIGIN} ${AS_PATH}`, '') },
    { name: 'a repeated MP_UNREACH_NLRI (3.g)', subcode: 1, bytes: update('80 0f 03 0002 01 80 0f 03 0002 01', '') },
    { name: 'MP_UNREACH_NLRI overrunning the attribute list before its family (section 4)', subcode: 1, bytes: update('80 0f 09 0002', '') },
    { name: 'MP_REACH_NLRI too short to name its family (7.11)', subcode: 9, bytes: update(`80 0e 03 000201 ${BASE}`), data: '800e03000201' },
    { name: 'MP_UNREACH_NLRI with wrong flags, too short to name its family', subcode: 4, bytes: update('c0 0f 02 0002', ''), data: 'c00f020002' },
    { name: 'an unrecognized well-known attribute (RFC 4271 6.3)', subcode: 2, bytes: update(`${BASE} 40 63 01 00`), data: '40630100' },
    { name: 'withdrawn routes length overrunning the message (section 4)', subcode: 1, bytes: fromHex('ffffffffffffffffffffffffffffffff0017020003 0000'.replace(' ', '')) },
    { name: 'total path attribute length overrunning the message (section 4)', subcode: 1, bytes: fromHex('ffffffffffffffffffffffffffffffff001a02 0000 0009 400101'.replaceAll(' ', '')) },
    { name: 'an NLRI prefix of length 33 (5.3)', subcode: 10, bytes: update(BASE, '21 0a000001 00') },
    { name: 'an NLRI prefix running past the message (5.3)', subcode: 10, bytes: update(BASE, '20 0a00') },
    { name: 'a withdrawn prefix running past its field (5.3)', subcode: 10, bytes: update('', '', '18 0a00') },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const e = thrown(() => decodeMessage(c.bytes, DEFAULT_CONTEXT));
      expect({ code: e.code, subcode: e.subcode, action: e.action }).toEqual({ code: 3, subcode: c.subcode, action: 'session-reset' });
      if (c.data !== undefined) expect(toHex(e.data)).toBe(c.data);
    });
  }
});
