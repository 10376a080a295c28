/**
 * IPVS replies: each dump or get answer is one generic netlink message whose command names what it holds
 * (IPVS_CMD_NEW_SERVICE, NEW_DEST, NEW_DAEMON, SET_CONFIG, SET_INFO) and whose attributes carry it.
 */
import type { Family } from '../../../lib/address.js';
import { attrU32, attributeMap } from '../attributes.js';
import { NetlinkDecodeError } from '../error.js';
import type { NetlinkMessage } from '../message.js';
import {
  IPVS_CMD_ATTR_DAEMON, IPVS_CMD_ATTR_DEST, IPVS_CMD_ATTR_SERVICE, IPVS_CMD_ATTR_TIMEOUT_TCP, IPVS_CMD_ATTR_TIMEOUT_TCP_FIN,
  IPVS_CMD_ATTR_TIMEOUT_UDP, IPVS_INFO_ATTR_CONN_TAB_SIZE, IPVS_INFO_ATTR_VERSION,
} from './constants.js';
import { decodeDaemon } from './daemon.js';
import { decodeDestination } from './destination.js';
import { decodeGenl } from './genetlink.js';
import { decodeService } from './service.js';
import type { DestinationEntry, IpvsDaemon, IpvsInfo, IpvsTimeouts, ServiceEntry } from './types.js';

function nest(msg: NetlinkMessage, type: number, what: string): Uint8Array {
  const v = attributeMap(decodeGenl(msg).attrs).get(type);
  if (!v) throw new NetlinkDecodeError(`IPVS reply (command ${decodeGenl(msg).cmd}) without its ${what}`);
  return v;
}

export const decodeServiceReply = (msg: NetlinkMessage): ServiceEntry => decodeService(nest(msg, IPVS_CMD_ATTR_SERVICE, 'service'));
export const decodeDestinationReply = (msg: NetlinkMessage, serviceFamily: Family): DestinationEntry =>
  decodeDestination(nest(msg, IPVS_CMD_ATTR_DEST, 'destination'), serviceFamily);
export const decodeDaemonReply = (msg: NetlinkMessage): IpvsDaemon => decodeDaemon(nest(msg, IPVS_CMD_ATTR_DAEMON, 'daemon'));

export function decodeConfigReply(msg: NetlinkMessage): IpvsTimeouts {
  const a = attributeMap(decodeGenl(msg).attrs);
  const get = (t: number): number => { const v = a.get(t); return v ? attrU32(v) : 0; };
  return { tcp: get(IPVS_CMD_ATTR_TIMEOUT_TCP), tcpFin: get(IPVS_CMD_ATTR_TIMEOUT_TCP_FIN), udp: get(IPVS_CMD_ATTR_TIMEOUT_UDP) };
}

export function decodeInfoReply(msg: NetlinkMessage): IpvsInfo {
  const a = attributeMap(decodeGenl(msg).attrs);
  const version = a.get(IPVS_INFO_ATTR_VERSION);
  const size = a.get(IPVS_INFO_ATTR_CONN_TAB_SIZE);
  if (!version || !size) throw new NetlinkDecodeError('IPVS info reply without version or table size');
  return { version: attrU32(version), connTableSize: attrU32(size) };
}
