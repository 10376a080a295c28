/**
 * An in-memory BgpSocket (src/bgp/connection.ts) for unit tests of Peer without TCP: the test plays the
 * remote speaker, feeding it messages and reading what the Peer wrote, decoded; `establishedPeer` gives a
 * Peer in Established for tests of what sits above it (Routing).
 */
import { EventEmitter } from 'node:events';
import type { BgpSocket } from '../../src/bgp/connection.js';
import { Framer } from '../../src/wire/bgp/framer.js';
import { decodeMessage, encodeMessage } from '../../src/wire/bgp/message.js';
import { Afi, DEFAULT_CONTEXT, Safi, type BgpMessage, type CodecContext } from '../../src/wire/bgp/types.js';
import { Peer } from '../../src/bgp/peer.js';
import type { Clock } from '../../src/lib/clock.js';

export class FakeSocket extends EventEmitter implements BgpSocket {
  /** Set by the test to make the socket "full"; `drain()` empties it. */
  writableNeedDrain = false;
  readonly remotePort = 179;
  /** Bytes the Peer wrote, in order. */
  readonly written: Uint8Array[] = [];
  /** The Peer ended or destroyed it. */
  ended = false;

  constructor(readonly remoteAddress: string, readonly localAddress: string) { super(); }

  setNoDelay(): this { return this; }
  write(bytes: Uint8Array): boolean { this.written.push(Uint8Array.from(bytes)); return true; }
  end(): this { this.ended = true; return this; }
  destroy(): this { this.ended = true; return this; }
  /** Reading paused by the Connection (a large read decoded over several turns). */
  paused = false;
  pause(): this { this.paused = true; return this; }
  resume(): this { this.paused = false; return this; }

  /** The remote speaker sends `msg` (encoded with `ctx`, default the pre-OPEN context). */
  feed(msg: BgpMessage, ctx: CodecContext = DEFAULT_CONTEXT): void {
    this.emit('data', Buffer.from(encodeMessage(msg, ctx)));
  }

  /** Everything the Peer sent, decoded with `ctx`. */
  sent(ctx: CodecContext = DEFAULT_CONTEXT): BgpMessage[] {
    const framer = new Framer(ctx);
    return this.written.flatMap((b) => framer.push(b)).map((m) => decodeMessage(m, ctx).message);
  }

  /** The socket's buffer emptied (back-pressure released). */
  drain(): void { this.writableNeedDrain = false; this.emit('drain'); }

  /** The remote side closes the connection (or it breaks) without a NOTIFICATION. */
  hangUp(): void { this.emit('close'); }
}

/** A Peer with no handlers to speak of, brought to Established over a FakeSocket by a remote of `remoteAs` and `remoteId`. */
export function establishedPeer(o: { address: string; localAs: number; remoteAs: number; remoteId: string; clock: Clock }): Peer {
  const base = {
    name: o.address, address: o.address, port: 179, families: [4, 6] as const, nextHopSelf: false,
    connect: () => socket,
  };
  const socket = new FakeSocket(o.address, '192.0.2.254');
  const peer = new Peer({
    ...base,
    fsm: {
      localAs: o.localAs, routerId: '192.0.2.254', remoteAs: o.remoteAs, holdTime: 90, connectRetryTime: 5, passive: false,
      autoRestart: false, idleHoldTime: 1, idleHoldMax: 60, capabilities: Peer.capabilities({ ...base, localAs: o.localAs }),
    },
  }, o.clock, {
    state: () => undefined, established: () => undefined, down: () => undefined, routes: () => undefined, endOfRib: () => undefined,
    updateErrors: () => undefined, exportTable: () => [],
  });
  peer.start();
  socket.emit('connect');
  socket.feed({
    type: 'open', version: 4, myAs: o.remoteAs, holdTime: 90, bgpId: o.remoteId,
    capabilities: [{ kind: 'multiprotocol', afi: Afi.IPV4, safi: Safi.UNICAST }, { kind: 'four-octet-as', asn: o.remoteAs }],
  });
  socket.feed({ type: 'keepalive' });
  if (!peer.isEstablished) throw new Error(`the fake session with ${o.address} is ${peer.state}, not Established`);
  return peer;
}
