// Loc-RIB churn against a reference model: random batches of adds, replaces, removes, peer removals and
// graceful-restart marks and sweeps (seeded, bounded). After every batch the Loc-RIB's state for every
// prefix equals a decision made from scratch, and it reported exactly the prefixes whose best path or
// next hops changed.
import { describe, expect, it } from 'vitest';
import { selectBest } from '../../../../src/bgp/rib/decision.js';
import { LocRib, type PathChange, type RouteChange } from '../../../../src/bgp/rib/loc-rib.js';
import { DEFAULT_MULTIPATH_OPTIONS, selectMultipath } from '../../../../src/bgp/rib/multipath.js';
import { withStale, type Path } from '../../../../src/bgp/rib/path.js';
import { path, seq } from './paths.js';

const PEERS = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'];
const PREFIXES = Array.from({ length: 40 }, (_, i) => `172.20.1.${i}/32`);

function rng(seed: number): (n: number) => number {
  let x = seed >>> 0;
  return (n) => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return Math.floor((x / 4294967296) * n);
  };
}

type Model = Map<string, Map<string, Path>>; // prefix → "peer#pathId" → path
const slot = (p: Path) => `${p.source.address}#${p.pathId}`;

function snapshot(model: Model, o: typeof DEFAULT_MULTIPATH_OPTIONS): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, paths] of model) {
    const c = [...paths.values()];
    const d = selectBest(c, o);
    if (!d) continue;
    const hops = selectMultipath(d.best, c, o).nexthops.map((n) => `${n.address}/${n.weight}`);
    out.set(key, `${slot(d.best)} ${d.best.attributes.med} ${d.best.stale} ${hops.join(',')}`);
  }
  return out;
}
const describeChange = (c: RouteChange) => (c.best ? `${slot(c.best)} ${c.best.attributes.med} ${c.best.stale} ${c.multipath.map((n) => `${n.address}/${n.weight}`).join(',')}` : undefined);

describe('Loc-RIB under churn', () => {
  it('matches a from-scratch decision after each of 300 random batches', () => {
    const o = { ...DEFAULT_MULTIPATH_OPTIONS, maximumPaths: 3 };
    const rib = new LocRib(4, o);
    const model: Model = new Map();
    const r = rng(4271);
    let before = snapshot(model, o);
    for (let round = 0; round < 300; round++) {
      const op = r(10);
      let changes: RouteChange[];
      const peer = PEERS[r(PEERS.length)]!;
      if (op === 0) {
        changes = rib.removePeer(peer);
        for (const m of model.values()) for (const [k, p] of m) if (p.source.address === peer) m.delete(k);
      } else if (op === 1) {
        changes = rib.markStale(peer);
        for (const m of model.values()) for (const [k, p] of m) if (p.source.address === peer) m.set(k, withStale(p, true));
      } else if (op === 2) {
        changes = rib.sweepStale(peer);
        for (const m of model.values()) for (const [k, p] of m) if (p.source.address === peer && p.stale) m.delete(k);
      } else {
        const batch: PathChange[] = [];
        for (let i = 0, n = 1 + r(20); i < n; i++) {
          const prefix = PREFIXES[r(PREFIXES.length)]!;
          const p = PEERS[r(PEERS.length)]!;
          const pathId = r(2);
          if (r(3) === 0) {
            batch.push({ kind: 'remove', key: prefix, peer: p, pathId });
            model.get(prefix)?.delete(`${p}#${pathId}`);
          } else {
            const np = path({ prefix, peer: p, pathId, nextHop: `192.168.10.${1 + r(6)}`, attributes: { med: r(2), asPath: [seq(64512)], localPref: 100 + r(2) } });
            batch.push({ kind: 'add', path: np });
            if (!model.has(prefix)) model.set(prefix, new Map());
            model.get(prefix)!.set(slot(np), np);
          }
        }
        changes = rib.applyBatch(batch);
      }
      const after = snapshot(model, o);
      // state equals the reference for every prefix
      const ribState = new Map([...rib.routes()].map((x) => [x.key, describeChange({ ...x, reason: x.reason, old: undefined })!]));
      expect([round, ribState]).toEqual([round, after]);
      // reported: exactly the prefixes whose state changed (a replaced best path with the same slot may be reported too)
      const reported = new Map(changes.map((c) => [c.key, describeChange(c)]));
      for (const key of new Set([...before.keys(), ...after.keys()])) {
        if (before.get(key) !== after.get(key)) expect([round, key, reported.has(key), reported.get(key)]).toEqual([round, key, true, after.get(key)]);
      }
      // `old` is there exactly when the prefix had a route before the batch
      for (const c of changes) expect([round, c.key, c.old !== undefined]).toEqual([round, c.key, before.has(c.key)]);
      expect(rib.size).toBe(after.size);
      expect(rib.pathCount).toBe([...model.values()].reduce((s, m) => s + m.size, 0));
      before = after;
    }
    // everything removed leaves nothing behind
    for (const p of PEERS) rib.removePeer(p);
    expect([rib.size, rib.pathCount]).toEqual([0, 0]);
  });
});
