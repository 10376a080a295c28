/**
 * One BGP transport connection (RFC 4271 2, TCP port 179 by default): frames the byte stream into
 * messages (split and coalesced reads alike), decodes them with the negotiated context, and writes with
 * back-pressure: `send` reports whether the socket wants a pause, `whenWritable` waits for it to drain.
 * A decoding error is reported, never thrown: the peer decides (RFC 7606). Decoding is bounded per turn of
 * the event loop (DECODE_BUDGET): a full table arrives as megabytes in one read, and what was decoded of it
 * is decided and written to the kernel while the rest waits for the next turn (reading pauses meanwhile).
 */
import { BgpError } from '../wire/bgp/error.js';
import { Framer } from '../wire/bgp/framer.js';
import { decodeMessage, encodeMessage, type DecodedMessage } from '../wire/bgp/message.js';
import type { BgpMessage, CodecContext } from '../wire/bgp/types.js';
import { DEFAULT_CONTEXT } from '../wire/bgp/types.js';

export type ConnectionDirection = 'in' | 'out';

/** What a Connection needs of its byte stream: a net.Socket has it, and unit tests give an in-memory one. */
export interface BgpSocket {
  readonly remoteAddress?: string | undefined;
  readonly localAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly writableNeedDrain: boolean;
  setNoDelay(noDelay?: boolean): unknown;
  write(bytes: Uint8Array): boolean;
  end(): unknown;
  destroy(): unknown;
  /** Reading stops and starts again (a large read decoded over several turns). */
  pause(): unknown;
  resume(): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'error', listener: (e: Error) => void): unknown;
  on(event: 'close' | 'drain', listener: () => void): unknown;
  off(event: 'close' | 'drain', listener: () => void): unknown;
  once(event: 'connect', listener: () => void): unknown;
}

/**
 * Bytes of messages decoded per connection and turn of the event loop, at most (~800 /32s of a table):
 * the rest of a large read waits for the next turn, so that routes flow to the kernel while a table still
 * arrives, and timers, other sessions and the netlink socket are served in between.
 */
const DECODE_BUDGET = 4 * 1024;

export interface ConnectionHandlers {
  onMessage(conn: Connection, msg: DecodedMessage): void;
  onError(conn: Connection, err: BgpError): void;
  onClose(conn: Connection, reason: string): void;
}

export class Connection {
  /** Context for encoding what we send; set once OPENs are exchanged. */
  txCtx: CodecContext = DEFAULT_CONTEXT;
  /** The contexts above come from both OPENs (set by the peer once the remote OPEN is accepted). */
  negotiated = false;
  private readonly framer = new Framer();
  private closed = false;
  private failed = false;
  /** Messages framed but not yet decoded (over the turn's budget), from `backlogHead` on. */
  private backlog: Uint8Array[] = [];
  private backlogHead = 0;
  private resumeScheduled = false;
  bytesIn = 0;
  bytesOut = 0;

  constructor(readonly socket: BgpSocket, readonly direction: ConnectionDirection, private readonly handlers: ConnectionHandlers) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e: Error) => this.close(`error: ${e.message}`));
    // what the peer sent before it closed (a NOTIFICATION, say) is read first, the turn's budget notwithstanding
    socket.on('close', () => { this.decodeBacklog(Infinity); this.close('closed by peer'); });
  }

  /** Context for decoding what the peer sends (the framer's length limit follows it). */
  get rxCtx(): CodecContext { return this.framer.context; }
  set rxCtx(ctx: CodecContext) { this.framer.context = ctx; }

  get remoteAddress(): string { return normalizeAddress(this.socket.remoteAddress ?? ''); }
  get localAddress(): string { return normalizeAddress(this.socket.localAddress ?? ''); }
  get remotePort(): number { return this.socket.remotePort ?? 0; }
  get isClosed(): boolean { return this.closed; }

  private onData(chunk: Buffer): void {
    if (this.failed || this.closed) return;
    this.bytesIn += chunk.length;
    let frames: Uint8Array[];
    try {
      frames = this.framer.push(chunk);
    } catch (e) {
      this.decodeFailed(e);
      return;
    }
    // behind a backlog (the socket pauses, but a read already under way may complete): keep the order
    if (this.backlogHead < this.backlog.length) { for (const f of frames) this.backlog.push(f); return; }
    this.backlog = frames;
    this.backlogHead = 0;
    this.decodeBacklog();
  }

  /** Decode and hand on framed messages until the turn's budget is spent; the rest goes on next turn. */
  private decodeBacklog(budget = DECODE_BUDGET): void {
    try {
      while (this.backlogHead < this.backlog.length && !this.failed && !this.closed) {
        if (budget <= 0) { this.continueNextTurn(); return; }
        const bytes = this.backlog[this.backlogHead++]!;
        budget -= bytes.length;
        this.handlers.onMessage(this, decodeMessage(bytes, this.rxCtx));
      }
      this.backlog = [];
      this.backlogHead = 0;
    } catch (e) {
      this.decodeFailed(e);
    }
  }

  private continueNextTurn(): void {
    if (this.resumeScheduled) return;
    this.resumeScheduled = true;
    this.socket.pause();
    setImmediate(() => {
      this.resumeScheduled = false;
      if (this.failed || this.closed) return;
      this.decodeBacklog();
      if (this.backlogHead >= this.backlog.length) this.socket.resume();
    });
  }

  private decodeFailed(e: unknown): void {
    if (!(e instanceof BgpError)) throw e;
    this.failed = true;
    this.backlog = [];
    this.handlers.onError(this, e);
  }

  /** Encode and write; false when the socket's buffer is full and the caller should wait for whenWritable(). */
  send(msg: BgpMessage): boolean {
    return this.write(encodeMessage(msg, this.txCtx));
  }

  write(bytes: Uint8Array): boolean {
    if (this.closed) return false;
    this.bytesOut += bytes.length;
    return this.socket.write(bytes);
  }

  get needsDrain(): boolean { return this.socket.writableNeedDrain; }

  whenWritable(): Promise<void> {
    if (!this.socket.writableNeedDrain || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => { this.socket.off('drain', done); this.socket.off('close', done); resolve(); };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  /** Flush what was written (a NOTIFICATION, say) and close. Reports onClose once. */
  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.backlog = [];
    this.socket.end();
    // a peer that does not read must not keep the socket forever
    setTimeout(() => this.socket.destroy(), 2000).unref();
    this.handlers.onClose(this, reason);
  }
}

/** "::ffff:10.0.0.1" (an IPv4 peer on a dual-stack socket) -> "10.0.0.1". */
export function normalizeAddress(a: string): string {
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}
