/**
 * Address pools as integer ranges: membership, and the free-address search that assignment uses.
 * avoidBuggyIPs skips IPv4 addresses ending in .0 and .255 (MetalLB's option, for clients and routers
 * that treat them as network or broadcast addresses even inside a larger prefix).
 */
import { formatAddress, parseAddress, type Family } from '../../lib/address.js';
import type { PoolConfig } from '../config/model.js';
import { bigIntToBytes, bytesToBigInt } from '../config/values.js';

export interface IpValue { readonly family: Family; readonly value: bigint }

export function ipValue(text: string): IpValue {
  const b = parseAddress(text);
  return { family: b.length === 4 ? 4 : 6, value: bytesToBigInt(b) };
}

export function ipText(ip: IpValue): string {
  return formatAddress(bigIntToBytes(ip.value, ip.family === 4 ? 4 : 16));
}

/** Canonical text of an address ("fd00:0::1" → "fd00::1"); undefined when it is not an address. */
export function canonicalIp(text: string): string | undefined {
  try { return ipText(ipValue(text)); } catch { return undefined; }
}

function buggy(ip: IpValue): boolean {
  if (ip.family !== 4) return false;
  const last = Number(ip.value & 0xffn);
  return last === 0 || last === 255;
}

/** May `pool` hand out this address? */
export function poolHolds(pool: PoolConfig, ip: IpValue): boolean {
  if (pool.avoidBuggyIPs && buggy(ip)) return false;
  return pool.ranges.some((r) => r.family === ip.family && r.first <= ip.value && ip.value <= r.last);
}

/**
 * The first address of `family` in `pool`, in range order, that is not in `taken` (integer values of
 * that family); the search stops after `limit` candidates so that a full or huge pool cannot stall the
 * agent.
 */
export function firstFree(pool: PoolConfig, family: Family, taken: ReadonlySet<bigint>, limit = 1 << 20): string | undefined {
  let tried = 0;
  for (const r of pool.ranges) {
    if (r.family !== family) continue;
    for (let v = r.first; v <= r.last && tried < limit; v++, tried++) {
      if (taken.has(v)) continue;
      const ip = { family, value: v };
      if (pool.avoidBuggyIPs && buggy(ip)) continue;
      return ipText(ip);
    }
  }
  return undefined;
}
