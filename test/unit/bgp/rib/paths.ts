// Builders for RIB tests: one base path and variants of it.
import { parsePrefix } from '../../../../src/lib/address.js';
import { makePath, type Path, type PathSource } from '../../../../src/bgp/rib/path.js';
import type { AsPathSegment, PathAttributes } from '../../../../src/wire/bgp/types.js';
import { AsPathSegmentType } from '../../../../src/wire/bgp/types.js';

export const LOCAL_AS = 64513;

export function seq(...asns: number[]): AsPathSegment { return { type: AsPathSegmentType.AS_SEQUENCE, asns }; }
export function set(...asns: number[]): AsPathSegment { return { type: AsPathSegmentType.AS_SET, asns }; }

export interface Variant {
  prefix?: string;
  peer?: string;
  routerId?: string;
  asn?: number;
  ibgp?: boolean;
  pathId?: number;
  nextHop?: string;
  igpCost?: number;
  stale?: boolean;
  receivedAt?: number;
  attributes?: Partial<PathAttributes>;
}

/** eBGP path for 172.20.1.1/32 from node 192.168.10.10 (AS 64512), origin IGP, AS_PATH 64512. */
export function path(v: Variant = {}): Path {
  const peer = v.peer ?? '192.168.10.10';
  const ibgp = v.ibgp ?? false;
  const source: PathSource = { address: peer, asn: v.asn ?? (ibgp ? LOCAL_AS : 64512), routerId: v.routerId ?? peer, ibgp };
  const attributes: PathAttributes = { origin: 0, asPath: [seq(64512)], nextHop: v.nextHop ?? peer, ...v.attributes };
  return makePath({
    prefix: parsePrefix(v.prefix ?? '172.20.1.1/32'),
    ...(v.pathId === undefined ? {} : { pathId: v.pathId }),
    source, attributes, nextHop: v.nextHop ?? peer,
    ...(v.igpCost === undefined ? {} : { igpCost: v.igpCost }),
    ...(v.stale === undefined ? {} : { stale: v.stale }),
  }, { now: () => v.receivedAt ?? 0 });
}
