/**
 * BFD over UDP, single hop (RFC 5881) and multihop (RFC 5883): single-hop Control packets are received on
 * port 3784 (RFC 5881 section 4) and must arrive with TTL / hop limit 255 (section 5, checked by
 * BfdManager.receive); multihop ones on port 4784 (RFC 5883 section 4), opened with the first multihop
 * session. Both are sent with TTL / hop limit 255 from one source port in 49152-65535, the same for every
 * packet of a session (RFC 5881 section 4, RFC 5883 section 4): one send socket per address family, and one
 * per local address a multihop session is bound to. Every datagram is reported with the socket it came in
 * on and its destination address.
 */
import { familyOf, type Family } from '../lib/address.js';
import { BfdSocket } from '../native/bfd-socket.js';
import { BFD_CONTROL_PORT, BFD_MULTIHOP_PORT, BFD_SOURCE_PORT_MAX, BFD_SOURCE_PORT_MIN } from '../wire/bfd/types.js';
import type { Arrival, BfdTransport, MultihopRoute, ReceivedOn } from './manager.js';

export interface UdpTransportOptions {
  /** Receive only on these addresses (default: the wildcard of each family). */
  readonly listen?: readonly string[];
  /** Families to run (default both; a family the host lacks is skipped). */
  readonly families?: readonly Family[];
  /** The destination port; 3784 unless a test runs two speakers on one host. */
  readonly port?: number;
  readonly listenPort?: number;
  /** The multihop destination and receive ports: 4784 unless a test runs two speakers on one host. */
  readonly multihopPort?: number;
  readonly multihopListenPort?: number;
  readonly random?: () => number;
}

export type Receiver = (bytes: Uint8Array, ttl: number, from: string, arrival: Arrival) => void;

export class UdpTransport implements BfdTransport {
  private readonly rx: BfdSocket[] = [];
  private readonly tx = new Map<Family, BfdSocket>();
  /** Send sockets bound to a multihop session's local address. */
  private readonly bound = new Map<string, BfdSocket>();
  private readonly port: number;
  private multihop = false;
  private receive: Receiver = () => undefined;
  private onError: (e: Error) => void = () => undefined;

  private constructor(private readonly opts: UdpTransportOptions) { this.port = opts.port ?? BFD_CONTROL_PORT; }

  /** Open the sockets; `receive` gets every datagram with its TTL and source. */
  static open(opts: UdpTransportOptions, receive: Receiver, onError: (e: Error) => void = () => {}): UdpTransport {
    const t = new UdpTransport(opts);
    t.receive = receive;
    t.onError = onError;
    const random = opts.random ?? Math.random;
    try {
      for (const family of opts.families ?? [4, 6]) {
        const listen = opts.listen?.filter((a) => familyOf(a) === family) ?? [family === 4 ? '0.0.0.0' : '::'];
        if (listen.length === 0) continue;
        let send: BfdSocket;
        try {
          send = sourceSocket(family === 4 ? '0.0.0.0' : '::', random);
        } catch (e) {
          // a host without IPv6 runs IPv4 only
          if (family === 6 && (e as NodeJS.ErrnoException).code === 'EAFNOSUPPORT') continue;
          throw e;
        }
        t.tx.set(family, send);
        t.listenOn(send, 'source-port');
        for (const address of listen) {
          const sock = BfdSocket.open({ address, port: opts.listenPort ?? BFD_CONTROL_PORT });
          t.rx.push(sock);
          t.listenOn(sock, 'single-hop');
        }
      }
    } catch (e) {
      t.close();
      throw e;
    }
    return t;
  }

  /** The 3784 and 4784 sockets and the source-port sockets deliver what arrives (a peer may answer to our source port). */
  private listenOn(sock: BfdSocket, on: ReceivedOn): void {
    sock.onDatagram = (d) => this.receive(d.bytes, d.ttl, d.address, { on, local: d.local });
    sock.onError = this.onError;
  }

  /** UDP 4784 on the listen addresses of each family in use (RFC 5883 section 4); once. */
  openMultihop(): void {
    if (this.multihop) return;
    this.multihop = true;
    for (const family of this.tx.keys()) {
      for (const address of this.opts.listen?.filter((a) => familyOf(a) === family) ?? [family === 4 ? '0.0.0.0' : '::']) {
        const sock = BfdSocket.open({ address, port: this.opts.multihopListenPort ?? BFD_MULTIHOP_PORT });
        this.rx.push(sock);
        this.listenOn(sock, 'multihop');
      }
    }
  }

  /** The source port used for a family (RFC 5881 section 4). */
  sourcePort(family: Family): number | undefined { return this.tx.get(family)?.port; }

  send(bytes: Uint8Array, peer: string, multihop?: MultihopRoute): void {
    const sock = multihop?.local ? this.boundTo(multihop.local) : this.tx.get(familyOf(peer));
    if (!sock) throw new Error(`no BFD socket for ${peer}`);
    sock.send(bytes, peer, multihop ? this.opts.multihopPort ?? BFD_MULTIHOP_PORT : this.port);
  }

  /** A send socket bound to `local` (a multihop session with a source address), made on first use. */
  private boundTo(local: string): BfdSocket {
    let sock = this.bound.get(local);
    if (!sock) {
      sock = sourceSocket(local, this.opts.random ?? Math.random);
      this.bound.set(local, sock);
      this.listenOn(sock, 'source-port');
    }
    return sock;
  }

  close(): void {
    for (const s of [...this.rx, ...this.tx.values(), ...this.bound.values()]) s.close();
    this.rx.length = 0;
    this.tx.clear();
    this.bound.clear();
  }
}

/** A send socket on `address` and a free port in 49152-65535, tried from a random start (RFC 5881 section 4). */
function sourceSocket(address: string, random: () => number): BfdSocket {
  const span = BFD_SOURCE_PORT_MAX - BFD_SOURCE_PORT_MIN + 1;
  const start = Math.floor(random() * span);
  for (let i = 0; i < 64; i++) {
    const port = BFD_SOURCE_PORT_MIN + ((start + i * 257) % span);
    try {
      return BfdSocket.open({ address, port });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    }
  }
  throw new Error('no free UDP source port in 49152-65535 for BFD');
}
