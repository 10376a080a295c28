/**
 * What the captures in test/fixtures/captures (BIRD 2.0.12, FRR 8.4.4, GoBGP 3.10; see its README) must
 * decode to, beyond decoding cleanly (messages.test.ts frames and decodes every file): communities, route
 * target and link bandwidth, next hops, End-of-RIB, RFC 8203/9003 shutdown text; and our re-encoding of
 * each message must decode to the same value.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../../src/lib/bytes.js';
import { parsePrefix } from '../../../../src/lib/address.js';
import { findLinkBandwidth, parseRouteTarget } from '../../../../src/wire/bgp/communities.js';
import { decodeMessage, encodeMessage } from '../../../../src/wire/bgp/message.js';
import { peerAsOf } from '../../../../src/wire/bgp/negotiate.js';
import { decodeShutdownCommunication } from '../../../../src/wire/bgp/notification.js';
import { endOfRibFamily } from '../../../../src/wire/bgp/update.js';
import type { BgpMessage, CodecContext, UpdateMessage } from '../../../../src/wire/bgp/types.js';

const DIR = join(import.meta.dirname, '../../../fixtures/captures');
const CTX: CodecContext = { fourOctetAs: true, extendedMessage: true, addPath: new Set() };
const files = readdirSync(DIR).filter((f) => f.endsWith('.hex'));
const daemons = ['bird', 'frr', 'gobgp'] as const;

function load(name: string): BgpMessage {
  const d = decodeMessage(fromHex(readFileSync(join(DIR, name), 'utf8').replace(/#.*$/gm, '')), CTX);
  expect(d.errors).toEqual([]);
  return d.message;
}
function update(name: string): UpdateMessage {
  const m = load(name);
  if (m.type !== 'update') throw new Error(`${name} is not an UPDATE`);
  return m;
}

describe('captured messages re-encode to the same value', () => {
  it('every capture', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const m = load(f);
      expect(decodeMessage(encodeMessage(m, CTX), CTX).message).toEqual(m);
    }
  });
});

describe.each(daemons)('%s', (daemon) => {
  it('192.0.2.1/32: communities 65001:100 65001:200, large community 65001:1:2, route target 65001:7', () => {
    for (const f of [`${daemon}-update-ipv4-192.0.2.1_32.hex`, `${daemon}-ibgp-update-ipv4-192.0.2.1_32.hex`]) {
      const u = update(f);
      expect(u.nlri).toEqual([{ prefix: parsePrefix('192.0.2.1/32') }]);
      expect(u.attributes.communities).toEqual([0xfde90064, 0xfde900c8]);
      expect(u.attributes.largeCommunities).toEqual([[65001, 1, 2]]);
      expect(u.attributes.extendedCommunities?.map(parseRouteTarget).filter((rt) => rt !== undefined)).toEqual([{ asn: 65001, local: 7 }]);
    }
  });

  it('the IPv6 route with its next hops', () => {
    const name = files.find((f) => f.startsWith(`${daemon}-update-ipv6-`))!;
    const mp = update(name).attributes.mpReach!;
    expect(mp.nlri).toEqual([{ prefix: parsePrefix('2001:db8::1/128') }]);
    expect(mp.nextHop).toBe('fd00:9::1');
    expect(mp.linkLocalNextHop !== undefined && mp.linkLocalNextHop.startsWith('fe80::')).toBe(name.endsWith('nexthop32.hex'));
  });

  it('End-of-RIB for both families on the iBGP (graceful restart) sessions', () => {
    expect(endOfRibFamily(update(`${daemon}-ibgp-update-eor-ipv4.hex`))).toEqual({ afi: 1, safi: 1 });
    expect(endOfRibFamily(update(`${daemon}-ibgp-update-eor-ipv6.hex`))).toEqual({ afi: 2, safi: 1 });
  });

  it('Cease / Administrative Shutdown with its communication', () => {
    const n = load(`${daemon}-notification-cease-shutdown.hex`);
    if (n.type !== 'notification') throw new Error('not a NOTIFICATION');
    expect(decodeShutdownCommunication(n)).toBe('vipgate capture: planned maintenance');
  });

  it('OPEN from AS 65001 with the 4-octet AS capability', () => {
    const o = load(`${daemon}-open-ipv4-session.hex`);
    if (o.type !== 'open') throw new Error('not an OPEN');
    expect(peerAsOf(o)).toBe(65001);
    expect(o.capabilities.some((c) => c.kind === 'four-octet-as')).toBe(true);
  });
});

describe('link bandwidth (draft-ietf-idr-link-bandwidth)', () => {
  it('1 Gbit/s (125e6 bytes/s) over iBGP, non-transitive and transitive forms', () => {
    for (const daemon of ['bird', 'frr'] as const) {
      expect(findLinkBandwidth(update(`${daemon}-ibgp-update-ipv4-192.0.2.1_32.hex`).attributes.extendedCommunities)).toBe(125e6);
      expect(findLinkBandwidth(update(`${daemon}-ibgp-update-ipv4-192.0.2.2_32.hex`).attributes.extendedCommunities)).toBe(125e6);
    }
  });
  it('the non-transitive form is dropped towards eBGP peers, the transitive one kept', () => {
    for (const daemon of ['bird', 'frr'] as const) {
      expect(findLinkBandwidth(update(`${daemon}-update-ipv4-192.0.2.1_32.hex`).attributes.extendedCommunities)).toBeUndefined();
      expect(findLinkBandwidth(update(`${daemon}-update-ipv4-192.0.2.2_32.hex`).attributes.extendedCommunities)).toBe(125e6);
    }
  });
});
