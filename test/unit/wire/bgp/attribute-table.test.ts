/**
 * The attribute table (wire/bgp/attributes.ts SPECS), row by row: each row's wire vector (flags, type,
 * length, value as encodeAttributes sends it, and decoded back), and the RFC 7606 action a malformed value
 * of it costs, which must be the one the row declares.
 */
import { describe, expect, it } from 'vitest';
import { decodeAttributes, encodeAttributes, SPECS } from '../../../../src/wire/bgp/attributes.js';
import { linkBandwidth } from '../../../../src/wire/bgp/communities.js';
import { fromHex, Reader, toHex } from '../../../../src/lib/bytes.js';
import { AttrCode, DEFAULT_CONTEXT, type CodecContext, type PathAttributes } from '../../../../src/wire/bgp/types.js';

const OLD: CodecContext = { ...DEFAULT_CONTEXT, fourOctetAs: false };

const decode = (hex: string, ctx = DEFAULT_CONTEXT) => {
  const bytes = fromHex(hex);
  return decodeAttributes(new Reader(bytes), bytes.length, ctx);
};

/** Per row: attributes, the context, the TLVs encodeAttributes writes, and a malformed TLV of that row. */
const ROWS: Record<number, { attrs: PathAttributes; ctx?: CodecContext; wire: string; malformed: string }> = {
  [AttrCode.ORIGIN]: { attrs: { origin: 2 }, wire: '40010102', malformed: '4001020000' },
  [AttrCode.AS_PATH]: { attrs: { asPath: [{ type: 2, asns: [64512, 4200000000] }] }, wire: '40020a0202' + '0000fc00' + 'fa56ea00', malformed: '4002020900' },
  [AttrCode.NEXT_HOP]: { attrs: { nextHop: '192.0.2.1' }, wire: '400304c0000201', malformed: '400303c00002' },
  [AttrCode.MULTI_EXIT_DISC]: { attrs: { med: 7 }, wire: '80040400000007', malformed: '800403000007' },
  [AttrCode.LOCAL_PREF]: { attrs: { localPref: 200 }, wire: '400504000000c8', malformed: '4005030000c8' },
  [AttrCode.ATOMIC_AGGREGATE]: { attrs: { atomicAggregate: true }, wire: '400600', malformed: '40060100' },
  [AttrCode.AGGREGATOR]: { attrs: { aggregator: { asn: 64512, address: '192.0.2.9' } }, wire: 'c0070800' + '00fc00c0000209', malformed: 'c00703000000' },
  [AttrCode.COMMUNITIES]: { attrs: { communities: [0xffff0000] }, wire: 'c00804ffff0000', malformed: 'c00803ffff00' },
  [AttrCode.ORIGINATOR_ID]: { attrs: { originatorId: '10.0.0.1' }, wire: '8009040a000001', malformed: '8009030a0000' },
  [AttrCode.CLUSTER_LIST]: { attrs: { clusterList: ['10.0.0.2', '10.0.0.3'] }, wire: '800a080a0000020a000003', malformed: '800a030a0000' },
  [AttrCode.EXTENDED_COMMUNITIES]: { attrs: { extendedCommunities: [linkBandwidth(64512, 125_000_000)] }, wire: 'c0100840' + '04fc004cee6b28', malformed: 'c01007' + '40040000000000' },
  // to an OLD peer (2-octet AS): AS_TRANS in AS_PATH, the real path in AS4_PATH (RFC 6793 4.2.2)
  [AttrCode.AS4_PATH]: { attrs: { asPath: [{ type: 2, asns: [4200000000] }] }, ctx: OLD, wire: '400204' + '0201' + '5ba0' + 'c01106' + '0201' + 'fa56ea00', malformed: 'c0110203ff' },
  [AttrCode.AS4_AGGREGATOR]: { attrs: { aggregator: { asn: 4200000000, address: '192.0.2.9' } }, ctx: OLD, wire: 'c00706' + '5ba0c0000209' + 'c01208' + 'fa56ea00c0000209', malformed: 'c01203000000' },
  [AttrCode.LARGE_COMMUNITY]: { attrs: { largeCommunities: [[64512, 1, 2]] }, wire: 'c0200c' + '0000fc00' + '00000001' + '00000002', malformed: 'c0200b' + '00'.repeat(11) },
};

describe('the attribute table', () => {
  it('has a vector for every row but the MP attributes (their codec has its own tests, mp.ts)', () => {
    const rows = [...SPECS.keys()].filter((c) => SPECS.get(c)!.malformed !== 'per-error');
    expect(rows.sort((a, b) => a - b)).toEqual(Object.keys(ROWS).map(Number).sort((a, b) => a - b));
    expect([...SPECS.keys()]).toEqual([...SPECS.keys()].sort((a, b) => a - b));
  });

  for (const [code, row] of Object.entries(ROWS)) {
    const spec = SPECS.get(Number(code))!;
    it(`${spec.name} (${code}): sent as ${row.wire}, read back; malformed, ${spec.malformed}`, () => {
      const ctx = row.ctx ?? DEFAULT_CONTEXT;
      expect(toHex(encodeAttributes(row.attrs, ctx))).toBe(row.wire);
      const back = decode(row.wire, ctx);
      expect(back.errors).toEqual([]);
      expect(back.attributes).toEqual(row.attrs);
      const bad = decode(row.malformed, ctx);
      expect(bad.errors.map((e) => e.action)).toEqual([spec.malformed]);
      // the row's own check said so, not the attribute list's framing
      expect(bad.errors[0]!.message).not.toMatch(/overruns|repeated|flags/);
    });
  }
});
