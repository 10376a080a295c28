/**
 * An in-memory BgpSocket (src/bgp/connection.ts) for unit tests of Peer without TCP: the test plays the
 * remote speaker, feeding it messages and reading what the Peer wrote, decoded.
 */
import { EventEmitter } from 'node:events';
import type { BgpSocket } from '../../src/bgp/connection.js';
import { Framer } from '../../src/wire/bgp/framer.js';
import { decodeMessage, encodeMessage } from '../../src/wire/bgp/message.js';
import { DEFAULT_CONTEXT, type BgpMessage, type CodecContext } from '../../src/wire/bgp/types.js';

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
