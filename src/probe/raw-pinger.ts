/**
 * The Pinger of prober.ts over raw ICMP sockets (the raw-socket package: IPv4 reads include the IP header,
 * IPv6 reads do not), one socket per address family, opened on first use. Needs CAP_NET_RAW.
 */
import { createRequire } from 'node:module';
import { familyOf } from '../lib/address.js';
import { echoRequest, parseEchoReply } from './icmp.js';
import type { Pinger } from './prober.js';

/** The part of raw-socket we use (the package ships no types). */
interface RawSocket {
  on(event: 'message', fn: (buf: Buffer, source: string) => void): void;
  on(event: 'error', fn: (e: Error) => void): void;
  send(buf: Uint8Array, offset: number, length: number, address: string, after: (e: Error | null) => void): void;
  close(): void;
}
interface RawSocketModule {
  createSocket(o: { protocol: number; addressFamily?: number }): RawSocket;
  Protocol: { ICMP: number; ICMPv6: number };
  AddressFamily: { IPv4: number; IPv6: number };
}

const raw = createRequire(import.meta.url)('raw-socket') as RawSocketModule;

export class RawPinger implements Pinger {
  onReply: (address: string, id: number, seq: number) => void = () => {};
  private readonly sockets = new Map<4 | 6, RawSocket>();

  constructor(private readonly onError: (e: Error) => void = () => {}) {}

  send(address: string, id: number, seq: number): void {
    const family = familyOf(address);
    const b = echoRequest(family, id, seq);
    this.socket(family).send(b, 0, b.length, address, (e) => { if (e) this.onError(e); });
  }

  close(): void {
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }

  private socket(family: 4 | 6): RawSocket {
    let s = this.sockets.get(family);
    if (s) return s;
    s = family === 4
      ? raw.createSocket({ protocol: raw.Protocol.ICMP })
      : raw.createSocket({ protocol: raw.Protocol.ICMPv6, addressFamily: raw.AddressFamily.IPv6 });
    s.on('message', (buf, source) => {
      const r = parseEchoReply(family, buf);
      if (r) this.onReply(source, r.id, r.seq);
    });
    s.on('error', (e) => this.onError(e));
    this.sockets.set(family, s);
    return s;
  }
}
