/**
 * Connection's bounded decoding (src/bgp/connection.ts): a large read (a table arriving) is decoded over
 * several turns of the event loop, in order, and what the peer sent before it closed, a NOTIFICATION
 * included, is delivered before the close. Over a real loopback TCP connection whose bytes are all in the
 * receive buffer before reading starts, so that they come in one read.
 */
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Connection } from '../../../src/bgp/connection.js';
import { encodeMessage } from '../../../src/wire/bgp/message.js';
import { DEFAULT_CONTEXT, type BgpMessage } from '../../../src/wire/bgp/types.js';

const KEEPALIVES = 2000;
const sockets: Socket[] = [];
afterEach(() => { for (const s of sockets.splice(0)) s.destroy(); });

/** The server side of a loopback connection to which `bytes` were written and the write side closed. */
async function written(bytes: Uint8Array): Promise<Socket> {
  const server = createServer({ pauseOnConnect: true });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  sockets.push(client);
  const [side] = await accepted;
  sockets.push(side);
  server.close();
  await new Promise<void>((r) => client.end(bytes, () => r()));
  // the bytes are in the server side's receive buffer by now (loopback), unread: the socket is paused
  await new Promise((r) => setTimeout(r, 50));
  return side;
}

describe('Connection decoding', () => {
  it('spreads a large read over turns of the event loop, in order, and delivers the NOTIFICATION sent before the close', async () => {
    const messages: BgpMessage[] = [{ type: 'keepalive' }];
    for (let i = 1; i < KEEPALIVES; i++) messages.push({ type: 'keepalive' });
    messages.push({ type: 'notification', code: 6, subcode: 2, data: new Uint8Array(0) });
    const bytes = Buffer.concat(messages.map((m) => encodeMessage(m, DEFAULT_CONTEXT)));
    const side = await written(bytes);
    const got: string[] = [];
    let firstTurn: number | undefined;
    const closed = new Promise<string>((resolve) => {
      // the connection lives through its handlers
      new Connection(side, 'in', {
        onMessage: (_c, m) => {
          if (got.length === 0) setImmediate(() => { firstTurn = got.length; });
          got.push(m.message.type);
        },
        onError: (_c, e) => got.push(`error ${e.message}`),
        onClose: (_c, reason) => resolve(reason),
      });
      side.resume();
    });
    expect(await closed).toBe('closed by peer');
    expect(got).toEqual(messages.map((m) => m.type));
    // the first turn decoded a bounded part (4 KiB of messages), not the whole read
    expect(firstTurn).toBeGreaterThan(0);
    expect(firstTurn).toBeLessThan(KEEPALIVES / 4);
  });
});
