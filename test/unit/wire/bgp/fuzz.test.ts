/**
 * Seeded random mutations of valid messages: decodeMessage and the framer must only ever throw BgpError,
 * and a message that decodes cleanly must re-encode to bytes that are a fixed point of decode + encode.
 * Bounded: a fixed number of mutations per seed.
 */
import { describe, expect, it } from 'vitest';
import { parsePrefix } from '../../../../src/lib/address.js';
import { toHex } from '../../../../src/lib/bytes.js';
import { BgpError } from '../../../../src/wire/bgp/error.js';
import { Framer } from '../../../../src/wire/bgp/framer.js';
import { decodeMessage, encodeMessage } from '../../../../src/wire/bgp/message.js';
import { packAnnouncements } from '../../../../src/wire/bgp/pack.js';
import { DEFAULT_CONTEXT } from '../../../../src/wire/bgp/types.js';
import type { BgpMessage, CodecContext } from '../../../../src/wire/bgp/types.js';
import { mulberry32 as rng } from '../../../../src/lib/random.js';

const OLD_ADD_PATH: CodecContext = { fourOctetAs: false, extendedMessage: false, addPath: new Set(['1/1', '2/1']) };
const MUTATIONS_PER_SEED = 4000;


const samples: BgpMessage[] = [
  { type: 'open', version: 4, myAs: 23456, holdTime: 90, bgpId: '10.0.0.1', capabilities: [
    { kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'four-octet-as', asn: 4200000000 }, { kind: 'route-refresh' },
    { kind: 'graceful-restart', restarting: false, notification: true, restartTime: 90, families: [{ afi: 2, safi: 1, forwarding: false }] },
    { kind: 'add-path', families: [{ afi: 1, safi: 1, mode: 3 }] }, { kind: 'fqdn', hostname: 'r1', domain: 'example' },
  ] },
  { type: 'notification', code: 6, subcode: 2, data: Uint8Array.of(3, 0x61, 0x62, 0x63) },
  { type: 'route-refresh', afi: 2, safi: 1, subtype: 1 },
  { type: 'update', withdrawn: [{ prefix: parsePrefix('10.9.0.0/16') }], nlri: [{ prefix: parsePrefix('10.1.0.0/24') }, { prefix: parsePrefix('10.2.2.2/32') }],
    attributes: {
      origin: 1, asPath: [{ type: 2, asns: [65001, 4200000000] }, { type: 1, asns: [1, 2] }], nextHop: '192.0.2.1', med: 5, localPref: 7,
      atomicAggregate: true, aggregator: { asn: 4200000001, address: '10.0.0.9' }, communities: [1, 2], originatorId: '1.1.1.1',
      clusterList: ['2.2.2.2'], extendedCommunities: [{ type: 0x40, subtype: 4, value: Uint8Array.of(0, 1, 0x3f, 0x80, 0, 0) }],
      largeCommunities: [[1, 2, 3]], unknown: [{ flags: 0xe0, code: 200, value: Uint8Array.of(1, 2, 3) }],
      mpReach: { afi: 2, safi: 1, nextHop: '2001:db8::1', linkLocalNextHop: 'fe80::2', nlri: [{ prefix: parsePrefix('2001:db8:5::/48') }] },
      mpUnreach: { afi: 2, safi: 1, withdrawn: [{ prefix: parsePrefix('2001:db8:6::/64') }] },
    } },
];

function corpus(ctx: CodecContext): Uint8Array[] {
  const out = samples.map((m) => encodeMessage(m, ctx));
  const prefixes = Array.from({ length: 50 }, (_, i) => parsePrefix(`10.0.${i}.0/24`));
  out.push(...packAnnouncements({ family: 4, attributes: { origin: 0, asPath: [] }, nextHop: '10.0.0.1', prefixes }, ctx));
  return out;
}

function mutate(bytes: Uint8Array, r: () => number): Uint8Array {
  const b = Uint8Array.from(bytes);
  const pick = (n: number) => Math.floor(r() * n);
  let out: Uint8Array = b;
  switch (pick(5)) {
    case 0: for (let k = 1 + pick(4); k > 0; k--) b[pick(b.length)] = pick(256); break;
    case 1: b[19 + pick(b.length - 19)] = [0, 1, 0x7f, 0x80, 0xff][pick(5)]!; break;
    case 2: out = b.subarray(0, 19 + pick(b.length - 19)); break;
    case 3: { const extra = Uint8Array.from({ length: 1 + pick(8) }, () => pick(256)); const at = 19 + pick(b.length - 18);
      out = new Uint8Array(b.length + extra.length); out.set(b.subarray(0, at)); out.set(extra, at); out.set(b.subarray(at), at + extra.length); break; }
    default: { const at = Math.min(b.length - 1, 23 + pick(Math.max(1, b.length - 23))); b[at] = b[at]! ^ (1 << pick(8)); break; }
  }
  // Most of the time keep the header length right, so the body decoders are the ones exercised.
  if (r() < 0.8 && out.length >= 19) { out[16] = out.length >> 8; out[17] = out.length & 0xff; }
  return out;
}

function decodeOrBgpError(bytes: Uint8Array, ctx: CodecContext): ReturnType<typeof decodeMessage> | undefined {
  try {
    return decodeMessage(bytes, ctx);
  } catch (e) {
    if (e instanceof BgpError) return undefined;
    throw e;
  }
}

describe('fuzz: random mutations of valid messages', () => {
  for (const [seed, ctx] of [[1, DEFAULT_CONTEXT], [2, OLD_ADD_PATH], [3, DEFAULT_CONTEXT]] as const) {
    it(`seed ${seed}: only BgpError escapes, clean decodes re-encode stably`, () => {
      const r = rng(seed);
      const base = corpus(ctx);
      let clean = 0; let rejected = 0;
      for (let i = 0; i < MUTATIONS_PER_SEED; i++) {
        const bytes = mutate(base[i % base.length]!, r);
        const d = decodeOrBgpError(bytes, ctx);
        if (d === undefined) { rejected++; continue; }
        if (d.errors.length > 0) continue;
        clean++;
        // encoding normalises (attribute order, Partial bit, parameter format): after one pass it is a fixed point
        const encoded = encodeMessage(d.message, ctx);
        const again = decodeMessage(encoded, ctx);
        expect(again.errors).toEqual([]);
        expect(toHex(encodeMessage(again.message, ctx))).toBe(toHex(encoded));
      }
      // the mutations must reach both outcomes, or the test proves little
      expect(clean).toBeGreaterThan(0);
      expect(rejected).toBeGreaterThan(0);
    });
  }

  it('the framer, fed a mutated stream in random chunks, only throws BgpError', () => {
    const r = rng(4);
    const base = corpus(DEFAULT_CONTEXT);
    for (let round = 0; round < 300; round++) {
      const stream = base.map((m) => (r() < 0.3 ? mutate(m, r) : m));
      const all = new Uint8Array(stream.reduce((n, m) => n + m.length, 0));
      let at = 0;
      for (const m of stream) { all.set(m, at); at += m.length; }
      const framer = new Framer(DEFAULT_CONTEXT);
      try {
        for (let p = 0; p < all.length;) {
          const n = 1 + Math.floor(r() * 300);
          for (const m of framer.push(all.subarray(p, p + n))) decodeOrBgpError(m, DEFAULT_CONTEXT);
          p += n;
        }
      } catch (e) {
        expect(e).toBeInstanceOf(BgpError);
      }
    }
  });
});
