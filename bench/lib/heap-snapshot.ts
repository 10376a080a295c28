/**
 * Reads a V8 heap snapshot (`node --heapsnapshot-signal`, the .heapsnapshot JSON: a flat `nodes` array
 * described by snapshot.meta.node_fields, names in `strings`) and totals the self size and count of the
 * objects per kind: objects by constructor name (Map, Uint8Array, ...), plain objects by their property
 * names ("{key,prefix,...}", which tells a RIB entry from a path), the other node types (string, code,
 * array, closure, ...) by type. Where the memory of a process at rest goes, without
 * loading the snapshot into DevTools. A snapshot's text must fit one JavaScript string (~512 MB), so
 * take it with a smaller table when the heap is large.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface HeapKind { readonly kind: string; readonly count: number; readonly mib: number }

export function summarizeHeapSnapshot(path: string, top = 20): { totalMiB: number; kinds: HeapKind[] } {
  const s = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const { meta } = s.snapshot;
  const fields = meta.node_fields;
  const types = meta.node_types[0];
  const [typeAt, nameAt, sizeAt, edgeCountAt] = ['type', 'name', 'self_size', 'edge_count'].map((f) => fields.indexOf(f)) as [number, number, number, number];
  const [edgeTypeAt, edgeNameAt] = ['type', 'name_or_index'].map((f) => meta.edge_fields.indexOf(f)) as [number, number];
  const property = meta.edge_types[0].indexOf('property');
  const byKind = new Map<string, { count: number; bytes: number }>();
  let total = 0;
  let edge = 0;
  for (let i = 0; i < s.nodes.length; i += fields.length) {
    const type = types[s.nodes[i + typeAt]!] ?? '?';
    let kind = type === 'object' ? s.strings[s.nodes[i + nameAt]!] ?? '?' : `(${type})`;
    const edges = s.nodes[i + edgeCountAt]!;
    if (kind === 'Object') {
      const names: string[] = [];
      for (let e = edge; e < edge + edges * meta.edge_fields.length; e += meta.edge_fields.length) {
        if (s.edges[e + edgeTypeAt] === property) names.push(s.strings[s.edges[e + edgeNameAt]!] ?? '?');
      }
      kind = `{${names.sort().join(',')}}`;
    }
    edge += edges * meta.edge_fields.length;
    const size = s.nodes[i + sizeAt]!;
    const k = byKind.get(kind) ?? { count: 0, bytes: 0 };
    k.count++;
    k.bytes += size;
    byKind.set(kind, k);
    total += size;
  }
  const mib = (b: number): number => Math.round((b / 1048576) * 10) / 10;
  return {
    totalMiB: mib(total),
    kinds: [...byKind].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top).map(([kind, k]) => ({ kind, count: k.count, mib: mib(k.bytes) })),
  };
}
