/**
 * A nonblocking AF_NETLINK socket (NETLINK_ROUTE or NETLINK_GENERIC) with event-driven reads: the addon's
 * uv_poll calls back when the socket is readable and every queued datagram is handed to `onMessage`.
 * Receive errors (ENOBUFS when the kernel dropped messages for us) go to `onError` with the errno name in
 * `code`; the socket keeps working afterwards. Framing and codecs live in src/wire/netlink.
 */
import { addon, errnoName, type WatchHandle } from './addon.js';

export const NETLINK_ROUTE = 0;
export const NETLINK_GENERIC = 16;

// <sys/socket.h> and <linux/netlink.h>; the same values on every Linux architecture we target
const SOL_SOCKET = 1;
const SO_RCVBUF = 8;
const SO_SNDBUF = 7;
const SO_RCVBUFFORCE = 33;
const SO_SNDBUFFORCE = 32;
const SOL_NETLINK = 270;
const NETLINK_ADD_MEMBERSHIP = 1;
const NETLINK_DROP_MEMBERSHIP = 2;
const NETLINK_CAP_ACK = 10;
const NETLINK_EXT_ACK = 11;
const NETLINK_GET_STRICT_CHK = 12;
// linux/bpf_common.h
const BPF_LD = 0x00, BPF_JMP = 0x05, BPF_RET = 0x06, BPF_W = 0x00, BPF_ABS = 0x20, BPF_JEQ = 0x10, BPF_K = 0x00;

export interface NetlinkSocketOptions {
  protocol: number;
  /** Multicast groups to join (e.g. RTNLGRP_IPV4_ROUTE = 7); joined with NETLINK_ADD_MEMBERSHIP. */
  groups?: readonly number[];
  /** Kernel receive buffer; SO_RCVBUFFORCE (needs CAP_NET_ADMIN), else SO_RCVBUF. */
  receiveBufferBytes?: number;
  /** Kernel send buffer (bounds one sendmsg); SO_SNDBUFFORCE, else SO_SNDBUF. */
  sendBufferBytes?: number;
  /** Error acks carry a text message and attribute offset (NETLINK_EXT_ACK). Default true. */
  extendedAck?: boolean;
  /** Error acks do not echo the whole request (NETLINK_CAP_ACK). Default true. */
  capAck?: boolean;
  /** Dump requests are checked strictly and may carry filters (NETLINK_GET_STRICT_CHK). Default true. */
  strictCheck?: boolean;
  /** Largest datagram we can read; default 1 MiB. */
  readBufferBytes?: number;
  /** Datagrams read per readiness callback before yielding to the event loop (default 256). A socket that
   * gets one datagram per kernel event (a multicast listener) wants more, so it keeps up with a busy kernel. */
  readsPerWake?: number;
}


export class NetlinkSocket {
  /** Called with each datagram read (possibly several netlink messages); the view is reused after return. */
  onMessage: (datagram: Uint8Array) => void = () => {};
  /** Called when a read fails, e.g. code "ENOBUFS": the kernel dropped messages that were meant for us. */
  onError: (err: NodeJS.ErrnoException) => void = () => {};

  readonly portId: number;
  private readonly readBuf: Uint8Array;
  private watcher: WatchHandle | undefined;
  private closed = false;

  private constructor(readonly fd: number, readBufferBytes: number, private readonly readsPerWake: number) {
    this.portId = addon.portId(fd);
    this.readBuf = new Uint8Array(readBufferBytes);
    this.watcher = addon.watch(fd, () => this.drain());
  }

  static open(opts: NetlinkSocketOptions): NetlinkSocket {
    const fd = addon.socket(opts.protocol, 0);
    try {
      if (opts.extendedAck ?? true) addon.setsockoptInt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
      if (opts.capAck ?? true) addon.setsockoptInt(fd, SOL_NETLINK, NETLINK_CAP_ACK, 1);
      if (opts.strictCheck ?? true) addon.setsockoptInt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
      if (opts.receiveBufferBytes) setBuffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, opts.receiveBufferBytes);
      if (opts.sendBufferBytes) setBuffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, opts.sendBufferBytes);
      for (const g of opts.groups ?? []) addon.setsockoptInt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, g);
      return new NetlinkSocket(fd, opts.readBufferBytes ?? 1 << 20, opts.readsPerWake ?? 256);
    } catch (e) {
      addon.close(fd);
      throw e;
    }
  }

  /** Send the buffers as one datagram (one sendmsg); the kernel processes the messages in order. */
  send(buffers: readonly Uint8Array[]): number {
    if (this.closed) throw new Error('netlink socket is closed');
    return addon.sendmsg(this.fd, buffers);
  }

  addMembership(group: number): void { addon.setsockoptInt(this.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group); }
  dropMembership(group: number): void { addon.setsockoptInt(this.fd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, group); }

  /** Let the kernel drop, before queueing them, the multicast messages that our own socket `portId` caused
   * (notifications carry the port id of the requester in nlmsg_pid): a classic BPF filter that reads the first
   * header's nlmsg_pid (offset 12). One notification travels per datagram, so the first header is the one. */
  ignoreMessagesFrom(portId: number): void {
    // BPF loads are big-endian; nlmsg_pid is in host order (little-endian on our targets)
    const swapped = (((portId & 0xff) << 24) | ((portId & 0xff00) << 8) | ((portId >>> 8) & 0xff00) | (portId >>> 24)) >>> 0;
    const program: [code: number, jt: number, jf: number, k: number][] = [
      [BPF_LD | BPF_W | BPF_ABS, 0, 0, 12],
      [BPF_JMP | BPF_JEQ | BPF_K, 0, 1, swapped],
      [BPF_RET | BPF_K, 0, 0, 0],
      [BPF_RET | BPF_K, 0, 0, 0xffffffff],
    ];
    const bytes = Buffer.alloc(program.length * 8);
    program.forEach(([code, jt, jf, k], i) => { bytes.writeUInt16LE(code, i * 8); bytes[i * 8 + 2] = jt; bytes[i * 8 + 3] = jf; bytes.writeUInt32LE(k, i * 8 + 4); });
    addon.attachFilter(this.fd, bytes);
  }

  /** Whether this socket keeps the process alive (it does by default). */
  ref(on: boolean): void { if (this.watcher) addon.ref(this.watcher, on); }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.watcher) addon.unwatch(this.watcher);
    this.watcher = undefined;
    addon.close(this.fd);
  }

  private drain(): void {
    for (let i = 0; i < this.readsPerWake && !this.closed; i++) {
      let n: number;
      try {
        n = addon.recv(this.fd, this.readBuf);
      } catch (e) {
        if (errnoName(e) === undefined) throw e;
        this.onError(e as NodeJS.ErrnoException);
        continue;
      }
      if (n < 0) return;
      this.onMessage(this.readBuf.subarray(0, n));
    }
  }
}

function setBuffer(fd: number, forced: number, plain: number, bytes: number): void {
  try {
    addon.setsockoptInt(fd, SOL_SOCKET, forced, bytes);
  } catch {
    addon.setsockoptInt(fd, SOL_SOCKET, plain, bytes);
  }
}
