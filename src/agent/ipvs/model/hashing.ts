/**
 * The hashing schedulers, as net/netfilter/ipvs/ip_vs_{sh,dh,mh}.c build and read their tables.
 * sh and dh: 256 buckets filled by walking the server list round and round; sh gives each server `weight`
 * consecutive buckets, dh one. sh hashes hash_32(source port (with the port flag) + source address, 8);
 * dh hashes hash_32(destination address, 8). mh: a Maglev lookup table of 4093 entries (a prime) filled in
 * turns; each server starts at offset = hsiphash(key1) mod 4093 and steps by skip = hsiphash(key2)
 * mod 4092 + 1, taking (weight / gcd) >> shift entries per turn; flows are looked up by hsiphash(key1) of
 * source port + source address. The fallback flag (sh, mh) walks the table from the flow's bucket to the
 * first usable server instead of failing when the chosen one is unusable (weight 0 or overloaded).
 */
import { IP_VS_SVC_F_SCHED1, IP_VS_SVC_F_SCHED2 } from '../../../wire/netlink/ipvs/constants.js';
import { foldAddress, hash32, hsiphashU32 } from './hash.js';
import type { Flow, ModelServer, SchedulerModel } from './types.js';

export const HASH_TABLE_BITS = 8;
export const HASH_TABLE_SIZE = 1 << HASH_TABLE_BITS;
export const MAGLEV_TABLE_SIZE = 4093;
/** CONFIG_IP_VS_MH_TAB_INDEX 12 -> IP_VS_MH_TAB_BITS 6 (limits turns per server). */
const MAGLEV_TAB_BITS = 6;
const MH_KEY1: [bigint, bigint] = [2654435761n, 2654435761n];
const MH_KEY2: [bigint, bigint] = [2654446892n, 2654446892n];

const unavailable = (s: ModelServer): boolean => s.weight <= 0 || s.overloaded === true;

/** The sh table: bucket -> server index. */
export function shTable(servers: readonly ModelServer[]): (number | undefined)[] {
  const table: (number | undefined)[] = [];
  let p = 0;
  let count = 0;
  for (let i = 0; i < HASH_TABLE_SIZE; i++) {
    if (servers.length === 0) { table.push(undefined); continue; }
    table.push(p);
    if (++count >= servers[p]!.weight) { p = (p + 1) % servers.length; count = 0; }
  }
  return table;
}

/** The dh table: server i in buckets i, i + n, i + 2n, ... */
export function dhTable(servers: readonly ModelServer[]): (number | undefined)[] {
  return Array.from({ length: HASH_TABLE_SIZE }, (_, i) => (servers.length ? i % servers.length : undefined));
}

function lookup(table: readonly (number | undefined)[], servers: readonly ModelServer[], bucketAt: (offset: number) => number,
  fallback: boolean): number | undefined {
  const first = table[bucketAt(0)];
  if (first === undefined) return undefined;
  if (!unavailable(servers[first]!)) return first;
  if (!fallback) return undefined;
  const home = bucketAt(0);
  for (let offset = 0; offset < table.length; offset++) {
    const d = table[bucketAt((offset + home) % table.length)];
    if (d === undefined) return undefined;
    if (!unavailable(servers[d]!)) return d;
  }
  return undefined;
}

export function sourceHashing(flags: number, initial: readonly ModelServer[] = []): SchedulerModel {
  let table = shTable(initial);
  const usePort = (flags & IP_VS_SVC_F_SCHED2) !== 0;
  return {
    name: 'sh',
    serversChanged(servers) { table = shTable(servers); },
    pick(servers, flow: Flow) {
      const base = ((usePort ? flow.sourcePort : 0) + foldAddress(flow.source)) >>> 0;
      return lookup(table, servers, (offset) => (offset + hash32(base, HASH_TABLE_BITS)) & (HASH_TABLE_SIZE - 1),
        (flags & IP_VS_SVC_F_SCHED1) !== 0);
    },
  };
}

export function destinationHashing(initial: readonly ModelServer[] = []): SchedulerModel {
  let table = dhTable(initial);
  return {
    name: 'dh',
    serversChanged(servers) { table = dhTable(servers); },
    pick(servers, flow) {
      const d = table[hash32(foldAddress(flow.destination), HASH_TABLE_BITS)];
      return d === undefined || unavailable(servers[d]!) ? undefined : d;
    },
  };
}

const mhKey = (address: string, port: number, key: [bigint, bigint], offset = 0): number =>
  hsiphashU32((offset + port + foldAddress(address)) >>> 0, key);

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const fls = (x: number): number => (x === 0 ? 0 : 32 - Math.clz32(x));

/** The Maglev lookup table: entry -> server index. Weights are the servers' last non-zero weights. */
export function maglevTable(servers: readonly ModelServer[]): (number | undefined)[] {
  const size = MAGLEV_TABLE_SIZE;
  const g = servers.reduce((acc, s) => (s.weight > 0 ? (acc > 0 ? gcd(s.weight, acc) : s.weight) : acc), 0);
  const table: (number | undefined)[] = new Array<number | undefined>(size).fill(undefined);
  if (g < 1) return table;
  const mw = Math.max(...servers.map((s) => s.weight)) / g;
  const shift = Math.max(0, fls(mw) - MAGLEV_TAB_BITS);
  const setup = servers.map((s) => {
    const offset = mhKey(s.address, s.port, MH_KEY1) % size;
    const skip = (mhKey(s.address, s.port, MH_KEY2) % (size - 1)) + 1;
    return { perm: offset, skip, turns: (Math.trunc(s.weight / g) >> shift) || (s.weight !== 0 ? 1 : 0) };
  });
  const taken = new Uint8Array(size);
  let n = 0;
  // every pass over the servers fills at least one entry (some server has turns >= 1), so size passes suffice
  for (let pass = 0; pass < size && n < size; pass++) {
    for (let i = 0; i < setup.length && n < size; i++) {
      const ds = setup[i]!;
      for (let t = 0; t < ds.turns && n < size; t++) {
        while (taken[ds.perm]) { ds.perm += ds.skip; if (ds.perm >= size) ds.perm -= size; }
        taken[ds.perm] = 1;
        table[ds.perm] = i;
        n++;
      }
    }
  }
  return table;
}

export function maglevHashing(flags: number, initial: readonly ModelServer[] = []): SchedulerModel {
  let table = maglevTable(initial);
  const usePort = (flags & IP_VS_SVC_F_SCHED2) !== 0;
  return {
    name: 'mh',
    serversChanged(servers) { table = maglevTable(servers); },
    pick(servers, flow) {
      const port = usePort ? flow.sourcePort : 0;
      return lookup(table, servers, (offset) => mhKey(flow.source, port, MH_KEY1, offset) % MAGLEV_TABLE_SIZE,
        (flags & IP_VS_SVC_F_SCHED1) !== 0);
    },
  };
}
