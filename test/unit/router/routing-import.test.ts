// Routing's import bookkeeping (src/router/routing.ts): what a peer's routes count as accepted (shown as
// prefixesAccepted, and the RFC 4486 max-prefix limit), and what leaves the Loc-RIB when routes are refused,
// withdrawn, the session ends, or a graceful restart's End-of-RIB sweep drops what was not sent again.
import { describe, expect, it } from 'vitest';
import type { Peer } from '../../../src/bgp/peer.js';
import { parseRouterConfig } from '../../../src/config/router-config.js';
import { parsePrefix } from '../../../src/lib/address.js';
import { silentLogger } from '../../../src/lib/log.js';
import { FakeClock } from '../../../src/lib/clock.js';
import { establishedPeer } from '../../helpers/fake-socket.js';
import { Routing } from '../../../src/router/routing.js';
import { AsPathSegmentType, Origin, type UpdateMessage } from '../../../src/wire/bgp/types.js';

const clock = new FakeClock();

/** A real Peer, Established over an in-memory socket: Routing reads its Adj-RIB-In and its session. */
const peerAt = (address: string): Peer => establishedPeer({ address, localAs: 64513, remoteAs: 64512, remoteId: address, clock });

function update(nextHop: string, announce: string[], withdraw: string[] = []): UpdateMessage {
  return {
    type: 'update',
    withdrawn: withdraw.map((p) => ({ prefix: parsePrefix(p) })),
    attributes: { origin: Origin.IGP, asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [64512] }], nextHop },
    nlri: announce.map((p) => ({ prefix: parsePrefix(p) })),
  };
}

function setup(): { routing: Routing; peer: Peer; send: (u: UpdateMessage) => void; limits: number[][] } {
  const cfg = parseRouterConfig([
    'asn: 64513', 'routerId: 10.0.0.1', 'maximumPaths: 4',
    'neighbors:', '  - { range: 10.0.0.0/24, remoteAs: 64512, group: nodes }',
    'groups:', '  nodes: { import: { prefixes: ["172.20.1.0/24 le 32"] }, maxPrefix: 3 }', '',
  ].join('\n'));
  const limits: number[][] = [];
  const routing = new Routing(cfg, clock, silentLogger(), undefined, () => ({ connected: [parsePrefix('10.0.0.0/24')], local: ['10.0.0.1'] }), () => [], {
    refused: () => undefined, changed: () => undefined,
    maxPrefixExceeded: (_p, count, limit) => { limits.push([count, limit]); },
  });
  const peer = peerAt('10.0.0.11');
  routing.attach(peer, cfg.neighbors[0]!);
  return { routing, peer, send: (u) => routing.peerRoutes(peer, peer.ribIn.apply(u, 0)), limits };
}

const inRib = (routing: Routing): string[] => [...routing.ribs[4].routes()].map((r) => r.key).sort();

describe('Routing import bookkeeping', () => {
  it('counts accepted routes through refusals, re-announcements and withdrawals; the Loc-RIB follows', async () => {
    const { routing, peer, send, limits } = setup();
    send(update('10.0.0.11', ['172.20.1.1/32', '172.20.1.2/32', '10.9.9.9/32']));
    expect([routing.acceptedCount(peer), routing.rejectedCount(peer)]).toEqual([2, 1]);
    await routing.settled();
    expect(inRib(routing)).toEqual(['172.20.1.1/32', '172.20.1.2/32']);
    send(update('10.0.0.11', ['172.20.1.1/32'], ['10.9.9.9/32']));
    expect(routing.acceptedCount(peer)).toBe(2);
    send(update('10.0.0.11', [], ['172.20.1.2/32']));
    expect(routing.acceptedCount(peer)).toBe(1);
    await routing.settled();
    expect(inRib(routing)).toEqual(['172.20.1.1/32']);
    // a route refused now that was accepted before leaves (a next hop off every connected subnet)
    send(update('192.0.2.1', ['172.20.1.1/32']));
    expect([routing.acceptedCount(peer), routing.rejectedCount(peer)]).toEqual([0, 2]);
    await routing.settled();
    expect(inRib(routing)).toEqual([]);
    expect(limits).toEqual([]);
    // RFC 4486: past the limit of 3, once
    send(update('10.0.0.11', ['172.20.1.1/32', '172.20.1.2/32', '172.20.1.3/32', '172.20.1.4/32']));
    send(update('10.0.0.11', ['172.20.1.5/32']));
    expect(limits).toEqual([[4, 3]]);
    // the session ends: its routes go, nothing is counted
    const cleared = peer.ribIn.clear();
    routing.peerDown(peer);
    routing.peerRoutes(peer, cleared);
    expect(routing.acceptedCount(peer)).toBe(0);
    await routing.settled();
    expect(inRib(routing)).toEqual([]);
  });

  it('a session back after a graceful restart: End-of-RIB drops the stale routes it did not send again', async () => {
    const { routing, peer, send } = setup();
    send(update('10.0.0.11', ['172.20.1.1/32', '172.20.1.2/32', '10.9.9.9/32']));
    await routing.settled();
    peer.ribIn.markStale();
    routing.peerStale(peer);
    routing.attach(peer, parseRouterConfig(['asn: 64513', 'routerId: 10.0.0.1', 'neighbors:', '  - { range: 10.0.0.0/24, remoteAs: 64512, group: nodes }',
      'groups:', '  nodes: { import: { prefixes: ["172.20.1.0/24 le 32"] }, maxPrefix: 3 }', ''].join('\n')).neighbors[0]!);
    expect(routing.acceptedCount(peer)).toBe(2);
    send(update('10.0.0.11', ['172.20.1.2/32']));
    routing.peerRoutes(peer, peer.ribIn.sweepStale());
    expect(routing.acceptedCount(peer)).toBe(1);
    await routing.settled();
    expect(inRib(routing)).toEqual(['172.20.1.2/32']);
  });
});
