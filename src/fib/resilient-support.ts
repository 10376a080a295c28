/**
 * Whether the kernel has resilient nexthop groups (NEXTHOP_GRP_TYPE_RES, merged in Linux 5.13; before that
 * the kernel refuses the group type). vipgate asks for them by default and falls back to hash-threshold
 * groups where they are missing: on an older kernel, and in the FIB's multipath mode (routes with inline
 * paths, for kernels without nexthop objects, have no groups at all).
 */
import { release } from 'node:os';

/** Linux release string ("6.1.0-13-arm64", "5.10.0") → whether it is 5.13 or later; false when unreadable. */
export function kernelHasResilientGroups(kernelRelease = release()): boolean {
  const m = /^(\d+)\.(\d+)/.exec(kernelRelease);
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 5 || (major === 5 && minor >= 13);
}
