/**
 * BFD over UDP, single hop (RFC 5881): Control packets are received on port 3784 (section 4) and must
 * arrive with TTL / hop limit 255 (section 5, checked by BfdManager.receive); they are sent with TTL / hop
 * limit 255 from one source port in 49152-65535, the same for every packet of a session (section 4).
 * One receive and one send socket per address family.
 */
import { familyOf, type Family } from '../lib/address.js';
import { BfdSocket } from '../native/bfd-socket.js';
import { BFD_CONTROL_PORT, BFD_SOURCE_PORT_MAX, BFD_SOURCE_PORT_MIN } from '../wire/bfd/types.js';
import type { BfdTransport } from './manager.js';

export interface UdpTransportOptions {
  /** Receive only on these addresses (default: the wildcard of each family). */
  readonly listen?: readonly string[];
  /** Families to run (default both; a family the host lacks is skipped). */
  readonly families?: readonly Family[];
  /** The destination port; 3784 unless a test runs two speakers on one host. */
  readonly port?: number;
  readonly listenPort?: number;
  readonly random?: () => number;
}

type Receiver = (bytes: Uint8Array, ttl: number, from: string) => void;

export class UdpTransport implements BfdTransport {
  private readonly rx: BfdSocket[] = [];
  private readonly tx = new Map<Family, BfdSocket>();
  private readonly port: number;

  private constructor(opts: UdpTransportOptions) { this.port = opts.port ?? BFD_CONTROL_PORT; }

  /** Open the sockets; `receive` gets every datagram with its TTL and source. */
  static open(opts: UdpTransportOptions, receive: Receiver, onError: (e: Error) => void = () => {}): UdpTransport {
    const t = new UdpTransport(opts);
    const random = opts.random ?? Math.random;
    try {
      for (const family of opts.families ?? [4, 6]) {
        const listen = opts.listen?.filter((a) => familyOf(a) === family) ?? [family === 4 ? '0.0.0.0' : '::'];
        if (listen.length === 0) continue;
        let send: BfdSocket;
        try {
          send = sourceSocket(family, random);
        } catch (e) {
          // a host without IPv6 runs IPv4 only
          if (family === 6 && (e as NodeJS.ErrnoException).code === 'EAFNOSUPPORT') continue;
          throw e;
        }
        t.tx.set(family, send);
        t.listenOn(send, receive, onError);
        for (const address of listen) {
          const sock = BfdSocket.open({ address, port: opts.listenPort ?? BFD_CONTROL_PORT });
          t.rx.push(sock);
          t.listenOn(sock, receive, onError);
        }
      }
    } catch (e) {
      t.close();
      throw e;
    }
    return t;
  }

  /** Both the 3784 socket and the source-port socket deliver what arrives (a peer may answer to our source port). */
  private listenOn(sock: BfdSocket, receive: Receiver, onError: (e: Error) => void): void {
    sock.onDatagram = (d) => receive(d.bytes, d.ttl, d.address);
    sock.onError = onError;
  }

  /** The source port used for a family (RFC 5881 section 4). */
  sourcePort(family: Family): number | undefined { return this.tx.get(family)?.port; }

  send(bytes: Uint8Array, peer: string): void {
    const sock = this.tx.get(familyOf(peer));
    if (!sock) throw new Error(`no BFD socket for ${peer}`);
    sock.send(bytes, peer, this.port);
  }

  close(): void {
    for (const s of [...this.rx, ...this.tx.values()]) s.close();
    this.rx.length = 0;
    this.tx.clear();
  }
}

/** A send socket on a free port in 49152-65535, tried from a random start (RFC 5881 section 4). */
function sourceSocket(family: Family, random: () => number): BfdSocket {
  const span = BFD_SOURCE_PORT_MAX - BFD_SOURCE_PORT_MIN + 1;
  const start = Math.floor(random() * span);
  for (let i = 0; i < 64; i++) {
    const port = BFD_SOURCE_PORT_MIN + ((start + i * 257) % span);
    try {
      return BfdSocket.open({ address: family === 4 ? '0.0.0.0' : '::', port });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    }
  }
  throw new Error('no free UDP source port in 49152-65535 for BFD');
}
