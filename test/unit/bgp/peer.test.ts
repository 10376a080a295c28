/**
 * Peer without TCP or real time: in-memory sockets (test/helpers/fake-socket.ts) and a FakeClock. Connection
 * collision resolution (RFC 4271 6.8) and the graceful restart helper (RFC 4724 4.2; RFC 8538's N bit and
 * Hard Reset), decided on the session-down cause.
 */
import { describe, expect, it } from 'vitest';
import { Peer, type PeerHandlers, type PeerOptions } from '../../../src/bgp/peer.js';
import { buildOpen, ceaseNotification } from '../../../src/bgp/fsm.js';
import { describeDown, type SessionDown } from '../../../src/bgp/session-down.js';
import type { RibInChange } from '../../../src/bgp/adj-rib-in.js';
import { FakeClock } from '../../../src/lib/clock.js';
import { parsePrefix } from '../../../src/lib/address.js';
import { negotiate } from '../../../src/wire/bgp/negotiate.js';
import { Afi, CeaseSubcode, Safi, type OpenMessage } from '../../../src/wire/bgp/types.js';
import { FakeSocket } from '../../helpers/fake-socket.js';

const LOCAL = '192.0.2.1';
const REMOTE = '192.0.2.2';
const RESTART_TIME = 120;

interface Log {
  downs: { cause: SessionDown; keepStale: boolean }[];
  routes: RibInChange[][];
  established: number;
}

function setup(o: { routerId?: string } = {}) {
  const clock = new FakeClock(1_000_000);
  const sockets: FakeSocket[] = [];
  const log: Log = { downs: [], routes: [], established: 0 };
  const handlers: PeerHandlers = {
    state: () => undefined,
    established: () => { log.established++; },
    down: (_p, cause, keepStale) => { log.downs.push({ cause, keepStale }); },
    routes: (_p, changes) => { log.routes.push(changes); },
    endOfRib: () => undefined,
    updateErrors: () => undefined,
    exportTable: () => [],
  };
  const base = {
    name: REMOTE, address: REMOTE, port: 179, families: [4] as const, nextHopSelf: false,
    gracefulRestart: { restartTime: 90, restarting: false },
    connect: () => { const s = new FakeSocket(REMOTE, LOCAL); sockets.push(s); return s; },
  };
  const options: PeerOptions = {
    ...base,
    fsm: {
      localAs: 64512, routerId: o.routerId ?? '10.0.0.5', remoteAs: 64513, holdTime: 90, connectRetryTime: 5,
      passive: false, autoRestart: true, idleHoldTime: 1, idleHoldMax: 60, capabilities: Peer.capabilities({ ...base, localAs: 64512 }),
    },
  };
  const peer = new Peer(options, clock, handlers);
  return { peer, clock, sockets, log, ourOpen: buildOpen(options.fsm) };
}

const remoteOpen = (o: { bgpId?: string; gr?: boolean; nBit?: boolean } = {}): OpenMessage => ({
  type: 'open', version: 4, myAs: 64513, holdTime: 90, bgpId: o.bgpId ?? '10.0.0.9',
  capabilities: [
    { kind: 'multiprotocol', afi: Afi.IPV4, safi: Safi.UNICAST }, { kind: 'four-octet-as', asn: 64513 },
    ...(o.gr === false ? [] : [{
      kind: 'graceful-restart' as const, restarting: false, notification: o.nBit ?? false, restartTime: RESTART_TIME,
      families: [{ afi: Afi.IPV4, safi: Safi.UNICAST, forwarding: true }],
    }]),
  ],
});

/** Dial out, exchange OPENs and KEEPALIVEs, receive one route; returns the socket and the remote's codec context. */
function established(s: ReturnType<typeof setup>, open = remoteOpen()) {
  s.peer.start();
  const sock = s.sockets[0]!;
  sock.emit('connect');
  sock.feed(open);
  sock.feed({ type: 'keepalive' });
  expect(s.peer.state).toBe('Established');
  const ctx = negotiate(open, s.ourOpen).tx;
  sock.feed({ type: 'update', withdrawn: [], nlri: [{ prefix: parsePrefix('172.20.1.1/32') }], attributes: { origin: 0, asPath: [], nextHop: REMOTE } }, ctx);
  expect(s.log.routes.flat().map((c) => c.key)).toEqual(['172.20.1.1/32']);
  return sock;
}

const staleFlags = (peer: Peer) => [...peer.ribIn.entries()].map((e) => e.stale);

describe('graceful restart helper (RFC 4724 4.2)', () => {
  it('the connection ending keeps the routes, stale, until the restart time; then they are withdrawn', () => {
    const s = setup();
    established(s).hangUp();
    expect(s.log.downs).toEqual([{ cause: { kind: 'tcp-closed', reason: 'closed by peer' }, keepStale: true }]);
    expect(s.peer.stats.lastError).toBe('connection closed by peer');
    expect(staleFlags(s.peer)).toEqual([true]);
    const before = s.log.routes.length;
    s.clock.advance(RESTART_TIME * 1000 - 1);
    expect(s.log.routes.length).toBe(before);
    s.clock.advance(1);
    expect(s.log.routes.at(-1)!.map((c) => [c.key, c.entry])).toEqual([['172.20.1.1/32', undefined]]);
    expect(s.peer.ribIn.size).toBe(0);
  });

  it('a peer without the capability: its routes go at once', () => {
    const s = setup();
    established(s, remoteOpen({ gr: false })).hangUp();
    expect(s.log.downs[0]!.keepStale).toBe(false);
    expect(s.peer.ribIn.size).toBe(0);
  });

  it('without the N bit a received NOTIFICATION drops the routes; with it they are kept, but never on a Hard Reset (RFC 8538)', () => {
    const cases: [boolean, number, boolean][] = [
      [false, CeaseSubcode.ADMINISTRATIVE_RESET, false],
      [true, CeaseSubcode.ADMINISTRATIVE_RESET, true],
      [true, CeaseSubcode.HARD_RESET, false],
    ];
    for (const [nBit, subcode, kept] of cases) {
      const s = setup();
      established(s, remoteOpen({ nBit })).feed(ceaseNotification(subcode));
      expect(s.log.downs.map((d) => [d.cause.kind, d.keepStale])).toEqual([['notification-received', kept]]);
      expect(s.peer.ribIn.size).toBe(kept ? 1 : 0);
    }
  });

  it('a stop from here (BFD down) drops the routes and says why', () => {
    const s = setup();
    established(s, remoteOpen({ nBit: true }));
    s.peer.stop('BFD down: Control Detection Time Expired', CeaseSubcode.BFD_DOWN);
    expect(s.log.downs.map((d) => [describeDown(d.cause), d.keepStale])).toEqual([['stopped: BFD down: Control Detection Time Expired', false]]);
    expect(s.peer.ribIn.size).toBe(0);
    // the N bit was exchanged: the Cease goes inside a Hard Reset (RFC 8538 5.1), so the peer drops our routes too
    const sent = s.sockets[0]!.sent().at(-1);
    expect(sent).toMatchObject({ type: 'notification', code: 6, subcode: CeaseSubcode.HARD_RESET });
    expect([...(sent as { data: Uint8Array }).data]).toEqual([6, CeaseSubcode.BFD_DOWN]);
  });
});

describe('connection collision (RFC 4271 6.8)', () => {
  /** Our connection in OpenSent, the remote's accepted beside it, then the remote's OPEN on its own connection. */
  function collide(remoteId: string) {
    const s = setup({ routerId: '10.0.0.5' });
    s.peer.start();
    const ours = s.sockets[0]!;
    ours.emit('connect');
    const theirs = new FakeSocket(REMOTE, LOCAL);
    s.peer.accept(theirs);
    expect(theirs.sent().map((m) => m.type)).toEqual(['open']);
    theirs.feed(remoteOpen({ bgpId: remoteId }));
    return { s, ours, theirs };
  }
  const cease7 = { type: 'notification', code: 6, subcode: CeaseSubcode.CONNECTION_COLLISION_RESOLUTION };

  it('a remote with the higher identifier keeps its connection: ours gets Cease 6/7 and closes', () => {
    const { s, ours, theirs } = collide('10.0.0.9');
    expect(ours.sent().at(-1)).toMatchObject(cease7);
    expect(ours.ended).toBe(true);
    expect(theirs.ended).toBe(false);
    theirs.feed({ type: 'keepalive' });
    expect(s.peer.state).toBe('Established');
    expect(s.log.established).toBe(1);
  });

  it('a remote with the lower identifier loses: its connection gets Cease 6/7, ours goes on', () => {
    const { s, ours, theirs } = collide('10.0.0.1');
    expect(theirs.sent().at(-1)).toMatchObject(cease7);
    expect(theirs.ended).toBe(true);
    expect(ours.ended).toBe(false);
    ours.feed(remoteOpen({ bgpId: '10.0.0.1' }));
    ours.feed({ type: 'keepalive' });
    expect(s.peer.state).toBe('Established');
  });

  it('an Established session refuses a second connection with Cease 6/7, unless the peer does graceful restart', () => {
    const s = setup();
    established(s, remoteOpen({ gr: false }));
    const extra = new FakeSocket(REMOTE, LOCAL);
    s.peer.accept(extra);
    expect(extra.sent()).toMatchObject([cease7]);
    expect(s.peer.state).toBe('Established');

    const g = setup();
    const first = established(g);
    const again = new FakeSocket(REMOTE, LOCAL);
    g.peer.accept(again);
    // RFC 4724 4.2: a new connection from a peer that does graceful restart means it restarted
    expect(first.ended).toBe(true);
    expect(g.log.downs.map((d) => [describeDown(d.cause), d.keepStale])).toEqual([['connection replaced: peer restarted (graceful restart)', true]]);
    expect(again.sent().map((m) => m.type)).toEqual(['open']);
  });
});
