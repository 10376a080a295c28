/**
 * OPEN message body (RFC 4271 4.2) with its optional parameters: capabilities (RFC 5492) and the
 * extended optional parameters length of RFC 9072, which is decoded, and used on encode only when
 * the parameters do not fit the classic one-octet lengths. Checks of RFC 4271 6.2 that need no
 * configuration are made here (version, hold time, BGP Identifier); the peer AS check is the speaker's.
 */
import { Reader, Writer } from '../../lib/bytes.js';
import { formatAddress, parseAddress } from '../../lib/address.js';
import { BgpError } from './error.js';
import { decodeCapabilities, encodeCapability } from './capabilities.js';
import { ErrorCode, OpenSubcode } from './types.js';
import type { Capability, CodecContext, OpenMessage } from './types.js';

export const BGP_VERSION = 4;
const PARAM_CAPABILITIES = 2;
/** RFC 9072 2: a Non-Ext OP Type of 255 marks the extended format. */
const PARAM_EXTENDED = 255;

function openError(subcode: number, message: string, data?: Uint8Array): BgpError {
  return new BgpError(ErrorCode.OPEN_MESSAGE, subcode, message, data);
}

export function decodeOpen(reader: Reader, _ctx: CodecContext): OpenMessage {
  if (reader.remaining < 10) throw openError(0, 'OPEN body shorter than 10 bytes');
  const version = reader.u8();
  // RFC 4271 6.2: Unsupported Version Number; the data is the largest supported version below the bid.
  if (version !== BGP_VERSION) {
    throw openError(OpenSubcode.UNSUPPORTED_VERSION, `unsupported BGP version ${version}`, Uint8Array.of(0, BGP_VERSION));
  }
  const myAs = reader.u16();
  const holdTime = reader.u16();
  // RFC 4271 6.2: a Hold Time of one or two seconds MUST be rejected.
  if (holdTime === 1 || holdTime === 2) throw openError(OpenSubcode.UNACCEPTABLE_HOLD_TIME, `hold time ${holdTime} s`);
  const idBytes = reader.bytes(4);
  // RFC 6286 2.2: the BGP Identifier is a non-zero 4-octet value.
  if (idBytes.every((b) => b === 0)) throw openError(OpenSubcode.BAD_BGP_IDENTIFIER, 'BGP identifier is 0');
  const bgpId = formatAddress(idBytes);
  let paramsLength = reader.u8();
  let lengthSize = 1;
  if (paramsLength === 255 && reader.remaining >= 3 && reader.buf[reader.offset] === PARAM_EXTENDED) {
    reader.skip(1);
    paramsLength = reader.u16();
    lengthSize = 2;
  }
  if (paramsLength !== reader.remaining) throw openError(0, 'optional parameters length does not match the message');
  const capabilities: Capability[] = [];
  const otherParameters: { type: number; value: Uint8Array }[] = [];
  while (!reader.atEnd) {
    if (reader.remaining < 1 + lengthSize) throw openError(0, 'truncated optional parameter');
    const type = reader.u8();
    const len = lengthSize === 1 ? reader.u8() : reader.u16();
    if (len > reader.remaining) throw openError(0, `optional parameter ${type} runs past the message`);
    if (type === PARAM_CAPABILITIES) capabilities.push(...decodeCapabilities(reader.sub(len)));
    else otherParameters.push({ type, value: Uint8Array.from(reader.bytes(len)) });
  }
  const open: OpenMessage = { type: 'open', version, myAs, holdTime, bgpId, capabilities };
  return otherParameters.length > 0 ? { ...open, otherParameters } : open;
}

/** The optional parameters section, its length field included: one parameter per capability. */
function encodeParameters(msg: OpenMessage): Uint8Array {
  const params: { type: number; value: Uint8Array }[] = msg.capabilities.map((c) => ({ type: PARAM_CAPABILITIES, value: encodeCapability(c) }));
  for (const p of msg.otherParameters ?? []) params.push(p);
  const classic = params.reduce((n, p) => n + 2 + p.value.length, 0);
  const extended = classic > 255 || params.some((p) => p.value.length > 255);
  const w = new Writer(classic + params.length + 4);
  if (extended) {
    // RFC 9072 2: Non-Ext OP Len 255, Non-Ext OP Type 255, a 2-octet length, then 2-octet parameter lengths.
    w.u8(255).u8(PARAM_EXTENDED).u16(classic + params.length);
    for (const p of params) w.u8(p.type).u16(p.value.length).bytes(p.value);
  } else {
    w.u8(classic);
    for (const p of params) w.u8(p.type).u8(p.value.length).bytes(p.value);
  }
  return w.finish();
}

export function encodeOpen(writer: Writer, msg: OpenMessage, _ctx: CodecContext): void {
  writer.u8(msg.version).u16(msg.myAs).u16(msg.holdTime).bytes(parseAddress(msg.bgpId)).bytes(encodeParameters(msg));
}

/** Body length (without the 19-byte header). */
export function openLength(msg: OpenMessage, _ctx: CodecContext): number {
  return 9 + encodeParameters(msg).length;
}
