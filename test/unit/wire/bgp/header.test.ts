/** Message header checks (RFC 4271 6.1, RFC 8654) in decodeMessage and in the stream framer. */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../../src/lib/bytes.js';
import { BgpError } from '../../../../src/wire/bgp/error.js';
import { Framer } from '../../../../src/wire/bgp/framer.js';
import { decodeMessage, encodeMessage } from '../../../../src/wire/bgp/message.js';
import { packWithdrawals } from '../../../../src/wire/bgp/pack.js';
import { DEFAULT_CONTEXT } from '../../../../src/wire/bgp/types.js';
import type { CodecContext } from '../../../../src/wire/bgp/types.js';

const MARKER = 'ff'.repeat(16);
const EXTENDED: CodecContext = { ...DEFAULT_CONTEXT, extendedMessage: true };

function error(f: () => unknown): BgpError {
  try { f(); } catch (e) { if (e instanceof BgpError) return e; throw e; }
  throw new Error('nothing thrown');
}
function summary(e: BgpError): [number, number, string] { return [e.code, e.subcode, toHex(e.data)]; }
function msg(lengthHex: string, type: string, body = ''): Uint8Array {
  return fromHex(MARKER + lengthHex + type + body);
}

describe('header errors', () => {
  const cases: { name: string; bytes: Uint8Array; ctx?: CodecContext; want: [number, number, string] }[] = [
    { name: 'marker not all ones: 1/1', bytes: fromHex('ff'.repeat(15) + 'fe' + '001304'), want: [1, 1, ''] },
    { name: 'unknown type 6: 1/3 with the type', bytes: msg('0013', '06'), want: [1, 3, '06'] },
    { name: 'length below 19: 1/2 with the length', bytes: msg('0012', '04'), want: [1, 2, '0012'] },
    { name: 'KEEPALIVE longer than 19: 1/2', bytes: msg('0014', '04', '00'), want: [1, 2, '0014'] },
    { name: 'OPEN shorter than 29: 1/2', bytes: msg('001c', '01', '04fde9005a0a00000100'.slice(0, 18)), want: [1, 2, '001c'] },
    { name: 'UPDATE shorter than 23: 1/2', bytes: msg('0016', '02', '000000'), want: [1, 2, '0016'] },
    { name: 'NOTIFICATION shorter than 21: 1/2', bytes: msg('0014', '03', '06'), want: [1, 2, '0014'] },
    { name: 'UPDATE over 4096 without extended messages: 1/2', bytes: msg('1001', '02', '00'.repeat(4097 - 19)), want: [1, 2, '1001'] },
    { name: 'OPEN over 4096 even with extended messages (RFC 8654 4): 1/2', ctx: EXTENDED, bytes: msg('1001', '01', '00'.repeat(4097 - 19)), want: [1, 2, '1001'] },
  ];
  for (const c of cases) {
    it(`decodeMessage: ${c.name}`, () => { expect(summary(error(() => decodeMessage(c.bytes, c.ctx ?? DEFAULT_CONTEXT)))).toEqual(c.want); });
    it(`framer, as soon as the header is in: ${c.name}`, () => {
      const framer = new Framer(c.ctx ?? DEFAULT_CONTEXT);
      expect(summary(error(() => framer.push(c.bytes.subarray(0, 19))))).toEqual(c.want);
    });
  }

  it('an UPDATE over 4096 bytes is accepted with extended messages', () => {
    const prefixes = Array.from({ length: 2000 }, (_, i) => ({ family: 4 as const, addr: Uint8Array.of(10, 0, i >> 8, i & 0xff), len: 32 }));
    const [long] = packWithdrawals(4, prefixes, EXTENDED);
    expect(long!.length).toBe(23 + 2000 * 5);
    expect(new Framer(EXTENDED).push(long!)).toHaveLength(1);
    const d = decodeMessage(long!, EXTENDED);
    expect(d.message.type === 'update' && d.message.withdrawn.length).toBe(2000);
  });

  it('framer context can be switched after the OPEN exchange', () => {
    const framer = new Framer();
    framer.context = EXTENDED;
    const long = encodeMessage({ type: 'notification', code: 6, subcode: 0, data: new Uint8Array(5000) }, EXTENDED);
    expect(framer.push(long)).toHaveLength(1);
  });

  it('encodeMessage refuses a message over the maximum length', () => {
    expect(() => encodeMessage({ type: 'notification', code: 6, subcode: 0, data: new Uint8Array(5000) }, DEFAULT_CONTEXT)).toThrow(RangeError);
  });
});

describe('OPEN errors (RFC 4271 6.2)', () => {
  const open = (body: string) => msg((19 + body.length / 2).toString(16).padStart(4, '0'), '01', body);
  const cases: { name: string; body: string; want: [number, number, string] }[] = [
    { name: 'version 3: 2/1 with the version we support', body: '03fde9005a0a00000100', want: [2, 1, '0004'] },
    { name: 'hold time 2: 2/6', body: '04fde900020a00000100', want: [2, 6, ''] },
    { name: 'BGP Identifier 0 (RFC 6286): 2/3', body: '04fde9005a0000000000', want: [2, 3, ''] },
    { name: 'optional parameters length past the message: 2/0', body: '04fde9005a0a00000105020201', want: [2, 0, ''] },
    { name: 'a capability overrunning its parameter: 2/0', body: '04fde9005a0a00000104020202' + '04', want: [2, 0, ''] },
    { name: 'a multiprotocol capability of length 3: 2/0 with the capability', body: '04fde9005a0a00000107020501030001' + '01', want: [2, 0, '0103000101'] },
    { name: 'an ADD-PATH mode of 4: 2/0', body: '04fde9005a0a0000010802064504000101' + '04', want: [2, 0, '450400010104'] },
  ];
  for (const c of cases) it(c.name, () => { expect(summary(error(() => decodeMessage(open(c.body), DEFAULT_CONTEXT)))).toEqual(c.want); });

  it('keeps optional parameters other than capabilities for the speaker to refuse (2/4)', () => {
    const d = decodeMessage(open('04fde9005a0a000001' + '04' + '0102abcd'), DEFAULT_CONTEXT);
    expect(d.message).toEqual({ type: 'open', version: 4, myAs: 65001, holdTime: 90, bgpId: '10.0.0.1', capabilities: [], otherParameters: [{ type: 1, value: Uint8Array.of(0xab, 0xcd) }] });
  });
});

describe('ROUTE-REFRESH errors (RFC 7313 5)', () => {
  it('a length other than 23 is 7/1 with the whole message as data', () => {
    const bytes = msg('0018', '05', '0001000100');
    expect(summary(error(() => decodeMessage(bytes, DEFAULT_CONTEXT)))).toEqual([7, 1, toHex(bytes)]);
  });
});
