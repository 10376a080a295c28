// Loc-RIB: candidate paths per prefix, decisions for touched prefixes only, change reports, batches,
// peer removal and graceful restart.
import { describe, expect, it } from 'vitest';
import { DecisionStep } from '../../../../src/bgp/rib/decision.js';
import { LocRib, LocRibError, type PathChange, type RouteChange } from '../../../../src/bgp/rib/loc-rib.js';
import { path } from './paths.js';

const [N1, N2, N3] = ['192.168.10.10', '192.168.10.101', '192.168.10.102'] as const;
const VIP = '172.20.1.1/32';
const hops = (c: RouteChange | undefined) => c?.multipath.map((n) => n.address);

describe('LocRib', () => {
  it('reports a new prefix, then each change of its next hop set, with the old state', () => {
    const rib = new LocRib(4, { maximumPaths: 4 });
    const [first] = rib.add(path({ peer: N1 }));
    expect(first).toMatchObject({ key: VIP, reason: DecisionStep.ONLY_CANDIDATE, old: undefined });
    expect(hops(first)).toEqual([N1]);
    const [second] = rib.add(path({ peer: N2 }));
    expect(hops(second)).toEqual([N1, N2]);
    expect(second!.old?.multipath.map((n) => n.address)).toEqual([N1]);
    expect(second!.reason).toBe(DecisionStep.ROUTER_ID);
  });

  it('a batch decides each touched prefix once and reports it once', () => {
    const rib = new LocRib(4, { maximumPaths: 4 });
    const changes = rib.applyBatch([N1, N2, N3].map((peer) => ({ kind: 'add', path: path({ peer }) })));
    expect(changes).toHaveLength(1);
    expect(hops(changes[0])).toEqual([N1, N2, N3]);
    expect(rib.decisions).toBe(1);
  });

  it('replaces the path of the same (peer, path id) instead of adding one', () => {
    const rib = new LocRib(4);
    rib.add(path({ peer: N1, attributes: { med: 5 } }));
    const [c] = rib.add(path({ peer: N1, attributes: { med: 7 } }));
    expect(rib.candidates(VIP)).toHaveLength(1);
    expect(rib.pathCount).toBe(1);
    expect(c!.best!.attributes.med).toBe(7);
    rib.add(path({ peer: N1, pathId: 2 }));
    expect(rib.pathCount).toBe(2);
  });

  it('a worse path that changes neither best nor next hops is not reported', () => {
    const rib = new LocRib(4, { maximumPaths: 4 });
    rib.add(path({ peer: N1 }));
    expect(rib.add(path({ peer: N2, attributes: { localPref: 50 } }))).toEqual([]);
    expect(rib.candidates(VIP)).toHaveLength(2);
  });

  it('an add and a remove that cancel out in one batch report nothing', () => {
    const rib = new LocRib(4, { maximumPaths: 4 });
    rib.add(path({ peer: N1 }));
    expect(rib.applyBatch([{ kind: 'add', path: path({ peer: N2 }) }, { kind: 'remove', key: VIP, peer: N2, pathId: 0 }])).toEqual([]);
  });

  it('removing the last path withdraws the prefix', () => {
    const rib = new LocRib(4);
    const p = path({ peer: N1 });
    rib.add(p);
    expect(rib.remove(VIP, N2)).toEqual([]);
    const [c] = rib.remove(VIP, N1);
    expect(c).toMatchObject({ key: VIP, best: undefined, multipath: [], reason: 'withdrawn' });
    expect(c!.old!.best).toBe(p);
    expect(rib.size).toBe(0);
    expect(rib.get(VIP)).toBeUndefined();
    expect(rib.remove(VIP, N1)).toEqual([]);
  });

  it('removePeer touches only the prefixes that peer had', () => {
    const rib = new LocRib(4, { maximumPaths: 4 });
    const batch: PathChange[] = [];
    for (let i = 1; i <= 50; i++) {
      batch.push({ kind: 'add', path: path({ peer: N1, prefix: `172.20.1.${i}/32` }) });
      batch.push({ kind: 'add', path: path({ peer: N2, prefix: `172.20.1.${i}/32` }) });
      if (i <= 10) batch.push({ kind: 'add', path: path({ peer: N3, prefix: `172.20.2.${i}/32` }) });
    }
    rib.applyBatch(batch);
    const before = rib.decisions;
    const changes = rib.removePeer(N3);
    expect(rib.decisions - before).toBe(10);
    expect(changes.map((c) => c.reason)).toEqual(new Array(10).fill('withdrawn'));
    const c1 = rib.removePeer(N1);
    expect(c1).toHaveLength(50);
    expect(c1.every((c) => hops(c)!.join() === N2)).toBe(true);
    expect(rib.pathCount).toBe(50);
    expect(rib.removePeer(N1)).toEqual([]);
  });

  it('a peer that withdraws and re-announces its prefixes many times: removePeer decides each of them once', () => {
    const rib = new LocRib(4, { maximumPaths: 4 });
    const prefixes = Array.from({ length: 20 }, (_, i) => `172.20.3.${i}/32`);
    rib.applyBatch(prefixes.map((prefix) => ({ kind: 'add', path: path({ peer: N2, prefix }) })));
    for (let round = 0; round < 30; round++) {
      rib.applyBatch(prefixes.map((prefix) => ({ kind: 'add', path: path({ peer: N1, prefix }) })));
      if (round < 29) rib.applyBatch(prefixes.map((key) => ({ kind: 'remove', key, peer: N1, pathId: 0 })));
    }
    const before = rib.decisions;
    const changes = rib.removePeer(N1);
    expect(rib.decisions - before).toBe(20);
    expect(changes.map((c) => c.key).sort()).toEqual([...prefixes].sort());
    expect(changes.every((c) => hops(c)!.join() === N2)).toBe(true);
    expect(rib.removePeer(N1)).toEqual([]);
  });

  it('graceful restart: stale paths stay in the ECMP set, refreshed ones lose the mark, the sweep removes the rest', () => {
    const rib = new LocRib(4, { maximumPaths: 4 });
    rib.applyBatch([N1, N2].map((peer) => ({ kind: 'add', path: path({ peer }) })));
    rib.add(path({ peer: N1, prefix: '172.20.1.2/32' }));
    // RFC 4724 4.2: N1 restarts with its forwarding preserved; its paths are marked, the next hops stay
    const marked = rib.markStale(N1);
    expect(marked.map((c) => [c.key, hops(c)])).toEqual([['172.20.1.1/32', [N1, N2]], ['172.20.1.2/32', [N1]]]);
    expect(rib.get('172.20.1.1/32')!.multipath.map((n) => n.address)).toEqual([N1, N2]);
    expect(rib.candidates('172.20.1.1/32').find((p) => p.source.address === N1)!.stale).toBe(true);
    expect(rib.get('172.20.1.2/32')!.best.stale).toBe(true);
    // N1 comes back and re-announces 172.20.1.1 only: fresh again, same next hops
    rib.add(path({ peer: N1 }));
    expect(rib.candidates('172.20.1.1/32').every((p) => !p.stale)).toBe(true);
    expect(rib.get('172.20.1.1/32')!.multipath.map((n) => n.address)).toEqual([N1, N2]);
    const swept = rib.sweepStale(N1);
    expect(swept.map((c) => [c.key, c.reason])).toEqual([['172.20.1.2/32', 'withdrawn']]);
    expect(rib.candidates('172.20.1.1/32')).toHaveLength(2);
    expect(rib.sweepStale(N1)).toEqual([]);
  });

  it('reconfigure decides again with the new options', () => {
    const rib = new LocRib(4, { maximumPaths: 1 });
    rib.applyBatch([N1, N2, N3].map((peer) => ({ kind: 'add', path: path({ peer }) })));
    expect(hops(rib.reconfigure({ maximumPaths: 2 })[0])).toEqual([N1, N2]);
    expect(() => rib.reconfigure({ maximumPaths: 65 })).toThrow(LocRibError);
    expect(() => new LocRib(4, { maximumPaths: 0 })).toThrow(/maximumPaths/);
  });

  it('an IPv6 Loc-RIB works the same way, and paths take receivedAt from the injected clock', () => {
    const rib = new LocRib(6, { maximumPaths: 2 });
    const [c] = rib.applyBatch(['2001:db8::2', '2001:db8::1'].map((peer) => ({ kind: 'add', path: path({ peer, prefix: '2001:db8:1::1/128', receivedAt: 42 }) })));
    expect(hops(c)).toEqual(['2001:db8::1', '2001:db8::2']);
    expect(c!.best!.receivedAt).toBe(42);
  });

  it('refuses a path of the other family', () => {
    const rib = new LocRib(6);
    expect(() => rib.add(path())).toThrow(/IPv4/);
  });

  it('100,000 prefixes x 3 peers: every prefix gets 3-way ECMP, and one more update decides one prefix', () => {
    const rib = new LocRib(4, { maximumPaths: 4 });
    const peers = [N1, N2, N3];
    let reported = 0;
    for (const peer of peers) {
      const batch: PathChange[] = [];
      const attributes = { origin: 0 as const, asPath: [{ type: 2, asns: [64512] }], nextHop: peer };
      for (let i = 0; i < 100_000; i++) {
        batch.push({ kind: 'add', path: path({ peer, prefix: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`, attributes }) });
      }
      reported += rib.applyBatch(batch).length;
    }
    expect(rib.size).toBe(100_000);
    expect(rib.pathCount).toBe(300_000);
    expect(reported).toBe(300_000);
    expect(rib.decisions).toBe(300_000);
    for (const r of rib.routes()) if (r.multipath.length !== 3) throw new Error(`${r.key} has ${r.multipath.length} next hops`);
    const [c] = rib.remove('10.0.0.7/32', N2);
    expect(hops(c)).toEqual([N1, N3]);
    expect(rib.decisions).toBe(300_001);
  });
});
