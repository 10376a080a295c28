/**
 * Whole-message vectors: each case is checked for decode, encode, round trip, length and stream framing
 * (test/helpers/codec-cases.ts). Bytes are hand-built from RFC 4271 4, RFC 5492, RFC 4760, RFC 2545,
 * RFC 6793, RFC 7911, RFC 7313, RFC 9003 and RFC 9072 layouts, one comment per field.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../../src/lib/bytes.js';
import { parsePrefix } from '../../../../src/lib/address.js';
import { decodeMessage } from '../../../../src/wire/bgp/message.js';
import { Framer } from '../../../../src/wire/bgp/framer.js';
import { BgpError } from '../../../../src/wire/bgp/error.js';
import { codecCases, hex, messageCodec } from '../../../helpers/codec-cases.js';
import type { BgpMessage, CodecContext, OpenMessage } from '../../../../src/wire/bgp/types.js';

const MARKER = 'ffffffffffffffffffffffffffffffff';
const OLD_PEER: CodecContext = { fourOctetAs: false, extendedMessage: false, addPath: new Set() };
const ADD_PATH_V4: CodecContext = { fourOctetAs: true, extendedMessage: false, addPath: new Set(['1/1']) };
const p = parsePrefix;

const fullOpen: OpenMessage = {
  type: 'open', version: 4, myAs: 65001, holdTime: 90, bgpId: '192.0.2.1',
  capabilities: [
    { kind: 'multiprotocol', afi: 1, safi: 1 },
    { kind: 'multiprotocol', afi: 2, safi: 1 },
    { kind: 'route-refresh' },
    { kind: 'four-octet-as', asn: 65001 },
    { kind: 'extended-message' },
    { kind: 'graceful-restart', restarting: true, notification: false, restartTime: 120, families: [{ afi: 1, safi: 1, forwarding: true }] },
    { kind: 'add-path', families: [{ afi: 1, safi: 1, mode: 3 }] },
    { kind: 'enhanced-route-refresh' },
    { kind: 'fqdn', hostname: 'node1', domain: 'lab' },
    { kind: 'unknown', code: 128, value: new Uint8Array(0) },
  ],
};

/** 33 multiprotocol capabilities: 264 bytes of classic parameters, so RFC 9072's format is needed. */
const manyCaps: OpenMessage = {
  type: 'open', version: 4, myAs: 65001, holdTime: 0, bgpId: '10.0.0.1',
  capabilities: Array.from({ length: 33 }, (_, i) => ({ kind: 'multiprotocol' as const, afi: 1, safi: i + 1 })),
};
const manyCapsParams = Array.from({ length: 33 }, (_, i) => `02 0006 01 04 0001 00 ${(i + 1).toString(16).padStart(2, '0')}`).join(' ');

const communities70 = Array.from({ length: 70 }, (_, i) => 0xfde90000 + i);

const cases: { name: string; value: BgpMessage; bytes: Uint8Array; ctx?: CodecContext; decoded?: BgpMessage; decodeOnly?: boolean }[] = [
  {
    name: 'KEEPALIVE (RFC 4271 4.4)',
    value: { type: 'keepalive' },
    bytes: hex`${MARKER} // marker
      0013 // length 19
      04   // KEEPALIVE`,
  },
  {
    name: 'NOTIFICATION Hold Timer Expired',
    value: { type: 'notification', code: 4, subcode: 0, data: new Uint8Array(0) },
    bytes: hex`${MARKER} 0015 03 // header: length 21, NOTIFICATION
      04 // error code 4 Hold Timer Expired
      00 // subcode 0`,
  },
  {
    name: 'NOTIFICATION Cease / Administrative Shutdown with an RFC 9003 communication',
    value: { type: 'notification', code: 6, subcode: 2, data: fromHex('0b6d61696e74656e616e6365') },
    bytes: hex`${MARKER} 0021 03 // header: length 33, NOTIFICATION
      06 // Cease
      02 // Administrative Shutdown
      0b // communication length 11
      6d61696e74656e616e6365 // "maintenance"`,
  },
  {
    name: 'ROUTE-REFRESH request for IPv4 unicast (RFC 2918)',
    value: { type: 'route-refresh', afi: 1, safi: 1, subtype: 0 },
    bytes: hex`${MARKER} 0017 05 // header: length 23, ROUTE-REFRESH
      0001 // AFI IPv4
      00   // subtype 0: request (RFC 7313 3)
      01   // SAFI unicast`,
  },
  {
    name: 'ROUTE-REFRESH EoRR for IPv6 unicast (RFC 7313)',
    value: { type: 'route-refresh', afi: 2, safi: 1, subtype: 2 },
    bytes: hex`${MARKER} 0017 05 0002 // AFI IPv6
      02 // subtype 2: EoRR
      01`,
  },
  {
    name: 'OPEN with every modelled capability, one per optional parameter',
    value: fullOpen,
    bytes: hex`${MARKER} 0065 01 // header: length 101, OPEN
      04       // version 4
      fde9     // My AS 65001
      005a     // hold time 90
      c0000201 // BGP Identifier 192.0.2.1
      48       // optional parameters length 72
      02 06 01 04 0001 00 01 // capability 1 multiprotocol: AFI 1, reserved, SAFI 1
      02 06 01 04 0002 00 01 // multiprotocol IPv6 unicast
      02 02 02 00            // capability 2 route refresh
      02 06 41 04 0000fde9   // capability 65 4-octet AS 65001
      02 02 06 00            // capability 6 extended message
      02 08 40 06 8078 0001 01 80 // capability 64 graceful restart: R bit, 120 s; IPv4 unicast, F bit
      02 06 45 04 0001 01 03 // capability 69 ADD-PATH: IPv4 unicast, send and receive
      02 02 46 00            // capability 70 enhanced route refresh
      02 0c 49 0a 05 6e6f646531 03 6c6162 // capability 73 FQDN: "node1", "lab"
      02 02 80 00            // capability 128 (unknown here): kept raw`,
  },
  {
    name: 'OPEN whose parameters need the RFC 9072 extended length',
    value: manyCaps,
    bytes: hex`${MARKER} 0149 01 // header: length 329, OPEN
      04 fde9 0000 0a000001 // version, AS 65001, hold time 0, identifier 10.0.0.1
      ff   // Non-Ext OP Len 255
      ff   // Non-Ext OP Type 255: extended format follows
      0129 // Extended Opt. Parm. Length 297
      ${manyCapsParams} // 33 x (type 2, 2-octet length 6, multiprotocol AFI 1 SAFI n)`,
  },
  {
    name: 'OPEN in RFC 9072 format although short (another speaker may always use it)',
    value: { type: 'open', version: 4, myAs: 65002, holdTime: 3, bgpId: '10.0.0.2', capabilities: [{ kind: 'route-refresh' }] },
    bytes: hex`${MARKER} 0025 01 // length 37
      04 fdea 0003 0a000002 // version 4, AS 65002, hold 3, identifier 10.0.0.2
      ff ff 0005 // extended parameters, length 5
      02 0002 02 00 // capabilities parameter, 2-octet length 2: route refresh`,
    decodeOnly: true,
  },
  {
    name: 'UPDATE IPv4 with withdrawal, well-known and optional attributes, three prefixes',
    value: {
      type: 'update',
      withdrawn: [{ prefix: p('192.0.2.0/24') }],
      attributes: {
        origin: 0, asPath: [{ type: 2, asns: [65001, 65002] }], nextHop: '192.0.2.254', med: 100, localPref: 200,
        communities: [0xfde90064, 0xffffff01],
      },
      nlri: [{ prefix: p('10.1.1.1/32') }, { prefix: p('10.2.0.0/16') }, { prefix: p('0.0.0.0/0') }],
    },
    bytes: hex`${MARKER} 0055 02 // header: length 85, UPDATE
      0004 // withdrawn routes length
      18 c00002 // 192.0.2.0/24
      0031 // total path attribute length 49
      40 01 01 00 // ORIGIN IGP
      40 02 0a 02 02 0000fde9 0000fdea // AS_PATH: AS_SEQUENCE of 2, 4-octet: 65001 65002
      40 03 04 c00002fe // NEXT_HOP 192.0.2.254
      80 04 04 00000064 // MULTI_EXIT_DISC 100
      40 05 04 000000c8 // LOCAL_PREF 200
      c0 08 08 fde90064 ffffff01 // COMMUNITIES 65001:100, NO_EXPORT
      20 0a010101 // 10.1.1.1/32
      10 0a02     // 10.2.0.0/16
      00          // 0.0.0.0/0`,
  },
  {
    name: 'UPDATE IPv6: MP_REACH_NLRI with a link-local next hop (RFC 2545) and MP_UNREACH_NLRI',
    value: {
      type: 'update', withdrawn: [], nlri: [],
      attributes: {
        mpReach: {
          afi: 2, safi: 1, nextHop: '2001:db8::1', linkLocalNextHop: 'fe80::1',
          nlri: [{ prefix: p('2001:db8:1::1/128') }, { prefix: p('2001:db8:2::/64') }],
        },
        mpUnreach: { afi: 2, safi: 1, withdrawn: [{ prefix: p('2001:db8:3::/48') }] },
        origin: 2, asPath: [{ type: 2, asns: [65001] }],
      },
    },
    bytes: hex`${MARKER} 0073 02 // header: length 115, UPDATE
      0000 // no withdrawn routes
      005c // total path attribute length 92
      80 0e 3f // MP_REACH_NLRI, optional, length 63
        0002 01 // AFI IPv6, SAFI unicast
        20 // next hop length 32: global and link-local
        20010db8000000000000000000000001 // 2001:db8::1
        fe800000000000000000000000000001 // fe80::1
        00 // reserved
        80 20010db8000100000000000000000001 // 2001:db8:1::1/128
        40 20010db800020000 // 2001:db8:2::/64
      80 0f 0a // MP_UNREACH_NLRI, length 10
        0002 01 // AFI IPv6, SAFI unicast
        30 20010db80003 // 2001:db8:3::/48
      40 01 01 02 // ORIGIN INCOMPLETE
      40 02 06 02 01 0000fde9 // AS_PATH: AS_SEQUENCE 65001`,
  },
  {
    name: 'UPDATE to an OLD (2-octet) peer: AS_TRANS plus AS4_PATH and AS4_AGGREGATOR (RFC 6793 4.2.2)',
    ctx: OLD_PEER,
    value: {
      type: 'update', withdrawn: [],
      attributes: {
        origin: 0, asPath: [{ type: 2, asns: [65001, 4200000000] }], nextHop: '192.0.2.1',
        aggregator: { asn: 4200000001, address: '192.0.2.9' },
      },
      nlri: [{ prefix: p('10.0.0.0/24') }],
    },
    bytes: hex`${MARKER} 0050 02 // header: length 80, UPDATE
      0000 0035 // no withdrawn routes; attributes 53 bytes
      40 01 01 00 // ORIGIN IGP
      40 02 06 02 02 fde9 5ba0 // AS_PATH, 2-octet: 65001 AS_TRANS
      40 03 04 c0000201 // NEXT_HOP 192.0.2.1
      c0 07 06 5ba0 c0000209 // AGGREGATOR AS_TRANS 192.0.2.9
      c0 11 0a 02 02 0000fde9 fa56ea00 // AS4_PATH: 65001 4200000000
      c0 12 08 fa56ea01 c0000209 // AS4_AGGREGATOR 4200000001 192.0.2.9
      18 0a0000 // 10.0.0.0/24`,
  },
  {
    name: 'UPDATE with ADD-PATH path identifiers (RFC 7911 3) and an empty AS_PATH',
    ctx: ADD_PATH_V4,
    value: {
      type: 'update',
      withdrawn: [{ prefix: p('10.9.0.0/16'), pathId: 7 }],
      attributes: { origin: 0, asPath: [], nextHop: '10.0.0.254' },
      nlri: [{ prefix: p('10.0.0.1/32'), pathId: 1 }],
    },
    bytes: hex`${MARKER} 0035 02 // header: length 53
      0007 00000007 10 0a09 // withdrawn: path id 7, 10.9.0.0/16
      000e // attributes 14 bytes
      40 01 01 00 // ORIGIN IGP
      40 02 00 // AS_PATH empty (iBGP-originated)
      40 03 04 0a0000fe // NEXT_HOP 10.0.0.254
      00000001 20 0a000001 // path id 1, 10.0.0.1/32`,
  },
  {
    name: 'UPDATE with extended-length COMMUNITIES, extended and large communities, reflection and an unknown transitive attribute',
    value: {
      type: 'update', withdrawn: [],
      attributes: {
        origin: 0, asPath: [{ type: 1, asns: [65003, 65004] }], nextHop: '192.0.2.1', atomicAggregate: true,
        communities: communities70,
        originatorId: '10.0.0.7', clusterList: ['10.0.0.8', '10.0.0.9'],
        extendedCommunities: [
          { type: 0x40, subtype: 0x04, value: fromHex('fde94cee6b28') },
          { type: 0x00, subtype: 0x02, value: fromHex('fde900000064') },
        ],
        largeCommunities: [[65001, 1, 2]],
        unknown: [{ flags: 0xe0, code: 99, value: fromHex('abcd') }],
      },
      nlri: [{ prefix: p('10.0.0.0/8') }],
    },
    bytes: hex`${MARKER} 0189 02 // header: length 393
      0000 0170 // no withdrawn routes; attributes 368 bytes
      40 01 01 00 // ORIGIN IGP
      40 02 0a 01 02 0000fdeb 0000fdec // AS_PATH: AS_SET {65003 65004}
      40 03 04 c0000201 // NEXT_HOP
      40 06 00 // ATOMIC_AGGREGATE
      d0 08 0118 ${communities70.map((c) => c.toString(16)).join('')} // COMMUNITIES, Extended Length bit, 280 bytes
      80 09 04 0a000007 // ORIGINATOR_ID 10.0.0.7
      80 0a 08 0a000008 0a000009 // CLUSTER_LIST
      c0 10 10 // EXTENDED_COMMUNITIES, 2 x 8
        40 04 fde9 4cee6b28 // link bandwidth: non-transitive 2-octet AS, AS 65001, 125e6 bytes/s (1 Gbit/s)
        00 02 fde9 00000064 // route target 65001:100
      c0 20 0c 0000fde9 00000001 00000002 // LARGE_COMMUNITY 65001:1:2
      e0 63 02 abcd // type 99 unknown optional transitive, Partial set
      08 0a // 10.0.0.0/8`,
  },
  {
    name: 'UPDATE with an unknown optional transitive attribute received without Partial: kept with Partial set (RFC 4271 5)',
    decodeOnly: true,
    value: {
      type: 'update', withdrawn: [], nlri: [],
      attributes: { unknown: [{ flags: 0xe0, code: 99, value: fromHex('abcd') }] },
    },
    bytes: hex`${MARKER} 001c 02 0000 0005 // length 28; attributes 5 bytes
      c0 63 02 abcd // optional transitive, type 99`,
  },
  {
    name: 'UPDATE with an unknown optional non-transitive attribute: dropped (RFC 4271 5)',
    decodeOnly: true,
    value: { type: 'update', withdrawn: [], nlri: [], attributes: {} },
    bytes: hex`${MARKER} 001c 02 0000 0005 // length 28; attributes 5 bytes
      80 63 02 abcd // optional non-transitive, type 99`,
  },
  {
    name: 'UPDATE with attributes out of order: accepted (RFC 4271 5)',
    decodeOnly: true,
    value: { type: 'update', withdrawn: [], attributes: { origin: 0, asPath: [], nextHop: '10.0.0.1' }, nlri: [{ prefix: p('10.0.0.0/8') }] },
    bytes: hex`${MARKER} 0027 02 0000 000e // length 39; attributes 14 bytes
      40 03 04 0a000001 // NEXT_HOP 10.0.0.1
      40 02 00 // AS_PATH empty
      40 01 01 00 // ORIGIN IGP
      08 0a // 10.0.0.0/8`,
  },
  {
    name: 'End-of-RIB for IPv4 unicast (RFC 4724 2)',
    value: { type: 'update', withdrawn: [], attributes: {}, nlri: [] },
    bytes: hex`${MARKER} 0017 02 0000 0000 // length 23, nothing inside`,
  },
];

describe('BGP messages', () => {
  codecCases(messageCodec, cases);
});

// Captures from real speakers (BIRD, GoBGP) in test/fixtures/captures/*.hex, when present: the hex of a
// byte stream (whitespace and # comments ignored; one message per line or all in one), run through the
// framer and decoded with a 4-octet AS, extended message, no ADD-PATH context.
const CAPTURES = join(import.meta.dirname, '../../../fixtures/captures');
const captureFiles = existsSync(CAPTURES) ? readdirSync(CAPTURES).filter((f) => f.endsWith('.hex')) : [];
for (const file of captureFiles) {
  describe(`capture ${file}`, () => {
    it('frames and decodes every message without error', () => {
      const ctx: CodecContext = { fourOctetAs: true, extendedMessage: true, addPath: new Set() };
      const stream = fromHex(readFileSync(join(CAPTURES, file), 'utf8').replace(/#.*$/gm, ''));
      const framer = new Framer(ctx);
      const messages = framer.push(stream);
      expect(messages.length).toBeGreaterThan(0);
      expect(framer.buffered).toBe(0);
      for (const m of messages) expect(decodeMessage(m, ctx).errors).toEqual([]);
    });
  });
}

describe('decodeMessage', () => {
  it('rejects a buffer whose length differs from the header (1/2 with the length as data)', () => {
    const bytes = hex`${MARKER} 0013 04 00`;
    const err = (() => { try { decodeMessage(bytes, OLD_PEER); } catch (e) { return e; } return undefined; })();
    expect(err).toBeInstanceOf(BgpError);
    expect(err).toMatchObject({ code: 1, subcode: 2, data: Uint8Array.of(0, 0x13) });
  });
});
