/**
 * Bytes captured from real speakers talking to this codec (an ad-hoc probe on loopback / a private
 * namespace): GoBGP 3.10 and BIRD 2.0.12, Debian packages. Decode-only cases (other speakers lay out
 * parameters and attributes their own way), each with the framing tests of codec-cases.
 */
import { describe } from 'vitest';
import { fromHex } from '../../../../src/lib/bytes.js';
import { parsePrefix } from '../../../../src/lib/address.js';
import { codecCases, hex, messageCodec } from '../../../helpers/codec-cases.js';
import type { CodecContext } from '../../../../src/wire/bgp/types.js';

const M = 'ffffffffffffffffffffffffffffffff';
const GOBGP_RX: CodecContext = { fourOctetAs: true, extendedMessage: false, addPath: new Set(['1/1']) };
const BIRD_RX: CodecContext = { fourOctetAs: true, extendedMessage: true, addPath: new Set(['1/1']) };
const p = parsePrefix;

describe('GoBGP 3.10', () => {
  codecCases(messageCodec, [
    {
      name: 'OPEN: all capabilities in one parameter, FQDN, extended next hop (kept raw)',
      decodeOnly: true,
      value: {
        type: 'open', version: 4, myAs: 65001, holdTime: 30, bgpId: '10.0.0.2', capabilities: [
          { kind: 'route-refresh' }, { kind: 'fqdn', hostname: 'vm', domain: '' },
          { kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'multiprotocol', afi: 2, safi: 1 },
          { kind: 'four-octet-as', asn: 65001 }, { kind: 'unknown', code: 5, value: fromHex('000100010002') },
          { kind: 'add-path', families: [{ afi: 1, safi: 1, mode: 3 }] },
        ],
      },
      bytes: hex`${M} 0047 01 04 fde9 001e 0a000002 // OPEN, AS 65001, hold 30, id 10.0.0.2
        2a 02 28 // parameters 42: one capabilities parameter of 40
        02 00 // route refresh
        49 04 02 766d 00 // FQDN "vm", empty domain
        01 04 0001 00 01 // multiprotocol IPv4 unicast
        01 04 0002 00 01 // multiprotocol IPv6 unicast
        41 04 0000fde9 // 4-octet AS 65001
        05 06 0001 0001 0002 // extended next hop (RFC 8950): IPv4 unicast over IPv6
        45 04 0001 01 03 // ADD-PATH IPv4 unicast, both`,
    },
    {
      name: 'UPDATE with ADD-PATH, MED, communities and a large community',
      ctx: GOBGP_RX,
      decodeOnly: true,
      value: {
        type: 'update', withdrawn: [], nlri: [{ prefix: p('10.99.0.0/24'), pathId: 1 }],
        attributes: {
          origin: 2, asPath: [{ type: 2, asns: [65001] }], nextHop: '127.0.0.1', med: 10, communities: [0xfde90007],
          largeCommunities: [[4200000000, 5, 6]],
        },
      },
      bytes: hex`${M} 0050 02 0000 0031
        40 01 01 02 // ORIGIN INCOMPLETE
        40 02 06 02 01 0000fde9 // AS_PATH 65001
        40 03 04 7f000001 // NEXT_HOP 127.0.0.1
        80 04 04 0000000a // MED 10
        c0 08 04 fde90007 // COMMUNITIES 65001:7
        c0 20 0c fa56ea00 00000005 00000006 // LARGE_COMMUNITY 4200000000:5:6
        00000001 18 0a6300 // path id 1, 10.99.0.0/24`,
    },
    {
      name: 'UPDATE IPv6 over an IPv4 session: MP_REACH_NLRI after ORIGIN and AS_PATH, IPv4-mapped next hop',
      ctx: GOBGP_RX,
      decodeOnly: true,
      value: {
        type: 'update', withdrawn: [], nlri: [],
        attributes: {
          origin: 2, asPath: [{ type: 2, asns: [65001] }],
          mpReach: { afi: 2, safi: 1, nextHop: '::ffff:7f00:1', nlri: [{ prefix: p('2001:db8:99::/48') }] },
        },
      },
      bytes: hex`${M} 0043 02 0000 002c
        40 01 01 02 40 02 06 02 01 0000fde9 // ORIGIN, AS_PATH
        80 0e 1c 0002 01 10 00000000000000000000ffff7f000001 00 // MP_REACH_NLRI IPv6, next hop ::ffff:127.0.0.1
        30 20010db80099 // 2001:db8:99::/48`,
    },
    {
      name: 'UPDATE withdrawing with a path identifier',
      ctx: GOBGP_RX,
      value: { type: 'update', withdrawn: [{ prefix: p('10.99.0.0/24'), pathId: 1 }], attributes: {}, nlri: [] },
      bytes: hex`${M} 001f 02 0008 00000001 18 0a6300 0000 // withdrawn: path id 1, 10.99.0.0/24; no attributes`,
    },
    {
      name: 'NOTIFICATION Cease / Administrative Shutdown with "bye from gobgp" (RFC 9003)',
      value: { type: 'notification', code: 6, subcode: 2, data: fromHex('0e6279652066726f6d20676f626770') },
      bytes: hex`${M} 0024 03 06 02 0e 6279652066726f6d20676f626770`,
    },
  ]);
});

describe('BIRD 2.0.12', () => {
  codecCases(messageCodec, [
    {
      name: 'OPEN: extended message, graceful restart without families, long-lived GR (kept raw)',
      decodeOnly: true,
      value: {
        type: 'open', version: 4, myAs: 65002, holdTime: 240, bgpId: '10.0.0.3', capabilities: [
          { kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'multiprotocol', afi: 2, safi: 1 }, { kind: 'route-refresh' },
          { kind: 'extended-message' },
          { kind: 'graceful-restart', restarting: false, notification: false, restartTime: 120, families: [] },
          { kind: 'four-octet-as', asn: 65002 }, { kind: 'add-path', families: [{ afi: 1, safi: 1, mode: 3 }] },
          { kind: 'enhanced-route-refresh' }, { kind: 'unknown', code: 71, value: new Uint8Array(0) },
        ],
      },
      bytes: hex`${M} 0043 01 04 fdea 00f0 0a000003 // OPEN, AS 65002, hold 240, id 10.0.0.3
        26 02 24 // parameters 38: one capabilities parameter of 36
        01 04 0001 00 01  01 04 0002 00 01 // multiprotocol IPv4, IPv6 unicast
        02 00  06 00 // route refresh, extended message
        40 02 0078 // graceful restart: no flags, 120 s, no families
        41 04 0000fdea // 4-octet AS 65002
        45 04 0001 01 03 // ADD-PATH IPv4 unicast, both
        46 00  47 00 // enhanced route refresh; long-lived graceful restart (71)`,
    },
    {
      name: 'UPDATE with two ADD-PATH prefixes',
      ctx: BIRD_RX,
      value: {
        type: 'update', withdrawn: [],
        attributes: { origin: 0, asPath: [{ type: 2, asns: [65002] }], nextHop: '192.0.2.11' },
        nlri: [{ prefix: p('10.88.0.0/24'), pathId: 2 }, { prefix: p('10.88.1.0/24'), pathId: 2 }],
      },
      bytes: hex`${M} 003b 02 0000 0014
        40 01 01 00  40 02 06 02 01 0000fdea  40 03 04 c000020b // ORIGIN IGP, AS_PATH 65002, NEXT_HOP 192.0.2.11
        00000002 18 0a5800  00000002 18 0a5801 // path id 2: 10.88.0.0/24, 10.88.1.0/24`,
    },
    {
      name: 'UPDATE IPv6 with MP_REACH_NLRI in extended-length form although short',
      ctx: BIRD_RX,
      decodeOnly: true,
      value: {
        type: 'update', withdrawn: [], nlri: [],
        attributes: {
          mpReach: { afi: 2, safi: 1, nextHop: '2001:db8::5', nlri: [{ prefix: p('2001:db8:88::/48') }] },
          origin: 0, asPath: [{ type: 2, asns: [65002] }],
        },
      },
      bytes: hex`${M} 0044 02 0000 002d
        90 0e 001c 0002 01 10 20010db8000000000000000000000005 00 30 20010db80088 // MP_REACH_NLRI, Extended Length
        40 01 01 00  40 02 06 02 01 0000fdea // ORIGIN, AS_PATH`,
    },
    {
      name: 'End-of-RIB IPv6 (RFC 4724 2)',
      value: { type: 'update', withdrawn: [], nlri: [], attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: [] } } },
      bytes: hex`${M} 001d 02 0000 0006 80 0f 03 0002 01`,
    },
    {
      name: 'NOTIFICATION Cease / Administrative Shutdown without a communication',
      value: { type: 'notification', code: 6, subcode: 2, data: new Uint8Array(0) },
      bytes: hex`${M} 0015 03 06 02`,
    },
  ]);
});
