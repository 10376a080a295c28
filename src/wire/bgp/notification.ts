/**
 * NOTIFICATION message body (RFC 4271 4.5), the NOTIFICATION to send for a BgpError, and the
 * Shutdown Communication carried by Cease / Administrative Shutdown and Administrative Reset
 * (RFC 9003 2: a length octet, then up to 255 bytes of UTF-8).
 */
import type { Reader, Writer } from '../../lib/bytes.js';
import type { BgpError } from './error.js';
import { CeaseSubcode, ErrorCode } from './types.js';
import type { CodecContext, NotificationMessage } from './types.js';

export function decodeNotification(reader: Reader, _ctx: CodecContext): NotificationMessage {
  const code = reader.u8();
  const subcode = reader.u8();
  return { type: 'notification', code, subcode, data: Uint8Array.from(reader.rest()) };
}

export function encodeNotification(writer: Writer, msg: NotificationMessage, _ctx: CodecContext): void {
  writer.u8(msg.code).u8(msg.subcode).bytes(msg.data);
}

export function notificationLength(msg: NotificationMessage, _ctx: CodecContext): number {
  return 2 + msg.data.length;
}

/** The NOTIFICATION that reports a decoding error (RFC 4271 6). */
export function notificationFor(error: BgpError): NotificationMessage {
  return { type: 'notification', code: error.code, subcode: error.subcode, data: error.data };
}

/** RFC 9003 2: the communication is at most 255 bytes of UTF-8. */
export const MAX_SHUTDOWN_COMMUNICATION = 255;

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Data field for Cease 6/2 or 6/4 carrying `text`. Text longer than 255 bytes is cut at a character
 * boundary so the result stays valid UTF-8.
 */
export function encodeShutdownCommunication(text: string): Uint8Array {
  let bytes = encoder.encode(text);
  if (bytes.length > MAX_SHUTDOWN_COMMUNICATION) {
    let end = MAX_SHUTDOWN_COMMUNICATION;
    while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--; // back off to the start of a character
    bytes = bytes.subarray(0, end);
  }
  const out = new Uint8Array(1 + bytes.length);
  out[0] = bytes.length;
  out.set(bytes, 1);
  return out;
}

export function shutdownNotification(subcode: typeof CeaseSubcode.ADMINISTRATIVE_SHUTDOWN | typeof CeaseSubcode.ADMINISTRATIVE_RESET,
  text: string): NotificationMessage {
  return { type: 'notification', code: ErrorCode.CEASE, subcode, data: encodeShutdownCommunication(text) };
}

/**
 * The Shutdown Communication of a Cease 6/2 or 6/4 NOTIFICATION, or undefined when there is none or it
 * is malformed (RFC 9003 3: a length past the data or invalid UTF-8 is not a communication; the
 * NOTIFICATION itself is still processed).
 */
export function decodeShutdownCommunication(msg: NotificationMessage): string | undefined {
  if (msg.code !== ErrorCode.CEASE) return undefined;
  if (msg.subcode !== CeaseSubcode.ADMINISTRATIVE_SHUTDOWN && msg.subcode !== CeaseSubcode.ADMINISTRATIVE_RESET) return undefined;
  const len = msg.data[0];
  if (len === undefined || len === 0 || 1 + len > msg.data.length) return undefined;
  try {
    return strictUtf8.decode(msg.data.subarray(1, 1 + len));
  } catch {
    return undefined;
  }
}
