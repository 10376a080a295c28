/**
 * Splits a TCP byte stream into whole BGP messages (RFC 4271 4.1), whatever the read boundaries:
 * a message split across reads is reassembled, several messages in one read come out separately. Each
 * header is checked as it arrives (marker, type, length against the negotiated maximum: 4096, or 65535
 * with RFC 8654 extended messages, never for OPEN and KEEPALIVE), so a bad length is reported before its
 * body is awaited.
 */
import { Reader } from '../../lib/bytes.js';
import { decodeHeader } from './header.js';
import { DEFAULT_CONTEXT, MESSAGE_HEADER_LENGTH } from './types.js';
import type { CodecContext } from './types.js';

export class Framer {
  private pending: Uint8Array = new Uint8Array(0);

  /** Replace after the OPEN exchange (extended message changes the length limit). */
  context: CodecContext;

  constructor(context: CodecContext = DEFAULT_CONTEXT) {
    this.context = context;
  }

  /** Bytes received but not yet part of a complete message. */
  get buffered(): number { return this.pending.length; }

  /**
   * Adds a chunk and returns the messages it completes, in order (views into the chunk when a message
   * lies whole in it). Throws BgpError (message header error) on a bad header; the stream cannot be
   * resynchronised after that, so the session must end. `ctx` overrides `context` for this call.
   */
  push(chunk: Uint8Array, ctx: CodecContext = this.context): Uint8Array[] {
    let buf = chunk;
    if (this.pending.length > 0) {
      buf = new Uint8Array(this.pending.length + chunk.length);
      buf.set(this.pending, 0);
      buf.set(chunk, this.pending.length);
    }
    const out: Uint8Array[] = [];
    let p = 0;
    while (buf.length - p >= MESSAGE_HEADER_LENGTH) {
      const { length } = decodeHeader(new Reader(buf, p, p + MESSAGE_HEADER_LENGTH), ctx);
      if (buf.length - p < length) break;
      out.push(buf.subarray(p, p + length));
      p += length;
    }
    // Keep a copy of the tail: the caller may reuse its chunk.
    this.pending = p === buf.length ? new Uint8Array(0) : buf.slice(p);
    return out;
  }
}
