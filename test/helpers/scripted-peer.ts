/**
 * A scripted BGP peer for hostile-input and fault tests: it speaks just enough BGP over a real TCP socket
 * (OPEN, KEEPALIVE) and then sends whatever the test wants, well formed or not, recording what it gets back.
 */
import { connect, type Socket } from 'node:net';
import { decodeMessage, encodeMessage } from '../../src/wire/bgp/message.js';
import { Framer } from '../../src/wire/bgp/framer.js';
import type { BgpMessage, NotificationMessage, UpdateMessage } from '../../src/wire/bgp/types.js';
import { DEFAULT_CONTEXT } from '../../src/wire/bgp/types.js';
import { parsePrefix } from '../../src/lib/address.js';
import { waitFor } from './netns.js';

export interface ScriptedPeerOptions {
  readonly host: string;
  readonly port: number;
  readonly localAddress: string;
  readonly asn: number;
  readonly routerId: string;
  readonly holdTime?: number;
}

export class ScriptedPeer {
  readonly received: BgpMessage[] = [];
  private socket?: Socket;
  private readonly framer = new Framer();
  closed = false;

  constructor(readonly o: ScriptedPeerOptions) {}

  /** Connect, exchange OPENs and KEEPALIVEs; resolves once the session is Established on our side. */
  async open(): Promise<void> {
    this.closed = false;
    this.received.length = 0;
    const socket = connect({ host: this.o.host, port: this.o.port, localAddress: this.o.localAddress });
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const m of this.framer.push(chunk)) {
          const msg = decodeMessage(m, DEFAULT_CONTEXT).message;
          this.received.push(msg);
          if (msg.type === 'keepalive' || msg.type === 'open') this.sendMessage({ type: 'keepalive' });
        }
      } catch { /* the test looks at what arrived */ }
    });
    socket.on('close', () => { this.closed = true; });
    socket.on('error', () => { this.closed = true; });
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
    this.sendMessage({
      type: 'open', version: 4, myAs: this.o.asn, holdTime: this.o.holdTime ?? 90, bgpId: this.o.routerId,
      capabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'four-octet-as', asn: this.o.asn }],
    });
    await waitFor('OPEN and KEEPALIVE from the router', () => (this.received.some((m) => m.type === 'keepalive') ? true : undefined), 10_000, 20);
  }

  sendMessage(msg: BgpMessage): void { this.socket?.write(encodeMessage(msg, DEFAULT_CONTEXT)); }
  sendBytes(bytes: Uint8Array): void { this.socket?.write(bytes); }

  announce(prefixes: readonly string[], nextHop = this.o.localAddress): void {
    const update: UpdateMessage = {
      type: 'update', withdrawn: [], nlri: prefixes.map((p) => ({ prefix: parsePrefix(p) })),
      attributes: { origin: 0, asPath: [{ type: 2, asns: [this.o.asn] }], nextHop },
    };
    this.sendMessage(update);
  }

  withdraw(prefixes: readonly string[]): void {
    this.sendMessage({ type: 'update', withdrawn: prefixes.map((p) => ({ prefix: parsePrefix(p) })), attributes: {}, nlri: [] });
  }

  notifications(): NotificationMessage[] {
    return this.received.filter((m): m is NotificationMessage => m.type === 'notification');
  }

  close(): Promise<void> {
    const s = this.socket;
    if (!s || this.closed) return Promise.resolve();
    return new Promise((resolve) => { s.once('close', () => resolve()); s.destroy(); });
  }
}
