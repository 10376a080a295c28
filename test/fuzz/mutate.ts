/**
 * Mutation of real inputs for fuzzing, as fast-check arbitraries: a mutant is a corpus entry (a capture
 * from a real peer, a kernel reply, a codec vector, an example configuration) plus a short list of edits
 * (bit flips, boundary values in 1/2/4-octet fields, insertions, deletions, duplications, splices from
 * another entry, truncation). Edits are data, so fast-check shrinks a crasher to the fewest edits.
 * For YAML there is also a tree mutation: one value of the parsed document replaced by a hostile value.
 */
import fc from 'fast-check';
import { parse, stringify } from 'yaml';

type Edit =
  | { readonly k: 'flip'; readonly at: number; readonly bit: number }
  | { readonly k: 'set'; readonly at: number; readonly width: 1 | 2 | 4; readonly v: number }
  | { readonly k: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly k: 'delete'; readonly at: number; readonly n: number }
  | { readonly k: 'dup'; readonly at: number; readonly n: number; readonly to: number }
  | { readonly k: 'splice'; readonly other: number; readonly from: number; readonly n: number; readonly at: number }
  | { readonly k: 'truncate'; readonly at: number };

/** Values that sit on the edges of length and count fields. */
const BOUNDARY = [0, 1, 2, 3, 4, 0x7f, 0x80, 0xfe, 0xff, 0x100, 0x7fff, 0x8000, 0xfffe, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

const position = fc.nat({ max: 0xffff });

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant('flip' as const), at: position, bit: fc.nat({ max: 7 }) }), weight: 4 },
  { arbitrary: fc.record({ k: fc.constant('set' as const), at: position, width: fc.constantFrom(1 as const, 2 as const, 4 as const),
    v: fc.oneof(fc.constantFrom(...BOUNDARY), fc.nat({ max: 0xffffffff })) }), weight: 4 },
  { arbitrary: fc.record({ k: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('delete' as const), at: position, n: fc.integer({ min: 1, max: 16 }) }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('dup' as const), at: position, n: fc.integer({ min: 1, max: 64 }), to: position }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('splice' as const), other: fc.nat(), from: position, n: fc.integer({ min: 1, max: 128 }), at: position }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('truncate' as const), at: position }), weight: 1 },
);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** Apply one edit; positions are taken modulo the current length, so every edit applies to every input. */
function applyEdit(b: Uint8Array, e: Edit, corpus: readonly Uint8Array[]): Uint8Array {
  const mod = (n: number, m: number): number => (m === 0 ? 0 : n % m);
  switch (e.k) {
    case 'flip': {
      if (b.length === 0) return b;
      const out = Uint8Array.from(b);
      const at = mod(e.at, b.length);
      out[at] = out[at]! ^ (1 << e.bit);
      return out;
    }
    case 'set': {
      if (b.length < e.width) return b;
      const out = Uint8Array.from(b);
      const at = mod(e.at, b.length - e.width + 1);
      // both byte orders: BGP and BFD are big-endian, netlink little-endian
      const bigEndian = (e.at & 1) === 0;
      for (let i = 0; i < e.width; i++) {
        const shift = 8 * (bigEndian ? e.width - 1 - i : i);
        out[at + i] = (e.v >>> shift) & 0xff;
      }
      return out;
    }
    case 'insert': { const at = mod(e.at, b.length + 1); return concat(b.subarray(0, at), e.bytes, b.subarray(at)); }
    case 'delete': { const at = mod(e.at, b.length + 1); return concat(b.subarray(0, at), b.subarray(at + e.n)); }
    case 'dup': {
      const at = mod(e.at, b.length + 1);
      const piece = b.subarray(at, at + e.n);
      const to = mod(e.to, b.length + 1);
      return concat(b.subarray(0, to), piece, b.subarray(to));
    }
    case 'splice': {
      const other = corpus[mod(e.other, corpus.length)]!;
      const from = mod(e.from, other.length + 1);
      const at = mod(e.at, b.length + 1);
      return concat(b.subarray(0, at), other.subarray(from, from + e.n), b.subarray(at));
    }
    case 'truncate': return b.subarray(0, mod(e.at, b.length + 1));
  }
}

/**
 * One mutation as data, ready to apply to any parent input; `corpus` is where splices take their bytes
 * from. The coverage-guided fuzzer (bench/fuzz-coverage.ts) applies them to the inputs it keeps; mutants()
 * applies them to a fixed seed corpus.
 */
export interface Mutation<T> {
  // a method, so that a target over bytes is also a target over unknown (method parameters are bivariant)
  apply(parent: T, corpus: readonly T[]): T;
}

/**
 * Byte mutations: one to six edits; `fixup` repairs outer length fields afterwards most of the time, so
 * that the inner decoders are the ones exercised rather than the first length check.
 */
export function byteMutations(fixup?: (b: Uint8Array) => Uint8Array): fc.Arbitrary<Mutation<Uint8Array>> {
  return fc.record({
    edits: fc.array(editArb, { minLength: 1, maxLength: 6 }),
    fix: fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, { arbitrary: fc.constant(false), weight: 1 }),
  }).map(({ edits, fix }) => ({
    apply: (parent: Uint8Array, corpus: readonly Uint8Array[]) => {
      let b = parent;
      for (const e of edits) b = applyEdit(b, e, corpus);
      return fix && fixup ? fixup(Uint8Array.from(b)) : b;
    },
  }));
}

/** Inputs made by one mutation of a seed picked from `seeds`. */
export function mutantsOf<T>(seeds: readonly T[], mutation: fc.Arbitrary<Mutation<T>>): fc.Arbitrary<T> {
  return fc.tuple(fc.nat({ max: seeds.length - 1 }), mutation).map(([i, m]) => m.apply(seeds[i]!, seeds));
}

/** Mutants of a byte corpus (see byteMutations). */
export function mutants(corpus: readonly Uint8Array[], fixup?: (b: Uint8Array) => Uint8Array): fc.Arbitrary<Uint8Array> {
  return mutantsOf(corpus, byteMutations(fixup));
}

/** Values a hostile or careless configuration might hold where something else is expected. */
const HOSTILE_VALUES: readonly unknown[] = [
  null, true, false, 0, -1, 1.5, 4294967296, 65536, 256, 33, 129, Number.MAX_SAFE_INTEGER, Number.NaN, Infinity, '', ' ', 'x',
  '10.0.0.0/33', '10.0.0.1', '::', '::/0', 'fe80::1%eth0', '0.0.0.0', '255.255.255.255/32', '2001:db8::/129', '65000:1', '65000:1:2',
  '4294967296:1', '__proto__', 'constructor', 'all', 'none', 'internal', 'external', [], [null], {},
  JSON.parse('{"__proto__": {"polluted": 1}}') as unknown,
  { prefix: '10.0.0.0/8' }, ['10.0.0.0/8'], 'a'.repeat(300),
];

type Tree = unknown;

/** Paths to every value in a parsed document (objects and arrays included). */
function paths(t: Tree, at: readonly (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push([...at]);
  if (Array.isArray(t)) t.forEach((v, i) => paths(v, [...at, i], out));
  else if (t !== null && typeof t === 'object') for (const [k, v] of Object.entries(t)) paths(v, [...at, k], out);
  return out;
}

function replaceAt(t: Tree, path: readonly (string | number)[], value: unknown): Tree {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  const copy: Record<string | number, unknown> = Array.isArray(t) ? [...t] as unknown as Record<number, unknown> : { ...(t as Record<string, unknown>) };
  copy[head!] = replaceAt(copy[head!], rest, value);
  return copy;
}

/** Parsed documents by text (bounded: kept inputs and seeds are parsed once, not per mutation). */
const parsedDocs = new Map<string, Tree | undefined>();

function parsedDoc(text: string): Tree | undefined {
  if (!parsedDocs.has(text)) {
    if (parsedDocs.size >= 2000) parsedDocs.clear();
    let doc: Tree | undefined;
    try { doc = parse(text) as Tree; } catch { doc = undefined; }
    parsedDocs.set(text, doc);
  }
  return parsedDocs.get(text);
}

/**
 * One to three values of a parsed YAML document replaced (by hostile values or arbitrary JSON), or deleted,
 * re-serialised. A parent that is not YAML any more is returned unchanged.
 */
export function yamlTreeMutations(): fc.Arbitrary<Mutation<string>> {
  const replacement = fc.oneof(fc.constantFrom(...HOSTILE_VALUES), fc.jsonValue({ maxDepth: 2 }));
  return fc.array(fc.tuple(fc.nat(), replacement, fc.boolean()), { minLength: 1, maxLength: 3 }).map((edits) => ({
    apply: (parent: string) => {
      let doc = parsedDoc(parent);
      if (doc === undefined) return parent;
      for (const [pick, value, deleteKey] of edits) {
        const all = paths(doc);
        const path = all[pick % all.length]!;
        doc = deleteKey && path.length > 0 && typeof path[path.length - 1] === 'string'
          ? replaceAt(doc, path, undefined)
          : replaceAt(doc, path, value);
      }
      return stringify(doc);
    },
  }));
}

/** Byte mutations of UTF-8 texts, decoded back to text (invalid sequences become U+FFFD, as a file read would). */
export function textMutations(): fc.Arbitrary<Mutation<string>> {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  return byteMutations().map((m) => ({
    apply: (parent: string, corpus: readonly string[]) => decoder.decode(m.apply(encoder.encode(parent), corpus.map((t) => encoder.encode(t)))),
  }));
}
