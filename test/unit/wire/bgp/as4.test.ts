/**
 * RFC 6793 4.2: a NEW speaker's 4-octet paths as seen by an OLD (2-octet) peer, and the reconciliation
 * of AS_PATH / AS4_PATH and AGGREGATOR / AS4_AGGREGATOR received from one.
 */
import { describe, expect, it } from 'vitest';
import { Reader, fromHex, toHex } from '../../../../src/lib/bytes.js';
import { decodeAttributes, encodeAttributes } from '../../../../src/wire/bgp/attributes.js';
import { encodeAsPath, mergeAs4Path } from '../../../../src/wire/bgp/as-path.js';
import { AS_TRANS } from '../../../../src/wire/bgp/types.js';
import type { AsPathSegment, CodecContext, PathAttributes } from '../../../../src/wire/bgp/types.js';

const OLD_PEER: CodecContext = { fourOctetAs: false, extendedMessage: false, addPath: new Set() };
const SET = 1, SEQ = 2, CONFED_SEQ = 3;
const BIG = 4200000000;

function decodeOld(attrsHex: string): PathAttributes {
  const bytes = fromHex(attrsHex);
  const d = decodeAttributes(new Reader(bytes), bytes.length, OLD_PEER);
  expect(d.errors).toEqual([]);
  return d.attributes;
}

describe('mergeAs4Path (RFC 6793 4.2.3)', () => {
  const cases: { name: string; asPath: AsPathSegment[]; as4Path: AsPathSegment[]; want: AsPathSegment[] }[] = [
    { name: 'same count: AS4_PATH is the path',
      asPath: [{ type: SEQ, asns: [65001, AS_TRANS, 65002] }], as4Path: [{ type: SEQ, asns: [65001, BIG, 65002] }],
      want: [{ type: SEQ, asns: [65001, BIG, 65002] }] },
    { name: 'an OLD speaker prepended: its AS is taken from AS_PATH and joined to the sequence',
      asPath: [{ type: SEQ, asns: [100, 65001, AS_TRANS] }], as4Path: [{ type: SEQ, asns: [65001, BIG] }],
      want: [{ type: SEQ, asns: [100, 65001, BIG] }] },
    { name: 'AS_PATH shorter than AS4_PATH: AS4_PATH is ignored',
      asPath: [{ type: SEQ, asns: [65001] }], as4Path: [{ type: SEQ, asns: [1, 2] }],
      want: [{ type: SEQ, asns: [65001] }] },
    { name: 'a leading confederation segment is kept',
      asPath: [{ type: CONFED_SEQ, asns: [64512] }, { type: SEQ, asns: [65001, AS_TRANS] }], as4Path: [{ type: SEQ, asns: [65001, BIG] }],
      want: [{ type: CONFED_SEQ, asns: [64512] }, { type: SEQ, asns: [65001, BIG] }] },
    { name: 'an AS_SET counts as one AS',
      asPath: [{ type: SEQ, asns: [100] }, { type: SET, asns: [200, 300] }, { type: SEQ, asns: [65001, AS_TRANS] }],
      as4Path: [{ type: SEQ, asns: [65001, BIG] }],
      want: [{ type: SEQ, asns: [100] }, { type: SET, asns: [200, 300] }, { type: SEQ, asns: [65001, BIG] }] },
  ];
  for (const c of cases) it(c.name, () => { expect(mergeAs4Path(c.asPath, c.as4Path)).toEqual(c.want); });
});

describe('decoding from an OLD peer', () => {
  const base = '40 01 01 00 40 03 04 c0000201';
  it('AS_TRANS in AS_PATH is replaced from AS4_PATH', () => {
    const a = decodeOld(`${base} 40 02 06 02 02 0064 5ba0 c0 11 0a 02 02 00000064 fa56ea00`);
    expect(a.asPath).toEqual([{ type: SEQ, asns: [100, BIG] }]);
  });
  it('AGGREGATOR AS_TRANS takes AS4_AGGREGATOR', () => {
    const a = decodeOld(`${base} 40 02 04 02 01 5ba0 c0 07 06 5ba0 c0000209 c0 11 06 02 01 fa56ea00 c0 12 08 fa56ea01 c0000209`);
    expect(a.aggregator).toEqual({ asn: BIG + 1, address: '192.0.2.9' });
    expect(a.asPath).toEqual([{ type: SEQ, asns: [BIG] }]);
  });
  it('AGGREGATOR with a real AS: AS4_AGGREGATOR and AS4_PATH are both ignored', () => {
    const a = decodeOld(`${base} 40 02 04 02 01 5ba0 c0 07 06 fde9 c0000209 c0 11 06 02 01 fa56ea00 c0 12 08 fa56ea01 c0000209`);
    expect(a.aggregator).toEqual({ asn: 65001, address: '192.0.2.9' });
    expect(a.asPath).toEqual([{ type: SEQ, asns: [AS_TRANS] }]);
  });
});

describe('encoding for an OLD peer (RFC 6793 4.2.2)', () => {
  it('a path of 2-octet AS numbers needs no AS4_PATH', () => {
    const bytes = encodeAttributes({ asPath: [{ type: SEQ, asns: [65001, 65002] }] }, OLD_PEER);
    expect(toHex(bytes)).toBe('400206' + '0202fde9fdea');
  });
  it('confederation segments stay out of AS4_PATH, and the result decodes back', () => {
    const attrs: PathAttributes = { asPath: [{ type: CONFED_SEQ, asns: [64512] }, { type: SEQ, asns: [BIG, 65001] }] };
    const bytes = encodeAttributes(attrs, OLD_PEER);
    expect(toHex(bytes)).toBe(
      '40020a' + '0301fc00' + '02025ba0fde9' // AS_PATH: confed 64512; AS_TRANS 65001
      + 'c0110a' + '0202fa56ea000000fde9'); // AS4_PATH without the confederation segment
    expect(decodeOld(toHex(bytes)).asPath).toEqual(attrs.asPath);
  });
  it('a segment of more than 255 AS numbers is split in two', () => {
    const asns = Array.from({ length: 300 }, (_, i) => i + 1);
    const bytes = encodeAsPath([{ type: SEQ, asns }], 4);
    expect(bytes.length).toBe(2 + 255 * 4 + 2 + 45 * 4);
    expect([bytes[0], bytes[1], bytes[2 + 255 * 4], bytes[3 + 255 * 4]]).toEqual([SEQ, 255, SEQ, 45]);
  });
});
