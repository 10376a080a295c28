/**
 * IPVS statistics (IPVS_STATS_ATTR_*): the kernel sends both IPVS_*_ATTR_STATS (32-bit counters except
 * the byte counts) and IPVS_*_ATTR_STATS64 (every counter 64 bits, padded with IPVS_STATS_ATTR_PAD);
 * decoders prefer the 64-bit set. The rates (cps, pps, bps) are the kernel's 2-second estimator.
 */
import { Reader } from '../../../lib/bytes.js';
import { attributeMap } from '../attributes.js';
import { IPVS_STATS_FIELDS } from './constants.js';
import type { IpvsStats } from './types.js';
import { counter } from './values.js';

export const ZERO_STATS: IpvsStats = Object.freeze(Object.fromEntries(IPVS_STATS_FIELDS.map((f) => [f, 0n])) as unknown as IpvsStats);

/** The 64-bit form, or the 32-bit one when only that is present. */
export function decodeStats(stats64: Uint8Array | undefined, stats32: Uint8Array | undefined): IpvsStats {
  const value = stats64 ?? stats32;
  if (!value) return ZERO_STATS;
  const a = attributeMap(new Reader(value));
  const out: Record<string, bigint> = {};
  IPVS_STATS_FIELDS.forEach((f, i) => {
    const v = a.get(i + 1);
    out[f] = v ? counter(v) : 0n;
  });
  return out as unknown as IpvsStats;
}
