/**
 * ROUTE-REFRESH message body (RFC 2918 3) with the Message Subtype of RFC 7313 3 (0 request,
 * 1 BoRR, 2 EoRR). RFC 7313 5: a body that is not 4 bytes is error 7/1 with the whole message as data
 * (checked in message.ts, which has the whole message); an unknown subtype is decoded and left to the
 * speaker, which MUST ignore it.
 */
import type { Reader, Writer } from '../../lib/bytes.js';
import type { CodecContext, RouteRefreshMessage } from './types.js';

export const RouteRefreshSubtype = { REQUEST: 0, BEGIN: 1, END: 2 } as const;
export const ROUTE_REFRESH_BODY_LENGTH = 4;
/** RFC 7313 5: subcode of error code 7 (ROUTE-REFRESH Message Error). */
export const INVALID_ROUTE_REFRESH_LENGTH = 1;

export function decodeRouteRefresh(reader: Reader, _ctx: CodecContext): RouteRefreshMessage {
  const afi = reader.u16();
  const subtype = reader.u8();
  return { type: 'route-refresh', afi, safi: reader.u8(), subtype };
}

export function encodeRouteRefresh(writer: Writer, msg: RouteRefreshMessage, _ctx: CodecContext): void {
  writer.u16(msg.afi).u8(msg.subtype).u8(msg.safi);
}
