/**
 * BGP message header (RFC 4271 4.1) and its checks (RFC 4271 6.1): the all-ones marker, the length
 * bounds per message type (RFC 8654 for extended messages) and the type code.
 */
import type { Reader, Writer } from '../../lib/bytes.js';
import { BgpError } from './error.js';
import {
  ErrorCode, HeaderSubcode, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH, MESSAGE_HEADER_LENGTH, MessageType,
} from './types.js';
import type { CodecContext } from './types.js';

export interface MessageHeader { readonly length: number; readonly type: number }

/** Smallest legal length of each message type, header included (RFC 4271 4.2-4.5, RFC 2918 3). */
const MIN_LENGTH: Readonly<Record<number, number>> = {
  [MessageType.OPEN]: 29,
  [MessageType.UPDATE]: 23,
  [MessageType.NOTIFICATION]: 21,
  [MessageType.KEEPALIVE]: MESSAGE_HEADER_LENGTH,
  [MessageType.ROUTE_REFRESH]: 23,
};

/**
 * Largest length a message of this type may have. RFC 8654 4: OPEN and KEEPALIVE stay at 4096 even when
 * the extended message capability was negotiated.
 */
export function maxMessageLength(type: number, ctx: CodecContext): number {
  if (!ctx.extendedMessage || type === MessageType.OPEN || type === MessageType.KEEPALIVE) return MAX_MESSAGE_LENGTH;
  return MAX_EXTENDED_MESSAGE_LENGTH;
}

function badLength(length: number): BgpError {
  // RFC 4271 6.1: the Data field contains the erroneous Length field.
  return new BgpError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_LENGTH, `bad message length ${length}`,
    Uint8Array.of(length >>> 8, length & 0xff));
}

/** Reads and checks the 19-byte header; the reader is left at the start of the body. */
export function decodeHeader(reader: Reader, ctx: CodecContext): MessageHeader {
  if (reader.remaining < MESSAGE_HEADER_LENGTH) {
    throw new BgpError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_LENGTH, 'shorter than a message header');
  }
  for (let i = 0; i < 16; i++) {
    // RFC 4271 6.1: a marker that is not all ones is Connection Not Synchronized (1/1).
    if (reader.u8() !== 0xff) {
      throw new BgpError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.CONNECTION_NOT_SYNCHRONIZED, 'marker is not all ones');
    }
  }
  const length = reader.u16();
  const type = reader.u8();
  const min = MIN_LENGTH[type];
  // RFC 4271 6.1: an unknown type is Bad Message Type (1/3) with the type code as data.
  if (min === undefined) {
    throw new BgpError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_TYPE, `bad message type ${type}`, Uint8Array.of(type));
  }
  // RFC 4271 6.1: shorter than the type's minimum, longer than allowed, or a KEEPALIVE that is not 19 long.
  if (length < min || length > maxMessageLength(type, ctx) || (type === MessageType.KEEPALIVE && length !== min)) {
    throw badLength(length);
  }
  return { length, type };
}

/** Writes marker, length and type. */
export function encodeHeader(writer: Writer, length: number, type: number): void {
  for (let i = 0; i < 4; i++) writer.u32(0xffffffff);
  writer.u16(length).u8(type);
}
