/**
 * Capture-driven rtnetlink codec cases: each case decodes a captured message to the expected header and
 * value, encodes the value back to the same bytes (unless the capture is the kernel's, `decodeOnly`), and
 * every strict prefix of the body fails to decode cleanly (a NetlinkDecodeError, never something else) or
 * decodes to less.
 */
import { describe, expect, it } from 'vitest';
import { Reader, fromHex, toHex, type Writer } from '../../../../src/lib/bytes.js';
import { NetlinkDecodeError } from '../../../../src/wire/netlink/error.js';
import { buildMessage, decodeMessages, type NetlinkHeader } from '../../../../src/wire/netlink/message.js';

export interface RtnetlinkCase<K extends string, T> {
  readonly name: K;
  readonly header: NetlinkHeader;
  readonly value: T;
  /** The kernel wrote these bytes (attribute order, extra attributes): decode only. */
  readonly decodeOnly?: boolean;
  /** Trailing attributes the decoder does not read (e.g. IFA_CACHEINFO): cutting them changes nothing. */
  readonly unreadTail?: number;
}

/** Where the last attribute ends, its padding excluded (`fixed`: length of the struct before the attributes). */
function unpaddedEnd(body: Uint8Array, fixed: number): number {
  let end = fixed;
  for (let at = fixed; at + 4 <= body.length;) {
    const len = body[at]! | (body[at + 1]! << 8);
    end = at + len;
    at += (len + 3) & ~3;
  }
  return end;
}

export function rtnetlinkCases<T, K extends string = string>(title: string, fixed: number, vectors: Readonly<Record<K, string>>,
  cases: readonly RtnetlinkCase<K, T>[], encode: (w: Writer, v: T) => void, decode: (r: Reader) => T): void {
  describe(title, () => {
    for (const c of cases) {
      const bytes = (): Uint8Array => fromHex(vectors[c.name]);
      it(`${c.name}: decodes the capture`, () => {
        const [msg, ...rest] = decodeMessages(bytes());
        expect(rest).toHaveLength(0);
        expect({ type: msg!.type, flags: msg!.flags, seq: msg!.seq, pid: msg!.pid }).toEqual(c.header);
        expect(decode(new Reader(msg!.payload))).toEqual(c.value);
      });
      if (!c.decodeOnly) {
        it(`${c.name}: encodes to the captured bytes`, () => {
          expect(toHex(buildMessage(c.header, (w) => encode(w, c.value)))).toBe(vectors[c.name]);
        });
      }
      it(`${c.name}: truncated bodies fail with NetlinkDecodeError or decode to less`, () => {
        const body = decodeMessages(bytes())[0]!.payload;
        // the last attribute's padding is optional, so cutting only that may decode to the same value
        for (let cut = 0; cut < unpaddedEnd(body, fixed) - (c.unreadTail ?? 0); cut++) {
          let decoded: T;
          try {
            decoded = decode(new Reader(body.subarray(0, cut)));
          } catch (e) {
            expect(e).toBeInstanceOf(NetlinkDecodeError);
            continue;
          }
          expect(decoded).not.toEqual(c.value);
        }
      });
    }
  });
}
