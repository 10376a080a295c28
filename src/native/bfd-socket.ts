/**
 * A UDP socket for BFD (RFC 5881, RFC 5883) over the addon's udp* calls (bfd_socket.c): bound to an address
 * and port (optionally to one interface), sends with TTL / hop limit 255, and reports every received datagram
 * with the TTL / hop limit it arrived with, its source address and port and its destination address, so that
 * the receiver can apply RFC 5881 section 5 (single-hop packets with a TTL other than 255 are dropped) and
 * RFC 5883 (multihop sessions by address pair). Reads are event-driven (uv_poll).
 */
import { constants } from 'node:os';
import { formatAddress, parseAddress } from '../lib/address.js';
import { addon, type NativeAddon, type WatchHandle } from './addon.js';

interface UdpAddon extends NativeAddon {
  udpOpen(address: Uint8Array, port: number, device: string): number;
  udpSend(fd: number, bytes: Uint8Array, address: Uint8Array, port: number, scopeId: number): number;
  udpRecv(fd: number, into: Uint8Array, info: Uint8Array): number;
  udpLocalPort(fd: number): number;
}
const udp = addon as UdpAddon;

const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));
const EAGAIN = constants.errno.EAGAIN;

/** An Error like Node's system errors: `code` is the errno name. */
function errnoError(syscall: string, negative: number): NodeJS.ErrnoException {
  const code = ERRNO_NAMES.get(-negative) ?? `E${-negative}`;
  const e: NodeJS.ErrnoException = new Error(`${syscall}: ${code}`);
  e.code = code;
  e.errno = -negative;
  e.syscall = syscall;
  return e;
}

function check(syscall: string, rc: number): number {
  if (rc < 0) throw errnoError(syscall, rc);
  return rc;
}

export interface Datagram {
  readonly bytes: Uint8Array;
  /** TTL (IPv4) or hop limit (IPv6) of the received packet; 0 if the kernel reported none. */
  readonly ttl: number;
  readonly address: string;
  readonly port: number;
  /** The destination address the packet was sent to (IP_PKTINFO): RFC 5883 selects a multihop session by the pair. */
  readonly local: string;
}

export interface BfdSocketOptions {
  /** Local address to bind ("0.0.0.0", "::", or one address). */
  readonly address: string;
  /** 0: any free port. */
  readonly port: number;
  /** SO_BINDTODEVICE: only this interface. */
  readonly device?: string;
}

export class BfdSocket {
  /** Each datagram read; `bytes` is reused after the callback returns. */
  onDatagram: (d: Datagram) => void = () => {};
  onError: (e: NodeJS.ErrnoException) => void = () => {};
  readonly port: number;
  private readonly buf = new Uint8Array(2048);
  private readonly info = new Uint8Array(36);
  private watcher: WatchHandle | undefined;
  private closed = false;

  private constructor(readonly fd: number, readonly family: 4 | 6) {
    this.port = check('getsockname', udp.udpLocalPort(fd));
    this.watcher = udp.watch(fd, () => this.drain());
  }

  /** Throws with `code` (e.g. "EADDRINUSE", "EADDRNOTAVAIL"). */
  static open(o: BfdSocketOptions): BfdSocket {
    const addr = parseAddress(o.address);
    const fd = check('bind', udp.udpOpen(addr, o.port, o.device ?? ''));
    return new BfdSocket(fd, addr.length === 4 ? 4 : 6);
  }

  /** Send one datagram; `address` may carry a zone ("fe80::1%eth0" is not parsed: pass scopeId). */
  send(bytes: Uint8Array, address: string, port: number, scopeId = 0): void {
    if (this.closed) throw new Error('BFD socket is closed');
    check('sendto', udp.udpSend(this.fd, bytes, parseAddress(address), port, scopeId));
  }

  /** Whether this socket keeps the process alive (it does by default). */
  ref(on: boolean): void { if (this.watcher) udp.ref(this.watcher, on); }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.watcher) udp.unwatch(this.watcher);
    this.watcher = undefined;
    udp.close(this.fd);
  }

  private drain(): void {
    for (let i = 0; i < 256 && !this.closed; i++) {
      const n = udp.udpRecv(this.fd, this.buf, this.info);
      if (n === -EAGAIN) return;
      if (n < 0) { this.onError(errnoError('recvmsg', n)); continue; }
      const info = this.info;
      const family = info[16];
      this.onDatagram({
        bytes: this.buf.subarray(0, n), ttl: info[17]!, port: (info[18]! << 8) | info[19]!,
        address: formatAddress(info.subarray(0, family === 4 ? 4 : 16)),
        local: formatAddress(info.subarray(20, family === 4 ? 24 : 36)),
      });
    }
  }
}
