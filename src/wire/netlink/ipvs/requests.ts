/**
 * IPVS requests as generic netlink messages (family id from nlctrl, version IPVS_GENL_VERSION). Changes
 * ask for an ack (NLM_F_ACK); the list commands (services, destinations, daemons) are dumps (NLM_F_DUMP),
 * get-config and get-info are answered by one message. The layout is ipvsadm's (libipvs), byte for byte. Sequence and port id are left 0 for the sender.
 */
import type { Writer } from '../../../lib/bytes.js';
import { putU32 } from '../attributes.js';
import { NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST } from '../constants.js';
import {
  IPVS_CMD_ATTR_DAEMON, IPVS_CMD_ATTR_DEST, IPVS_CMD_ATTR_SERVICE, IPVS_CMD_ATTR_TIMEOUT_TCP, IPVS_CMD_ATTR_TIMEOUT_TCP_FIN,
  IPVS_CMD_ATTR_TIMEOUT_UDP, IPVS_CMD_DEL_DAEMON, IPVS_CMD_DEL_DEST, IPVS_CMD_DEL_SERVICE, IPVS_CMD_FLUSH, IPVS_CMD_GET_CONFIG,
  IPVS_CMD_GET_DAEMON, IPVS_CMD_GET_DEST, IPVS_CMD_GET_INFO, IPVS_CMD_GET_SERVICE, IPVS_CMD_NEW_DAEMON, IPVS_CMD_NEW_DEST,
  IPVS_CMD_NEW_SERVICE, IPVS_CMD_SET_CONFIG, IPVS_CMD_SET_DEST, IPVS_CMD_SET_SERVICE, IPVS_CMD_ZERO, IPVS_GENL_VERSION,
} from './constants.js';
import { putDaemon } from './daemon.js';
import { putDestination, putDestinationKey } from './destination.js';
import { buildGenlMessage } from './genetlink.js';
import { putService, putServiceKey } from './service.js';
import type { DestinationSpec, IpvsDaemon, IpvsTimeouts, ServiceKey, ServiceSpec } from './types.js';

export type IpvsRequest =
  | { readonly cmd: 'newService' | 'setService'; readonly service: ServiceSpec }
  | { readonly cmd: 'delService' | 'getService'; readonly key: ServiceKey }
  | { readonly cmd: 'getServices' }
  | { readonly cmd: 'newDest' | 'setDest'; readonly key: ServiceKey; readonly dest: DestinationSpec }
  | { readonly cmd: 'delDest'; readonly key: ServiceKey; readonly address: string; readonly port: number }
  | { readonly cmd: 'getDests'; readonly key: ServiceKey }
  | { readonly cmd: 'newDaemon'; readonly daemon: IpvsDaemon }
  | { readonly cmd: 'delDaemon'; readonly state: IpvsDaemon['state'] }
  | { readonly cmd: 'getDaemons' }
  | { readonly cmd: 'setConfig'; readonly timeouts: IpvsTimeouts }
  | { readonly cmd: 'getConfig' | 'getInfo' | 'flush' }
  | { readonly cmd: 'zero'; readonly key?: ServiceKey };

export type IpvsCommand = IpvsRequest['cmd'];

const COMMANDS: Readonly<Record<IpvsCommand, readonly [cmd: number, kind: 'change' | 'get' | 'dump']>> = {
  newService: [IPVS_CMD_NEW_SERVICE, 'change'], setService: [IPVS_CMD_SET_SERVICE, 'change'], delService: [IPVS_CMD_DEL_SERVICE, 'change'],
  getService: [IPVS_CMD_GET_SERVICE, 'get'], getServices: [IPVS_CMD_GET_SERVICE, 'dump'],
  newDest: [IPVS_CMD_NEW_DEST, 'change'], setDest: [IPVS_CMD_SET_DEST, 'change'], delDest: [IPVS_CMD_DEL_DEST, 'change'],
  getDests: [IPVS_CMD_GET_DEST, 'dump'],
  newDaemon: [IPVS_CMD_NEW_DAEMON, 'change'], delDaemon: [IPVS_CMD_DEL_DAEMON, 'change'], getDaemons: [IPVS_CMD_GET_DAEMON, 'dump'],
  setConfig: [IPVS_CMD_SET_CONFIG, 'change'], getConfig: [IPVS_CMD_GET_CONFIG, 'get'], getInfo: [IPVS_CMD_GET_INFO, 'get'],
  zero: [IPVS_CMD_ZERO, 'change'], flush: [IPVS_CMD_FLUSH, 'change'],
};

/** Whether the request is a dump (many replies ended by NLMSG_DONE), a get (one reply) or a change (an ack). */
export const requestKind = (cmd: IpvsCommand): 'change' | 'get' | 'dump' => COMMANDS[cmd][1];

function body(w: Writer, req: IpvsRequest): void {
  switch (req.cmd) {
    case 'newService': case 'setService': putService(w, IPVS_CMD_ATTR_SERVICE, req.service); break;
    case 'delService': case 'getService': case 'getDests': putServiceKey(w, IPVS_CMD_ATTR_SERVICE, req.key); break;
    case 'newDest': case 'setDest':
      putServiceKey(w, IPVS_CMD_ATTR_SERVICE, req.key);
      putDestination(w, IPVS_CMD_ATTR_DEST, req.dest);
      break;
    case 'delDest':
      putServiceKey(w, IPVS_CMD_ATTR_SERVICE, req.key);
      putDestinationKey(w, IPVS_CMD_ATTR_DEST, req.address, req.port);
      break;
    case 'newDaemon': putDaemon(w, IPVS_CMD_ATTR_DAEMON, req.daemon); break;
    case 'delDaemon': putDaemon(w, IPVS_CMD_ATTR_DAEMON, { state: req.state }); break;
    case 'setConfig':
      putU32(w, IPVS_CMD_ATTR_TIMEOUT_TCP, req.timeouts.tcp);
      putU32(w, IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, req.timeouts.tcpFin);
      putU32(w, IPVS_CMD_ATTR_TIMEOUT_UDP, req.timeouts.udp);
      break;
    case 'zero': if (req.key) putServiceKey(w, IPVS_CMD_ATTR_SERVICE, req.key); break;
    case 'getServices': case 'getDaemons': case 'getConfig': case 'getInfo': case 'flush': break;
  }
}

/** Encode one IPVS request for the family id nlctrl gave. */
export function encodeIpvsRequest(familyId: number, req: IpvsRequest, seq = 0, pid = 0): Uint8Array {
  const [cmd, kind] = COMMANDS[req.cmd];
  // dumps also carry NLM_F_ACK, as ipvsadm's do (the kernel ends a dump with NLMSG_DONE and no ack)
  const flags = NLM_F_REQUEST | (kind === 'dump' ? NLM_F_DUMP | NLM_F_ACK : kind === 'change' ? NLM_F_ACK : 0);
  return buildGenlMessage(familyId, flags, { cmd, version: IPVS_GENL_VERSION }, (w) => body(w, req), seq, pid);
}
