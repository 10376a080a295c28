/**
 * The BGP speaker: TCP listeners (RFC 4271 8: passive side), configured peers, and dynamic neighbors
 * accepted from address ranges (FRR's `bgp listen range`, BIRD's `neighbor range`), created on their
 * first connection and removed when their session ends. It routes accepted sockets to peers and
 * re-emits peer events to one owner (the router or the agent composition root).
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Clock } from '../lib/clock.js';
import { addressInPrefix, parseAddress, type Prefix } from '../lib/address.js';
import { socketFd } from '../lib/socket-fd.js';
import { normalizeAddress } from './connection.js';
import { Peer, type PeerHandlers, type PeerOptions } from './peer.js';
import { ConnectionLimiter } from './connection-limiter.js';

export interface ListenAddress { readonly address: string; readonly port: number }

export interface DynamicRange {
  readonly range: Prefix;
  /** Peer options for a neighbor that connects from `address`. */
  readonly template: (address: string) => PeerOptions;
  /** At most this many neighbors from the range at once. */
  readonly limit: number;
}

export interface SpeakerHandlers extends PeerHandlers {
  /** A connection from an address that is no configured peer and in no range. */
  refused(address: string, reason: string): void;
  peerAdded(peer: Peer): void;
  peerRemoved(peer: Peer): void;
}

export class Speaker {
  private readonly servers: Server[] = [];
  private readonly byAddress = new Map<string, Peer>();
  private readonly dynamic = new Set<Peer>();
  private readonly ranges: DynamicRange[] = [];
  private readonly handlers: PeerHandlers;
  private readonly limiter = new ConnectionLimiter();

  constructor(private readonly clock: Clock, private readonly owner: SpeakerHandlers) {
    // dynamic neighbors disappear when their session ends without graceful restart
    this.handlers = {
      ...owner,
      down: (peer, cause, keepStale) => {
        owner.down(peer, cause, keepStale);
        if (this.dynamic.has(peer) && !keepStale) this.removePeer(peer);
      },
    };
  }

  peers(): Peer[] { return [...this.byAddress.values()]; }
  peer(address: string): Peer | undefined { return this.byAddress.get(normalizeAddress(address)); }
  isDynamic(peer: Peer): boolean { return this.dynamic.has(peer); }

  addPeer(options: PeerOptions): Peer {
    const key = normalizeAddress(options.address);
    if (this.byAddress.has(key)) throw new Error(`peer ${key} is already configured`);
    const peer = new Peer(options, this.clock, this.handlers);
    this.byAddress.set(key, peer);
    this.owner.peerAdded(peer);
    return peer;
  }

  /** Stop the peer (Cease with `subcode`, default Administrative Shutdown, and `text`) and forget it. */
  removePeer(peer: Peer, text?: string, subcode?: number): void {
    if (this.byAddress.get(normalizeAddress(peer.options.address)) !== peer) return;
    peer.stop(text, subcode);
    this.byAddress.delete(normalizeAddress(peer.options.address));
    this.dynamic.delete(peer);
    this.owner.peerRemoved(peer);
  }

  addRange(range: DynamicRange): void { this.ranges.push(range); }

  /** Stop accepting from a range; its dynamic neighbors are stopped and forgotten. */
  removeRange(range: Prefix, text?: string, subcode?: number): void {
    const i = this.ranges.findIndex((r) => r.range.family === range.family && r.range.len === range.len && addressInPrefix(range.addr, r.range));
    if (i < 0) return;
    const [gone] = this.ranges.splice(i, 1);
    for (const p of [...this.dynamic]) if (addressInPrefix(parseAddress(p.options.address), gone!.range)) this.removePeer(p, text, subcode);
  }

  async listen(addresses: readonly ListenAddress[]): Promise<void> {
    for (const a of addresses) {
      const server = createServer({ noDelay: true }, (socket) => this.onConnection(socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: a.address, port: a.port, ipv6Only: false }, () => { server.off('error', reject); resolve(); });
      });
      this.servers.push(server);
    }
  }

  /** The listening sockets' file descriptors and families, for per-peer socket options (TCP MD5). */
  listeners(): { fd: number; family: 4 | 6 }[] {
    return this.servers.flatMap((s) => {
      const fd = socketFd(s);
      const a = s.address();
      return fd !== undefined && typeof a === 'object' && a ? [{ fd, family: a.family === 'IPv6' ? 6 as const : 4 as const }] : [];
    });
  }

  /** The ports actually bound (port 0 in tests picks a free one). */
  boundPorts(): number[] {
    return this.servers.map((s) => { const a = s.address(); return typeof a === 'object' && a ? a.port : 0; });
  }

  private onConnection(socket: Socket): void {
    const address = normalizeAddress(socket.remoteAddress ?? '');
    const peer = this.byAddress.get(address);
    if (peer) { peer.accept(socket); return; }
    let bytes: Uint8Array;
    try { bytes = parseAddress(address); } catch { socket.destroy(); return; }
    const range = this.ranges.find((r) => addressInPrefix(bytes, r.range));
    if (!range) {
      this.owner.refused(address, 'not a configured neighbor');
      socket.destroy();
      return;
    }
    const limited = this.limiter.check(address, this.clock.now());
    if (limited !== undefined) {
      this.owner.refused(address, limited);
      socket.destroy();
      return;
    }
    const inRange = [...this.dynamic].filter((p) => p.options.address && addressInPrefix(parseAddress(p.options.address), range.range)).length;
    if (inRange >= range.limit) {
      this.owner.refused(address, `dynamic neighbor limit ${range.limit} reached`);
      socket.destroy();
      return;
    }
    const created = this.addPeer(range.template(address));
    this.dynamic.add(created);
    created.start();
    created.accept(socket);
  }

  /** Stop every peer (Cease 6/2 with `text`) and close the listeners. */
  async close(text?: string): Promise<void> {
    for (const p of this.peers()) p.stop(text);
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.servers.length = 0;
  }
}
