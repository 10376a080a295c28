/**
 * The IPVS_CMD_ATTR_DEST nest (IPVS_DEST_ATTR_*): real server address (16-byte union) and port (network
 * order), forwarding method, weight, upper/lower connection thresholds, tunnel encapsulation (type, GUE
 * port in network order, flags), and the address family (real servers may differ from the service's family
 * only with tunnelling). Dumps add active, inactive and persistent connection counts and statistics.
 */
import type { Family } from '../../../lib/address.js';
import { Reader, type Writer } from '../../../lib/bytes.js';
import { attrU16, attrU32, attrU8, attributeMap, putNested, putU16, putU32, putU8 } from '../attributes.js';
import { NetlinkDecodeError } from '../error.js';
import {
  IP_VS_CONN_F_DROUTE, IP_VS_CONN_F_FWD_MASK, IP_VS_CONN_F_LOCALNODE, IP_VS_CONN_F_MASQ, IP_VS_CONN_F_TUNNEL,
  IPVS_DEST_ATTR_ACTIVE_CONNS, IPVS_DEST_ATTR_ADDR, IPVS_DEST_ATTR_ADDR_FAMILY, IPVS_DEST_ATTR_FWD_METHOD, IPVS_DEST_ATTR_INACT_CONNS,
  IPVS_DEST_ATTR_L_THRESH, IPVS_DEST_ATTR_PERSIST_CONNS, IPVS_DEST_ATTR_PORT, IPVS_DEST_ATTR_STATS, IPVS_DEST_ATTR_STATS64,
  IPVS_DEST_ATTR_TUN_FLAGS, IPVS_DEST_ATTR_TUN_PORT, IPVS_DEST_ATTR_TUN_TYPE, IPVS_DEST_ATTR_U_THRESH, IPVS_DEST_ATTR_WEIGHT,
} from './constants.js';
import { decodeStats } from './stats.js';
import type { DestinationEntry, DestinationSpec, ForwardMethod, TunnelType } from './types.js';
import { afOf, be16, familyOfAf, familyOfText, inetAddr, putBe16, putInetAddr } from './values.js';

const FORWARD: Readonly<Record<ForwardMethod, number>> = {
  masq: IP_VS_CONN_F_MASQ, local: IP_VS_CONN_F_LOCALNODE, tunnel: IP_VS_CONN_F_TUNNEL, route: IP_VS_CONN_F_DROUTE,
};
const TUNNELS: readonly TunnelType[] = ['ipip', 'gue', 'gre'];

function tunnelType(n: number): TunnelType {
  const t = TUNNELS[n];
  if (!t) throw new NetlinkDecodeError(`tunnel type ${n} is unknown`);
  return t;
}

function forwardName(n: number): ForwardMethod {
  const f = (Object.keys(FORWARD) as ForwardMethod[]).find((k) => FORWARD[k] === (n & IP_VS_CONN_F_FWD_MASK));
  if (!f) throw new NetlinkDecodeError(`forwarding method ${n} is unknown`);
  return f;
}

/** A destination identified by address and port (delete destination). The kernel reads only those; like
 * ipvsadm we send the full form with its defaults (direct routing, weight 1). */
export function putDestinationKey(w: Writer, type: number, address: string, port: number): void {
  putDestination(w, type, { address, port, forward: 'route', weight: 1, upperThreshold: 0, lowerThreshold: 0 });
}

/** The full destination nest (new and set destination). */
export function putDestination(w: Writer, type: number, d: DestinationSpec): void {
  if (d.weight < 0) throw new RangeError(`weight ${d.weight} is negative`);
  putNested(w, type, (n) => {
    putU16(n, IPVS_DEST_ATTR_ADDR_FAMILY, afOf(familyOfText(d.address)));
    putInetAddr(n, IPVS_DEST_ATTR_ADDR, d.address);
    putBe16(n, IPVS_DEST_ATTR_PORT, d.port);
    putU32(n, IPVS_DEST_ATTR_FWD_METHOD, FORWARD[d.forward]);
    putU32(n, IPVS_DEST_ATTR_WEIGHT, d.weight);
    // always present (zero unless tunnelling), as ipvsadm sends them
    putU8(n, IPVS_DEST_ATTR_TUN_TYPE, d.tunnel ? TUNNELS.indexOf(d.tunnel.type) : 0);
    putBe16(n, IPVS_DEST_ATTR_TUN_PORT, d.tunnel?.port ?? 0);
    putU16(n, IPVS_DEST_ATTR_TUN_FLAGS, d.tunnel?.flags ?? 0);
    putU32(n, IPVS_DEST_ATTR_U_THRESH, d.upperThreshold);
    putU32(n, IPVS_DEST_ATTR_L_THRESH, d.lowerThreshold);
  });
}

/** Decode a destination nest from a dump; `serviceFamily` is used when the kernel names no family. */
export function decodeDestination(value: Uint8Array, serviceFamily: Family): DestinationEntry {
  const a = attributeMap(new Reader(value));
  const af = a.get(IPVS_DEST_ATTR_ADDR_FAMILY);
  const family = af ? familyOfAf(attrU16(af)) : serviceFamily;
  const addr = a.get(IPVS_DEST_ATTR_ADDR);
  const port = a.get(IPVS_DEST_ATTR_PORT);
  if (!addr || !port) throw new NetlinkDecodeError('destination without address or port');
  const u32 = (t: number): number => { const v = a.get(t); return v ? attrU32(v) : 0; };
  const forward = forwardName(u32(IPVS_DEST_ATTR_FWD_METHOD));
  const tunType = a.get(IPVS_DEST_ATTR_TUN_TYPE);
  const tunPort = a.get(IPVS_DEST_ATTR_TUN_PORT);
  const tunFlags = a.get(IPVS_DEST_ATTR_TUN_FLAGS);
  return {
    address: inetAddr(addr, family),
    port: be16(port),
    forward,
    weight: u32(IPVS_DEST_ATTR_WEIGHT) | 0,
    upperThreshold: u32(IPVS_DEST_ATTR_U_THRESH),
    lowerThreshold: u32(IPVS_DEST_ATTR_L_THRESH),
    ...(forward === 'tunnel' && tunType
      ? { tunnel: { type: tunnelType(attrU8(tunType)), port: tunPort ? be16(tunPort) : 0, flags: tunFlags ? attrU16(tunFlags) : 0 } }
      : {}),
    activeConns: u32(IPVS_DEST_ATTR_ACTIVE_CONNS),
    inactiveConns: u32(IPVS_DEST_ATTR_INACT_CONNS),
    persistentConns: u32(IPVS_DEST_ATTR_PERSIST_CONNS),
    stats: decodeStats(a.get(IPVS_DEST_ATTR_STATS64), a.get(IPVS_DEST_ATTR_STATS)),
  };
}
