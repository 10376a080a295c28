/**
 * The IPVS_CMD_ATTR_SERVICE nest (IPVS_SVC_ATTR_*). Identity: address family plus either the firewall mark or
 * protocol, address and port (port in network order). A full entry adds the scheduler name, the flags as
 * struct ip_vs_flags {flags, mask} (mask all ones: replace every flag, as ipvsadm does), the persistence
 * timeout and netmask (IPv4: the mask in network order; IPv6: the prefix length in host order), and an
 * optional persistence engine name. Attributes are written in ipvsadm's (libipvs) order, so requests are
 * byte for byte what ipvsadm sends (checked against captures in test/integration/ipvs).
 */
import type { Family } from '../../../lib/address.js';
import { Reader, type Writer } from '../../../lib/bytes.js';
import { attrString, attrU16, attrU32, attributeMap, putAttr, putNested, putString, putU16, putU32 } from '../attributes.js';
import { NetlinkDecodeError } from '../error.js';
import {
  IPVS_SVC_ATTR_ADDR, IPVS_SVC_ATTR_AF, IPVS_SVC_ATTR_FLAGS, IPVS_SVC_ATTR_FWMARK, IPVS_SVC_ATTR_NETMASK, IPVS_SVC_ATTR_PE_NAME,
  IPVS_SVC_ATTR_PORT, IPVS_SVC_ATTR_PROTOCOL, IPVS_SVC_ATTR_SCHED_NAME, IPVS_SVC_ATTR_STATS, IPVS_SVC_ATTR_STATS64, IPVS_SVC_ATTR_TIMEOUT,
} from './constants.js';
import { decodeStats } from './stats.js';
import type { ServiceEntry, ServiceKey, ServiceSpec } from './types.js';
import { afOf, be16, familyOfAf, familyOfText, inetAddr, protocolName, protocolNumber, putBe16, putInetAddr } from './values.js';

export const keyFamily = (key: ServiceKey): Family => ('fwmark' in key ? key.family : familyOfText(key.address));

function putKey(w: Writer, key: ServiceKey): void {
  putU16(w, IPVS_SVC_ATTR_AF, afOf(keyFamily(key)));
  if ('fwmark' in key) {
    putU32(w, IPVS_SVC_ATTR_FWMARK, key.fwmark);
  } else {
    putU16(w, IPVS_SVC_ATTR_PROTOCOL, protocolNumber(key.protocol));
    putInetAddr(w, IPVS_SVC_ATTR_ADDR, key.address);
    putBe16(w, IPVS_SVC_ATTR_PORT, key.port);
  }
}

function netmaskBytes(family: Family, len: number): Uint8Array {
  if (family === 6) {
    if (len < 1 || len > 128) throw new RangeError(`IPv6 persistence netmask /${len} is outside 1..128`);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, len, true);
    return b;
  }
  if (len < 0 || len > 32) throw new RangeError(`IPv4 persistence netmask /${len} is outside 0..32`);
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return Uint8Array.of(mask >>> 24, (mask >>> 16) & 0xff, (mask >>> 8) & 0xff, mask & 0xff);
}

function netmaskLength(family: Family, v: Uint8Array): number {
  if (v.length < 4) throw new NetlinkDecodeError(`netmask attribute of ${v.length} bytes`);
  if (family === 6) return new DataView(v.buffer, v.byteOffset, 4).getUint32(0, true);
  const mask = ((v[0]! << 24) | (v[1]! << 16) | (v[2]! << 8) | v[3]!) >>> 0;
  let len = 0;
  while (len < 32 && mask & (0x80000000 >>> len)) len++;
  if (((mask << len) >>> 0) !== 0 && len < 32) throw new NetlinkDecodeError(`IPv4 netmask ${mask.toString(16)} is not contiguous`);
  return len;
}

/**
 * The service nest for commands that only identify a service (delete, get, zero, destination commands).
 * The kernel reads only the identity there; like ipvsadm we send the full form with an empty scheduler.
 */
export function putServiceKey(w: Writer, type: number, key: ServiceKey): void {
  putService(w, type, { key, scheduler: '', flags: 0, timeout: 0, netmaskLength: keyFamily(key) === 4 ? 32 : 128 });
}

/** The full service nest (new and set service). */
export function putService(w: Writer, type: number, s: ServiceSpec): void {
  const family = keyFamily(s.key);
  putNested(w, type, (n) => {
    putKey(n, s.key);
    putString(n, IPVS_SVC_ATTR_SCHED_NAME, s.scheduler);
    if (s.persistenceEngine) putString(n, IPVS_SVC_ATTR_PE_NAME, s.persistenceEngine);
    const flags = new Uint8Array(8);
    new DataView(flags.buffer).setUint32(0, s.flags >>> 0, true);
    new DataView(flags.buffer).setUint32(4, 0xffffffff, true);
    putAttr(n, IPVS_SVC_ATTR_FLAGS, flags);
    putU32(n, IPVS_SVC_ATTR_TIMEOUT, s.timeout);
    putAttr(n, IPVS_SVC_ATTR_NETMASK, netmaskBytes(family, s.netmaskLength));
  });
}

/** Decode a service nest as the kernel reports it (dumps and get replies). */
export function decodeService(value: Uint8Array): ServiceEntry {
  const a = attributeMap(new Reader(value));
  const af = a.get(IPVS_SVC_ATTR_AF);
  if (!af) throw new NetlinkDecodeError('service without IPVS_SVC_ATTR_AF');
  const family = familyOfAf(attrU16(af));
  const fwmark = a.get(IPVS_SVC_ATTR_FWMARK);
  let key: ServiceKey;
  if (fwmark && attrU32(fwmark) !== 0) {
    key = { fwmark: attrU32(fwmark), family };
  } else {
    const proto = a.get(IPVS_SVC_ATTR_PROTOCOL);
    const addr = a.get(IPVS_SVC_ATTR_ADDR);
    const port = a.get(IPVS_SVC_ATTR_PORT);
    if (!proto || !addr || !port) throw new NetlinkDecodeError('service with neither a firewall mark nor protocol, address and port');
    key = { protocol: protocolName(attrU16(proto)), address: inetAddr(addr, family), port: be16(port) };
  }
  const sched = a.get(IPVS_SVC_ATTR_SCHED_NAME);
  const flags = a.get(IPVS_SVC_ATTR_FLAGS);
  const timeout = a.get(IPVS_SVC_ATTR_TIMEOUT);
  const netmask = a.get(IPVS_SVC_ATTR_NETMASK);
  const pe = a.get(IPVS_SVC_ATTR_PE_NAME);
  return {
    key,
    scheduler: sched ? attrString(sched) : '',
    flags: flags ? attrU32(flags) : 0,
    timeout: timeout ? attrU32(timeout) : 0,
    netmaskLength: netmask ? netmaskLength(family, netmask) : family === 4 ? 32 : 128,
    ...(pe ? { persistenceEngine: attrString(pe) } : {}),
    stats: decodeStats(a.get(IPVS_SVC_ATTR_STATS64), a.get(IPVS_SVC_ATTR_STATS)),
  };
}
