/**
 * The IPVS_CMD_ATTR_DAEMON nest (IPVS_DAEMON_ATTR_*): connection-sync daemon state (master or backup), its
 * multicast interface and sync id, and the optional message size, group (IPv4 or IPv6), port and TTL.
 */
import { formatAddress, parseAddress } from '../../../lib/address.js';
import { Reader, type Writer } from '../../../lib/bytes.js';
import { attrString, attrU16, attrU32, attrU8, attributeMap, putAttr, putNested, putString, putU16, putU32, putU8 } from '../attributes.js';
import { NetlinkDecodeError } from '../error.js';
import {
  IP_VS_STATE_BACKUP, IP_VS_STATE_MASTER, IPVS_DAEMON_ATTR_MCAST_GROUP, IPVS_DAEMON_ATTR_MCAST_GROUP6, IPVS_DAEMON_ATTR_MCAST_IFN,
  IPVS_DAEMON_ATTR_MCAST_PORT, IPVS_DAEMON_ATTR_MCAST_TTL, IPVS_DAEMON_ATTR_STATE, IPVS_DAEMON_ATTR_SYNC_ID, IPVS_DAEMON_ATTR_SYNC_MAXLEN,
} from './constants.js';
import type { IpvsDaemon } from './types.js';

export const daemonState = (s: IpvsDaemon['state']): number => (s === 'master' ? IP_VS_STATE_MASTER : IP_VS_STATE_BACKUP);

/** Start a daemon (all fields) or, with only `state`, stop one (the kernel reads only the state then; like
 * ipvsadm we also send an empty interface name and sync id 0). */
export function putDaemon(w: Writer, type: number, d: IpvsDaemon | Pick<IpvsDaemon, 'state'>): void {
  putNested(w, type, (n) => {
    putU32(n, IPVS_DAEMON_ATTR_STATE, daemonState(d.state));
    putString(n, IPVS_DAEMON_ATTR_MCAST_IFN, 'interface' in d ? d.interface : '');
    putU32(n, IPVS_DAEMON_ATTR_SYNC_ID, 'interface' in d ? d.syncId : 0);
    if (!('interface' in d)) return;
    if (d.syncMaxLen !== undefined) putU16(n, IPVS_DAEMON_ATTR_SYNC_MAXLEN, d.syncMaxLen);
    if (d.group !== undefined) {
      const g = parseAddress(d.group);
      putAttr(n, g.length === 4 ? IPVS_DAEMON_ATTR_MCAST_GROUP : IPVS_DAEMON_ATTR_MCAST_GROUP6, g);
    }
    if (d.port !== undefined) putU16(n, IPVS_DAEMON_ATTR_MCAST_PORT, d.port);
    if (d.ttl !== undefined) putU8(n, IPVS_DAEMON_ATTR_MCAST_TTL, d.ttl);
  });
}

export function decodeDaemon(value: Uint8Array): IpvsDaemon {
  const a = attributeMap(new Reader(value));
  const state = a.get(IPVS_DAEMON_ATTR_STATE);
  const ifn = a.get(IPVS_DAEMON_ATTR_MCAST_IFN);
  const id = a.get(IPVS_DAEMON_ATTR_SYNC_ID);
  if (!state || !ifn || !id) throw new NetlinkDecodeError('daemon without state, interface or sync id');
  const maxlen = a.get(IPVS_DAEMON_ATTR_SYNC_MAXLEN);
  const group = a.get(IPVS_DAEMON_ATTR_MCAST_GROUP6) ?? a.get(IPVS_DAEMON_ATTR_MCAST_GROUP);
  const port = a.get(IPVS_DAEMON_ATTR_MCAST_PORT);
  const ttl = a.get(IPVS_DAEMON_ATTR_MCAST_TTL);
  return {
    state: attrU32(state) === IP_VS_STATE_MASTER ? 'master' : 'backup',
    interface: attrString(ifn),
    syncId: attrU32(id),
    ...(maxlen ? { syncMaxLen: attrU16(maxlen) } : {}),
    ...(group ? { group: formatAddress(group) } : {}),
    ...(port ? { port: attrU16(port) } : {}),
    ...(ttl ? { ttl: attrU8(ttl) } : {}),
  };
}
