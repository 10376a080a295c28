/**
 * Multihop BFD (RFC 5883) in BfdManager on a fake clock: two managers back to back through a link that
 * lowers the TTL by the hops between them and delivers to the multihop port. Covered: sessions come Up
 * across 3 hops (TTL 253, no TTL 255 check); a TTL below the configured minimum is dropped; with Your
 * Discriminator zero the session is selected by the source and destination address pair (a packet to
 * another local address is dropped); a multihop session takes no single-hop packet and a single-hop
 * session no multihop one; packets go out as multihop from the session's local address; the first multihop
 * session opens the multihop port; the passive role (RFC 5880 6.8.7) sends nothing until it hears the peer.
 */
import { describe, expect, it } from 'vitest';
import { BfdManager, type Arrival, type MultihopRoute } from '../../../src/bfd/manager.js';
import { FakeClock } from '../../../src/lib/clock.js';
import { encodeBfdControl } from '../../../src/wire/bfd/control.js';

const A = '10.0.1.1';
const B = '10.0.9.2';

interface Sent { readonly to: string; readonly route?: MultihopRoute }

function link(hops: number, o: { bMinTtl?: number; aPassive?: boolean } = {}) {
  const clock = new FakeClock(1000);
  const dropped: Record<'a' | 'b', string[]> = { a: [], b: [] };
  const sent: Record<'a' | 'b', Sent[]> = { a: [], b: [] };
  const opened: Record<'a' | 'b', number> = { a: 0, b: 0 };
  const m: { a?: BfdManager; b?: BfdManager } = {};
  const wire = (me: 'a' | 'b', to: 'a' | 'b', from: string, dest: string) => ({
    send: (bytes: Uint8Array, peer: string, route?: MultihopRoute) => {
      sent[me].push({ to: peer, ...(route ? { route } : {}) });
      const copy = bytes.slice();
      const arrival: Arrival = { on: route ? 'multihop' : 'single-hop', local: dest };
      clock.at(clock.now() + 1, () => m[to]!.receive(copy, 256 - hops, from, arrival));
    },
    openMultihop: () => { opened[me]++; },
  });
  const ev = (who: 'a' | 'b') => ({ up: () => undefined, down: () => undefined, dropped: (_p: string | undefined, r: string) => { dropped[who].push(r); } });
  m.a = new BfdManager(clock, wire('a', 'b', A, B), ev('a'));
  m.b = new BfdManager(clock, wire('b', 'a', B, A), ev('b'));
  m.a.add({ address: B, minTxMs: 100, minRxMs: 100, multiplier: 3, multihop: { localAddress: A, minTtl: 254 - hops }, ...(o.aPassive ? { passive: true } : {}) });
  m.b.add({ address: A, minTxMs: 100, minRxMs: 100, multiplier: 3, multihop: { localAddress: B, minTtl: o.bMinTtl ?? 254 - hops } });
  return { clock, a: m.a, b: m.b, dropped, sent, opened };
}

const packet = { diag: 0, state: 'Down' as const, poll: false, final: false, controlPlaneIndependent: false, demand: false, detectMult: 3, myDiscriminator: 77, yourDiscriminator: 0, desiredMinTxUs: 1e6, requiredMinRxUs: 1e6, requiredMinEchoRxUs: 0 };

describe('multihop BFD (RFC 5883)', () => {
  it('comes Up across three hops (TTL 253), sending to the multihop port from the local address; the port is opened once', () => {
    const { clock, a, b, sent, opened, dropped } = link(3);
    clock.advance(4000);
    expect([a.state(B), b.state(A)]).toEqual(['Up', 'Up']);
    expect(new Set(sent.a.map((s) => JSON.stringify(s)))).toEqual(new Set([JSON.stringify({ to: B, route: { local: A } })]));
    expect(opened).toEqual({ a: 1, b: 1 });
    expect(dropped).toEqual({ a: [], b: [] });
  });

  it('drops packets whose TTL is below the minimum: the session never comes Up', () => {
    const { clock, b, dropped } = link(3, { bMinTtl: 254 });
    clock.advance(4000);
    expect(b.state(A)).toBe('Down');
    expect(dropped.b[0]).toBe('TTL 253 is below the multihop minimum 254');
  });

  it('Your Discriminator zero: the session is the one of this source and destination pair', () => {
    const { a, dropped } = link(2);
    a.receive(encodeBfdControl(packet), 254, B, { on: 'multihop', local: '10.0.1.99' });
    expect(dropped.a).toEqual(['sent to 10.0.1.99, the multihop session is from 10.0.1.1']);
    a.receive(encodeBfdControl(packet), 254, B, { on: 'multihop', local: A });
    expect(a.views()[0]!.remoteDiscriminator).toBe(77);
  });

  it('a multihop session takes no single-hop packet, a single-hop session no multihop one', () => {
    const { a, dropped } = link(2);
    a.receive(encodeBfdControl(packet), 255, B, { on: 'single-hop', local: A });
    a.add({ address: '192.0.2.7', minTxMs: 100, minRxMs: 100, multiplier: 3 });
    a.receive(encodeBfdControl(packet), 255, '192.0.2.7', { on: 'multihop', local: A });
    a.receive(encodeBfdControl(packet), 254, '192.0.2.7', { on: 'source-port', local: A });
    expect(dropped.a).toEqual([
      'a single-hop packet (UDP 3784) for a multihop session', 'a multihop packet (UDP 4784) for a single-hop session', 'TTL 254 is not 255',
    ]);
  });

  it('the passive role sends nothing until the remote has spoken, then comes Up', () => {
    const clock = new FakeClock(1000);
    const sent: string[] = [];
    const alone = new BfdManager(clock, { send: (_b, peer) => { sent.push(peer); } }, { up: () => undefined, down: () => undefined });
    alone.add({ address: B, minTxMs: 100, minRxMs: 100, multiplier: 3, multihop: { minTtl: 250 }, passive: true });
    clock.advance(5000);
    expect(sent).toEqual([]);
    alone.receive(encodeBfdControl(packet), 254, B, { on: 'multihop', local: A });
    clock.advance(1500);
    expect(sent.length).toBeGreaterThan(0);
    const both = link(2, { aPassive: true });
    both.clock.advance(4000);
    expect(both.a.state(B)).toBe('Up');
  });
});
