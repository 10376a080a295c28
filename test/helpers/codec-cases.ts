/**
 * Table-driven codec tests in the style of dns-packet / mqtt-packet: from one case (value, bytes, context)
 * generate the decode, encode, round-trip and length tests, and for whole BGP messages the framing
 * tests (split at every byte, one byte at a time, two messages coalesced in one read).
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/lib/bytes.js';
import { Framer } from '../../src/wire/bgp/framer.js';
import { decodeMessage, encodeMessage, messageLength } from '../../src/wire/bgp/message.js';
import { DEFAULT_CONTEXT } from '../../src/wire/bgp/types.js';
import type { BgpMessage, CodecContext } from '../../src/wire/bgp/types.js';

/**
 * Hex with a comment per field: everything after `//` on a line is dropped, as are spaces, `_` and `:`.
 *   hex`ffffffff ffffffff ffffffff ffffffff // marker
 *        0013 // length 19
 *        04   // type KEEPALIVE`
 */
export function hex(strings: TemplateStringsArray, ...values: unknown[]): Uint8Array {
  const text = String.raw({ raw: strings }, ...values);
  return fromHex(text.split('\n').map((line) => line.replace(/\/\/.*$/, '')).join(''));
}

export interface Codec<T> {
  encode(value: T, ctx: CodecContext): Uint8Array;
  /** Decode exactly these bytes; must throw on any error (cases are valid encodings). */
  decode(bytes: Uint8Array, ctx: CodecContext): T;
  /** Predicted encoded length, when the codec has a length function separate from its encoder. */
  length?(value: T, ctx: CodecContext): number;
  /** The bytes are whole BGP messages: also generate the stream framing tests. */
  readonly framed?: boolean;
}

export interface CodecCase<T> {
  readonly name: string;
  readonly value: T;
  readonly bytes: Uint8Array;
  readonly ctx?: CodecContext;
  /** The value decoding gives, when it differs from `value` (e.g. a field normalised on decode). */
  readonly decoded?: T;
  /** Decode only: these bytes are not what our encoder would write (another implementation's choice). */
  readonly decodeOnly?: boolean;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function framingTests(bytes: Uint8Array, ctx: CodecContext): void {
  it('frames when split at every byte', () => {
    for (let cut = 1; cut < bytes.length; cut++) {
      const framer = new Framer(ctx);
      expect(framer.push(bytes.slice(0, cut))).toEqual([]);
      const out = framer.push(bytes.slice(cut));
      expect(out.map(toHex)).toEqual([toHex(bytes)]);
      expect(framer.buffered).toBe(0);
    }
  });
  it('frames when fed one byte at a time', () => {
    const framer = new Framer(ctx);
    const out: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i++) out.push(...framer.push(bytes.subarray(i, i + 1)));
    expect(out.map(toHex)).toEqual([toHex(bytes)]);
  });
  it('frames two messages coalesced in one read, and a third split across the second read', () => {
    const framer = new Framer(ctx);
    const three = concat(concat(bytes, bytes), bytes);
    const cut = 2 * bytes.length + 1;
    const first = framer.push(three.slice(0, cut));
    const second = framer.push(three.slice(cut));
    expect([...first, ...second].map(toHex)).toEqual([toHex(bytes), toHex(bytes), toHex(bytes)]);
  });
}

/** Registers one describe() per case. */
export function codecCases<T>(codec: Codec<T>, cases: readonly CodecCase<T>[]): void {
  for (const c of cases) {
    const ctx = c.ctx ?? DEFAULT_CONTEXT;
    describe(c.name, () => {
      it('decodes', () => {
        expect(codec.decode(c.bytes, ctx)).toEqual(c.decoded ?? c.value);
      });
      if (!c.decodeOnly) {
        it('encodes', () => {
          expect(toHex(codec.encode(c.value, ctx))).toBe(toHex(c.bytes));
        });
        it('round-trips', () => {
          expect(codec.decode(codec.encode(c.value, ctx), ctx)).toEqual(c.decoded ?? c.value);
        });
        if (codec.length) {
          const length = codec.length.bind(codec);
          it('predicts its length', () => {
            expect(length(c.value, ctx)).toBe(c.bytes.length);
          });
        }
      }
      if (codec.framed) framingTests(c.bytes, ctx);
    });
  }
}

/** Whole messages through encodeMessage / decodeMessage; decoding must report no UPDATE errors. */
export const messageCodec: Codec<BgpMessage> = {
  encode: encodeMessage,
  decode(bytes, ctx) {
    const d = decodeMessage(bytes, ctx);
    expect(d.errors).toEqual([]);
    return d.message;
  },
  length: messageLength,
  framed: true,
};
