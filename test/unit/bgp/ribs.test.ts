import { describe, expect, it } from 'vitest';
import { AdjRibIn, PrefixPool, isPath } from '../../../src/bgp/adj-rib-in.js';
import { AdjRibOut } from '../../../src/bgp/adj-rib-out.js';
import { Exporter, prependAs, exportRefusal, type ExportPeer, type ExportRoute } from '../../../src/bgp/export.js';
import { parsePrefix, formatPrefix } from '../../../src/lib/address.js';
import type { PathAttributes, UpdateMessage } from '../../../src/wire/bgp/types.js';
import { WellKnownCommunity } from '../../../src/wire/bgp/types.js';

const attrs: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [64512] }], nextHop: '192.168.10.10', communities: [0xfc000001] };
const nlri = (s: string) => ({ prefix: parsePrefix(s) });
const update = (over: Partial<UpdateMessage>): UpdateMessage => ({ type: 'update', withdrawn: [], attributes: {}, nlri: [], ...over });

describe('Adj-RIB-In', () => {
  it('stores announcements with the shared attributes and reports withdrawals only for known routes', () => {
    const rib = new AdjRibIn();
    const c1 = rib.apply(update({ attributes: attrs, nlri: [nlri('172.20.1.1/32'), nlri('172.20.1.2/32')] }), 10);
    expect(c1.map((c) => c.key)).toEqual(['172.20.1.1/32', '172.20.1.2/32']);
    expect(rib.get('172.20.1.1/32')!.attributes).toBe(rib.get('172.20.1.2/32')!.attributes);
    expect(rib.get('172.20.1.1/32')!.nextHop).toBe('192.168.10.10');
    const c2 = rib.apply(update({ withdrawn: [nlri('172.20.1.1/32'), nlri('172.20.9.9/32')] }), 11);
    expect(c2).toEqual([{ key: '172.20.1.1/32', prefix: parsePrefix('172.20.1.1/32'), pathId: 0, entry: undefined }]);
    expect(rib.size).toBe(1);
  });

  it('takes IPv6 routes and their next hops from MP_REACH, withdrawals from MP_UNREACH', () => {
    const rib = new AdjRibIn();
    rib.apply(update({ attributes: { origin: 0, asPath: [], mpReach: { afi: 2, safi: 1, nextHop: 'fd00::10', linkLocalNextHop: 'fe80::1', nlri: [nlri('fd00:20::1/128')] } } }), 1);
    const e = rib.get('fd00:20::1/128')!;
    expect([e.nextHop, e.linkLocalNextHop, e.attributes.mpReach]).toEqual(['fd00::10', 'fe80::1', undefined]);
    rib.apply(update({ attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: [nlri('fd00:20::1/128')] } } }), 2);
    expect(rib.size).toBe(0);
  });

  it('keeps ADD-PATH paths of one prefix apart by path identifier', () => {
    const rib = new AdjRibIn();
    rib.apply(update({ attributes: attrs, nlri: [{ prefix: parsePrefix('10.0.0.0/24'), pathId: 1 }, { prefix: parsePrefix('10.0.0.0/24'), pathId: 2 }] }), 1);
    expect(rib.size).toBe(2);
    rib.apply(update({ withdrawn: [{ prefix: parsePrefix('10.0.0.0/24'), pathId: 1 }] }), 2);
    expect(rib.get('10.0.0.0/24', 2)).toBeDefined();
    expect(rib.get('10.0.0.0/24', 1)).toBeUndefined();
  });

  it('graceful restart: stale routes that are re-advertised survive the sweep, the rest go', () => {
    const rib = new AdjRibIn();
    rib.apply(update({ attributes: attrs, nlri: [nlri('172.20.1.1/32'), nlri('172.20.1.2/32')] }), 1);
    expect(rib.markStale()).toBe(2);
    rib.apply(update({ attributes: attrs, nlri: [nlri('172.20.1.2/32')] }), 2);
    expect(rib.sweepStale().map((c) => c.key)).toEqual(['172.20.1.1/32']);
    expect([...rib.entries()].map((e) => [e.key, e.stale])).toEqual([['172.20.1.2/32', false]]);
  });

  it('peers share one prefix object and key per prefix; the pool lets go when the last route goes', () => {
    const pool = new PrefixPool();
    const [a, b] = [new AdjRibIn(pool), new AdjRibIn(pool)];
    const announce = (rib: AdjRibIn, t: number) => rib.apply(update({ attributes: attrs, nlri: [nlri('172.20.1.1/32'), { prefix: parsePrefix('172.20.1.1/32'), pathId: 7 }] }), t);
    const fromA = announce(a, 1);
    const fromB = announce(b, 2);
    expect(fromB[0]!.prefix).toBe(fromA[0]!.prefix);
    expect(fromB[0]!.key).toBe(fromA[0]!.key);
    expect(b.get('172.20.1.1/32', 7)!.prefix).toBe(a.get('172.20.1.1/32')!.prefix);
    expect(pool.size).toBe(1);
    announce(a, 3); // replacing routes takes nothing more
    expect(a.apply(update({ withdrawn: [nlri('172.20.1.1/32')] }), 4).map((c) => c.prefix)).toEqual([fromA[0]!.prefix]);
    expect(pool.size).toBe(1);
    a.clear();
    b.apply(update({ withdrawn: [nlri('172.20.1.1/32'), { prefix: parsePrefix('172.20.1.1/32'), pathId: 7 }] }), 5);
    expect([a.size, b.size, pool.size]).toEqual([0, 0, 0]);
  });

  it('given the peer as path source, entries are Loc-RIB paths; marking stale copies them and leaves the paths alone', () => {
    const source = { address: '192.168.10.10', asn: 64512, routerId: '10.255.0.1', ibgp: false };
    const rib = new AdjRibIn(new PrefixPool(), () => source);
    rib.apply(update({ attributes: attrs, nlri: [nlri('172.20.1.1/32')] }), 7);
    const e = rib.get('172.20.1.1/32')!;
    expect(isPath(e)).toBe(true);
    expect(e).toMatchObject({ key: '172.20.1.1/32', pathId: 0, source, nextHop: '192.168.10.10', igpCost: 0, stale: false, receivedAt: 7 });
    expect(e.gracefulShutdown).toBe(false);
    rib.apply(update({ attributes: { ...attrs, communities: [WellKnownCommunity.GRACEFUL_SHUTDOWN] }, nlri: [nlri('172.20.1.2/32')] }), 8);
    expect(rib.get('172.20.1.2/32')!.gracefulShutdown).toBe(true);
    rib.markStale();
    expect(e.stale).toBe(false);
    expect(rib.get('172.20.1.1/32')).toMatchObject({ stale: true, source, receivedAt: 7 });
    expect(isPath(new AdjRibIn(new PrefixPool()).apply(update({ attributes: attrs, nlri: [nlri('172.20.1.1/32')] }), 1)[0]!.entry!)).toBe(false);
  });
});

const ebgpPeer: ExportPeer = { address: '10.0.0.2', localAs: 64513, ibgp: false, localAddress: '10.0.0.1', nextHopSelf: false };
const route = (key: string, a: PathAttributes, from?: ExportRoute['from']): ExportRoute => ({ key, prefix: parsePrefix(key), attributes: a, nextHop: '192.168.10.10', ...(from ? { from } : {}) });

describe('export rules (RFC 4271 5.1, 9.1.3)', () => {
  it('towards eBGP: prepends our AS, sets next hop self, drops LOCAL_PREF and a foreign MED', () => {
    const ex = new Exporter(ebgpPeer);
    const out = ex.export(route('172.20.1.1/32', { ...attrs, localPref: 200, med: 5 }, { address: '192.168.10.10', ibgp: false }))!;
    expect(out.nextHop).toBe('10.0.0.1');
    expect(out.attributes.asPath).toEqual([{ type: 2, asns: [64513, 64512] }]);
    expect(out.attributes.localPref).toBeUndefined();
    expect(out.attributes.med).toBeUndefined();
    expect(out.attributes.communities).toEqual([0xfc000001]);
  });

  it('keeps attribute sharing: routes with one source attribute object export to one object', () => {
    const ex = new Exporter(ebgpPeer);
    const a = ex.export(route('172.20.1.1/32', attrs, { address: '192.168.10.10', ibgp: false }))!;
    const b = ex.export(route('172.20.1.2/32', attrs, { address: '192.168.10.10', ibgp: false }))!;
    expect(a.attributes).toBe(b.attributes);
  });

  it('towards iBGP: next hop unchanged, LOCAL_PREF defaulted, split horizon for iBGP-learned routes', () => {
    const ibgp: ExportPeer = { ...ebgpPeer, ibgp: true };
    const ex = new Exporter(ibgp);
    const out = ex.export(route('172.20.1.1/32', attrs, { address: '192.168.10.10', ibgp: false }))!;
    expect([out.nextHop, out.attributes.localPref, out.attributes.asPath]).toEqual(['192.168.10.10', 100, attrs.asPath]);
    expect(ex.export(route('172.20.1.1/32', attrs, { address: '10.9.9.9', ibgp: true }))).toBeUndefined();
    expect(new Exporter({ ...ibgp, nextHopSelf: true }).export(route('172.20.1.1/32', attrs, { address: '1.1.1.1', ibgp: false }))!.nextHop).toBe('10.0.0.1');
  });

  it('never back to the peer it came from; NO_EXPORT and NO_ADVERTISE honoured', () => {
    expect(exportRefusal(route('172.20.1.1/32', attrs, { address: '10.0.0.2', ibgp: false }), ebgpPeer)).toBe('learned from this peer');
    expect(exportRefusal(route('172.20.1.1/32', { ...attrs, communities: [WellKnownCommunity.NO_EXPORT] }), ebgpPeer)).toBe('NO_EXPORT');
    expect(exportRefusal(route('172.20.1.1/32', { ...attrs, communities: [WellKnownCommunity.NO_EXPORT] }), { ...ebgpPeer, ibgp: true })).toBeUndefined();
    expect(exportRefusal(route('172.20.1.1/32', { ...attrs, communities: [WellKnownCommunity.NO_ADVERTISE] }), { ...ebgpPeer, ibgp: true })).toBe('NO_ADVERTISE');
  });

  it('a local route keeps its MED towards eBGP and starts its AS path with our AS', () => {
    const out = new Exporter(ebgpPeer).export(route('10.1.1.0/24', { origin: 0, med: 7 }))!;
    expect([out.attributes.med, out.attributes.asPath]).toEqual([7, [{ type: 2, asns: [64513] }]]);
  });

  it('prepending opens a new segment after an AS_SET or a full sequence', () => {
    expect(prependAs([{ type: 1, asns: [1, 2] }], 9)).toEqual([{ type: 2, asns: [9] }, { type: 1, asns: [1, 2] }]);
    const full = { type: 2, asns: Array.from({ length: 255 }, (_, i) => i + 1) };
    expect(prependAs([full], 9)[0]).toEqual({ type: 2, asns: [9] });
    expect(prependAs(undefined, 9, 3)).toEqual([{ type: 2, asns: [9, 9, 9] }]);
  });
});

describe('Adj-RIB-Out', () => {
  const exported = (key: string, a: PathAttributes, nextHop = '10.0.0.1') => ({ key, prefix: parsePrefix(key), attributes: a, nextHop });

  it('groups pending announcements by attributes and next hop, and coalesces repeated changes', () => {
    const out = new AdjRibOut();
    const a1: PathAttributes = { origin: 0 };
    const a2: PathAttributes = { origin: 2 };
    out.announce(exported('172.20.1.1/32', a1));
    out.announce(exported('172.20.1.2/32', a1));
    out.announce(exported('172.20.1.3/32', a2));
    out.announce(exported('172.20.1.3/32', a1)); // replaces the pending a2
    const d = out.drain();
    expect(d.announce.length).toBe(1);
    expect(d.announce[0]!.prefixes.map(formatPrefix)).toEqual(['172.20.1.1/32', '172.20.1.2/32', '172.20.1.3/32']);
    expect(out.size).toBe(3);
    out.announce(exported('172.20.1.1/32', a1)); // unchanged: nothing to send
    expect(out.pendingCount).toBe(0);
  });

  it('withdraws only what was sent, and a withdraw cancels a pending announcement', () => {
    const out = new AdjRibOut();
    out.withdraw('172.20.1.9/32', parsePrefix('172.20.1.9/32'));
    expect(out.pendingCount).toBe(0);
    out.announce(exported('172.20.1.1/32', { origin: 0 }));
    out.withdraw('172.20.1.1/32', parsePrefix('172.20.1.1/32'));
    expect(out.pendingCount).toBe(0);
    out.announce(exported('172.20.1.1/32', { origin: 0 }));
    out.drain();
    out.withdraw('172.20.1.1/32', parsePrefix('172.20.1.1/32'));
    expect(out.drain().withdraw.map((w) => w.prefixes.map(formatPrefix))).toEqual([['172.20.1.1/32']]);
    expect(out.size).toBe(0);
  });

  it('replaceAll makes the peer view equal to the desired set (MetalLB style)', () => {
    const out = new AdjRibOut();
    const a: PathAttributes = { origin: 0 };
    out.replaceAll([exported('172.20.1.1/32', a), exported('172.20.1.2/32', a)]);
    out.drain();
    out.replaceAll([exported('172.20.1.2/32', a), exported('172.20.1.3/32', a)]);
    const d = out.drain();
    expect(d.withdraw.flatMap((w) => w.prefixes.map(formatPrefix))).toEqual(['172.20.1.1/32']);
    expect(d.announce.flatMap((g) => g.prefixes.map(formatPrefix))).toEqual(['172.20.1.3/32']);
  });

  it('drains in bounded batches', () => {
    const out = new AdjRibOut();
    const a: PathAttributes = { origin: 0 };
    for (let i = 0; i < 10; i++) out.announce(exported(`172.20.1.${i}/32`, a));
    expect(out.drain(4).announce[0]!.prefixes.length).toBe(4);
    expect(out.pendingCount).toBe(6);
  });
});
