/**
 * BGP codec benchmark (not a test): 100,000 IPv4 /32 prefixes packed into 4096-byte UPDATEs, then decoded.
 * Reports prefixes per second for encode (packAnnouncements) and decode (decodeMessage) against a floor
 * measured in the same run: a minimal hand-written loop that only walks the same NLRI bytes. Median of 5.
 * Run: npx tsx bench/codec.ts
 */
import type { Prefix } from '../src/lib/address.js';
import { decodeMessage } from '../src/wire/bgp/message.js';
import { packAnnouncements } from '../src/wire/bgp/pack.js';
import { DEFAULT_CONTEXT } from '../src/wire/bgp/types.js';
import type { PathAttributes } from '../src/wire/bgp/types.js';

const COUNT = 100_000;
const RUNS = 5;
const ctx = DEFAULT_CONTEXT;
const attributes: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [65001] }], communities: [0xfde90064] };
const prefixes: Prefix[] = Array.from({ length: COUNT }, (_, i) => ({
  family: 4, addr: Uint8Array.of(10, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff), len: 32,
}));

function encode(): Uint8Array[] {
  return packAnnouncements({ family: 4, attributes, nextHop: '192.0.2.1', prefixes }, ctx);
}

function decode(messages: Uint8Array[]): number {
  let n = 0;
  for (const m of messages) {
    const d = decodeMessage(m, ctx);
    if (d.message.type === 'update') n += d.message.nlri.length;
  }
  return n;
}

/** The floor: find each UPDATE's NLRI field and step over its prefixes, touching every address byte. */
function walk(messages: Uint8Array[]): number {
  let n = 0; let sum = 0;
  for (const m of messages) {
    const withdrawn = (m[19]! << 8) | m[20]!;
    const attrsAt = 21 + withdrawn;
    let p = attrsAt + 2 + ((m[attrsAt]! << 8) | m[attrsAt + 1]!);
    while (p < m.length) {
      const bytes = (m[p]! + 7) >>> 3;
      for (let k = 1; k <= bytes; k++) sum += m[p + k]!;
      p += 1 + bytes;
      n++;
    }
  }
  if (sum < 0) throw new Error('unreachable');
  return n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time<T>(f: () => T): { ms: number; value: T } {
  const t0 = process.hrtime.bigint();
  const value = f();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, value };
}

function measure<T>(f: () => T, check: (v: T) => void): number {
  check(f()); // warm-up, and correctness
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = time(f);
    check(r.value);
    ms.push(r.ms);
  }
  return median(ms);
}

const messages = encode();
const expectCount = (n: number): void => { if (n !== COUNT) throw new Error(`walked ${n} prefixes, expected ${COUNT}`); };
const floorMs = measure(() => walk(messages), expectCount);
const encodeMs = measure(encode, (m) => expectCount(walk(m)));
const decodeMs = measure(() => decode(messages), expectCount);

const rate = (ms: number): string => `${Math.round(COUNT / (ms / 1000)).toLocaleString('en-US')} prefixes/s`;
console.log(`BGP codec: ${COUNT.toLocaleString('en-US')} IPv4 /32 in ${messages.length} UPDATEs of at most 4096 bytes; median of ${RUNS} runs`);
console.log(`  floor (walk NLRI bytes)  ${floorMs.toFixed(2).padStart(8)} ms  ${rate(floorMs)}`);
console.log(`  encode (packAnnouncements) ${encodeMs.toFixed(2).padStart(6)} ms  ${rate(encodeMs)}  ${(encodeMs / floorMs).toFixed(1)}x floor`);
console.log(`  decode (decodeMessage)   ${decodeMs.toFixed(2).padStart(8)} ms  ${rate(decodeMs)}  ${(decodeMs / floorMs).toFixed(1)}x floor`);
