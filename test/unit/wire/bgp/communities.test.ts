/** Extended community helpers: link bandwidth (draft-ietf-idr-link-bandwidth) and route targets (RFC 4360, RFC 5668). */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../../src/lib/bytes.js';
import {
  findLinkBandwidth, formatExtendedCommunity, linkBandwidth, parseLinkBandwidth, parseRouteTarget, routeTarget,
} from '../../../../src/wire/bgp/communities.js';

const wire = (ec: { type: number; subtype: number; value: Uint8Array }) => toHex(Uint8Array.of(ec.type, ec.subtype, ...ec.value));

describe('link bandwidth', () => {
  it('is type 0x40 subtype 0x04, 2-octet AS, float32 bytes per second', () => {
    expect(wire(linkBandwidth(65001, 125_000_000))).toBe('4004' + 'fde9' + '4cee6b28');
    expect(parseLinkBandwidth(linkBandwidth(65001, 125_000_000))).toEqual({ asn: 65001, bytesPerSecond: 125_000_000, transitive: false });
  });
  it('is type 0x00 when transitive (FRR\'s default)', () => {
    expect(wire(linkBandwidth(65001, 125_000_000, { transitive: true }))).toBe('0004' + 'fde9' + '4cee6b28');
  });
  it('writes AS_TRANS for a 4-octet AS', () => {
    expect(wire(linkBandwidth(4200000000, 0)).slice(4, 8)).toBe('5ba0');
  });
  it('accepts the transitive variant and ignores other communities', () => {
    expect(parseLinkBandwidth({ type: 0x00, subtype: 0x04, value: Uint8Array.of(0, 1, 0x3f, 0x80, 0, 0) })).toEqual({ asn: 1, bytesPerSecond: 1, transitive: true });
    expect(parseLinkBandwidth(routeTarget({ asn: 1, local: 1 }))).toBeUndefined();
    expect(findLinkBandwidth([routeTarget({ asn: 1, local: 1 }), linkBandwidth(1, 2.5)])).toBe(2.5);
    expect(findLinkBandwidth(undefined)).toBeUndefined();
  });
});

describe('route target', () => {
  const cases = [
    { rt: { asn: 65001, local: 100 }, hex: '0002fde900000064' },
    { rt: { asn: 4200000000, local: 7 }, hex: '0202fa56ea000007' },
    { rt: { address: '192.0.2.1', local: 5 }, hex: '0102c00002010005' },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.rt)} encodes as ${c.hex} and back`, () => {
      expect(wire(routeTarget(c.rt))).toBe(c.hex);
      expect(parseRouteTarget(routeTarget(c.rt))).toEqual(c.rt);
    });
  }
  it('refuses a 4-octet AS with a local part over 65535', () => {
    expect(() => routeTarget({ asn: 4200000000, local: 70000 })).toThrow(RangeError);
  });
});

describe('formatExtendedCommunity: FRR\'s text', () => {
  it('link bandwidth with its rate, route targets and origins in each form, anything else as hex', () => {
    expect(formatExtendedCommunity(linkBandwidth(64512, 125_000_000))).toBe('LB:64512:125000000 (1.000 Gbps)');
    expect(formatExtendedCommunity(linkBandwidth(64512, 1_250_000))).toBe('LB:64512:1250000 (10.000 Mbps)');
    expect(formatExtendedCommunity(linkBandwidth(64512, 100))).toBe('LB:64512:100 (800 bps)');
    expect(formatExtendedCommunity(routeTarget({ asn: 65000, local: 7 }))).toBe('RT:65000:7');
    expect(formatExtendedCommunity(routeTarget({ address: '192.0.2.1', local: 9 }))).toBe('RT:192.0.2.1:9');
    expect(formatExtendedCommunity(routeTarget({ asn: 4200000000, local: 3 }))).toBe('RT:4200000000:3');
    expect(formatExtendedCommunity({ type: 0x00, subtype: 0x03, value: Uint8Array.of(0xfd, 0xe8, 0, 0, 0, 5) })).toBe('SoO:65000:5');
    expect(formatExtendedCommunity({ type: 0x80, subtype: 0x06, value: Uint8Array.of(1, 2, 3, 4, 5, 6) })).toBe('0x8006:010203040506');
  });
});
