/**
 * One whole BGP message to and from bytes (RFC 4271 4): header plus the body codec of its type.
 * Decoding throws BgpError for everything but the UPDATE errors RFC 7606 lets a session survive, which
 * come back in the result (see UpdateOutcome).
 */
import { Reader, ShortBufferError, Writer } from '../../lib/bytes.js';
import { BgpError } from './error.js';
import { decodeHeader, encodeHeader, maxMessageLength } from './header.js';
import { decodeNotification, encodeNotification, notificationLength } from './notification.js';
import { decodeOpen, encodeOpen, openLength } from './open.js';
import {
  INVALID_ROUTE_REFRESH_LENGTH, ROUTE_REFRESH_BODY_LENGTH, decodeRouteRefresh, encodeRouteRefresh,
} from './route-refresh.js';
import { decodeUpdate, encodeUpdate, updateLength } from './update.js';
import type { UpdateOutcome } from './update.js';
import { ErrorCode, HeaderSubcode, MESSAGE_HEADER_LENGTH, MessageType, UpdateSubcode } from './types.js';
import type { BgpMessage, CodecContext } from './types.js';

export interface DecodedMessage extends UpdateOutcome { readonly message: BgpMessage }

const CLEAN: UpdateOutcome = { errors: [], action: undefined, withdrawAll: false, disabledFamilies: [] };

const TYPE_CODE: Readonly<Record<BgpMessage['type'], number>> = {
  open: MessageType.OPEN, update: MessageType.UPDATE, notification: MessageType.NOTIFICATION,
  keepalive: MessageType.KEEPALIVE, 'route-refresh': MessageType.ROUTE_REFRESH,
};

/** A body that ends early is the message type's own malformed-message error. */
function truncated(type: number): BgpError {
  if (type === MessageType.OPEN) return new BgpError(ErrorCode.OPEN_MESSAGE, 0, 'OPEN message truncated');
  return new BgpError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, 'UPDATE message truncated');
}

function decodeBody(type: number, body: Reader, whole: Uint8Array, ctx: CodecContext): DecodedMessage {
  switch (type) {
    case MessageType.OPEN: return { message: decodeOpen(body, ctx), ...CLEAN };
    case MessageType.UPDATE: {
      const { update, ...outcome } = decodeUpdate(body, ctx);
      return { message: update, ...outcome };
    }
    case MessageType.NOTIFICATION: return { message: decodeNotification(body, ctx), ...CLEAN };
    case MessageType.KEEPALIVE: return { message: { type: 'keepalive' }, ...CLEAN };
    default:
      // RFC 7313 5: a ROUTE-REFRESH whose length is not 23 is error 7/1 with the whole message as data.
      if (body.remaining !== ROUTE_REFRESH_BODY_LENGTH) {
        throw new BgpError(ErrorCode.ROUTE_REFRESH, INVALID_ROUTE_REFRESH_LENGTH, 'ROUTE-REFRESH length is not 23', Uint8Array.from(whole));
      }
      return { message: decodeRouteRefresh(body, ctx), ...CLEAN };
  }
}

/** Decodes exactly one message (as the framer returns them). */
export function decodeMessage(bytes: Uint8Array, ctx: CodecContext): DecodedMessage {
  const reader = new Reader(bytes);
  const { length, type } = decodeHeader(reader, ctx);
  if (length !== bytes.length) {
    throw new BgpError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_LENGTH,
      `header says ${length} bytes, message has ${bytes.length}`, Uint8Array.of(length >>> 8, length & 0xff));
  }
  try {
    return decodeBody(type, reader, bytes, ctx);
  } catch (e) {
    if (e instanceof ShortBufferError) throw truncated(type);
    throw e;
  }
}

function bodyLength(msg: BgpMessage, ctx: CodecContext): number {
  switch (msg.type) {
    case 'open': return openLength(msg, ctx);
    case 'update': return updateLength(msg, ctx);
    case 'notification': return notificationLength(msg, ctx);
    case 'keepalive': return 0;
    case 'route-refresh': return ROUTE_REFRESH_BODY_LENGTH;
  }
}

/** Length on the wire, header included. */
export function messageLength(msg: BgpMessage, ctx: CodecContext): number {
  return MESSAGE_HEADER_LENGTH + bodyLength(msg, ctx);
}

/** Encodes one message; throws RangeError when it exceeds the negotiated maximum length (RFC 8654). */
export function encodeMessage(msg: BgpMessage, ctx: CodecContext): Uint8Array {
  const type = TYPE_CODE[msg.type];
  const w = new Writer(msg.type === 'update' ? 4096 : 128);
  encodeHeader(w, 0, type);
  switch (msg.type) {
    case 'open': encodeOpen(w, msg, ctx); break;
    case 'update': encodeUpdate(w, msg, ctx); break;
    case 'notification': encodeNotification(w, msg, ctx); break;
    case 'keepalive': break;
    case 'route-refresh': encodeRouteRefresh(w, msg, ctx); break;
  }
  const max = maxMessageLength(type, ctx);
  if (w.length > max) throw new RangeError(`${msg.type} message of ${w.length} bytes exceeds the maximum of ${max}`);
  w.patchU16(16, w.length);
  return w.finish();
}
