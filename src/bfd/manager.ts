/**
 * BfdManager: many BFD sessions (one per peer address), each a src/bfd/session.ts reducer driven by the
 * injected clock, sharing one transport. A session is single hop (RFC 5881: UDP 3784, packets whose TTL /
 * hop limit is not 255 are dropped, section 5) or multihop (RFC 5883: UDP 4784, no TTL 255 check but a
 * configured minimum, as FRR's minimum-ttl; while Your Discriminator is zero the session is selected by the
 * pair of source and destination addresses, section 3; a packet of one kind never reaches a session of the
 * other). Datagrams are decoded (RFC 5880 6.8.6 packet checks), the session selected by Your Discriminator
 * or, while that is zero, by address (RFC 5880 6.8.6, RFC 5881 section 3), and sessions going Up and Down
 * are reported. A Down that the remote signalled with AdminDown is reported as such: RFC 5882 section 3.2
 * says clients must not treat it as a path failure.
 */
import { randomInt } from 'node:crypto';
import type { Clock, TimerHandle } from '../lib/clock.js';
import { formatAddress, parseAddress } from '../lib/address.js';
import { decodeBfdControl } from '../wire/bfd/control.js';
import { sealBfdControl, type BfdKey } from '../wire/bfd/auth.js';
import { BFD_TTL, BfdPacketError, DIAG_NAMES, type BfdStateName } from '../wire/bfd/types.js';
import {
  initialSession, stepSession, detectionTimeMs,
  type BfdSessionAction, type BfdSessionConfig, type BfdSessionEvent, type BfdSessionState, type BfdTimer,
} from './session.js';

/** How a multihop session's packets go: to UDP 4784, from `local` when it is set (RFC 5883 4). */
export interface MultihopRoute { readonly local?: string | undefined }

/** Where packets go: src/bfd/transport.ts (UDP 3784 / 4784, TTL 255) or a test's loopback. */
export interface BfdTransport {
  send(bytes: Uint8Array, peer: string, multihop?: MultihopRoute): void;
  /** Start receiving on UDP 4784 (the first multihop session). */
  openMultihop?(): void;
}

/** Which socket a datagram came in on: UDP 3784 (single hop), 4784 (multihop), or a session's source port (a reply). */
export type ReceivedOn = 'single-hop' | 'multihop' | 'source-port';

export interface Arrival {
  readonly on: ReceivedOn;
  /** The destination address (IP_PKTINFO): with the source, it selects a multihop session. */
  readonly local?: string;
}

export interface BfdPeerOptions {
  readonly address: string;
  /** Milliseconds (RFC 5880 carries microseconds); the configuration's minTx / minRx / multiplier. */
  readonly minTxMs: number;
  readonly minRxMs: number;
  readonly multiplier: number;
  readonly key?: BfdKey;
  /** RFC 5883: multihop, from `localAddress` (or whatever address the route gives), accepting TTLs from `minTtl` up. */
  readonly multihop?: { readonly localAddress?: string | undefined; readonly minTtl: number };
  /** RFC 5880 6.1: the passive role, nothing sent before the remote's first packet. */
  readonly passive?: boolean;
}

export interface BfdEvents {
  up(peer: string): void;
  /** The session left Up. `remoteAdminDown`: the peer said AdminDown (not a failure, RFC 5882 3.2). */
  down(peer: string, diag: number, remoteAdminDown: boolean): void;
  /** Packets dropped, with why (TTL, decode, lookup, authentication); for counters and debug logs. */
  dropped?(peer: string | undefined, reason: string): void;
}

export interface BfdSessionView {
  readonly peer: string;
  readonly state: BfdStateName;
  readonly remoteState: BfdStateName;
  readonly localDiscriminator: number;
  readonly remoteDiscriminator: number;
  readonly diagnostic: string;
  readonly txIntervalMs: number;
  readonly detectionTimeMs: number;
  readonly polling: boolean;
  readonly upSince?: number;
  readonly transitions: number;
  /** Times the session left Up. */
  readonly flaps: number;
  readonly packetsIn: number;
  readonly packetsOut: number;
}

class Session {
  state: BfdSessionState;
  readonly handles = new Map<BfdTimer, { at: number; handle: TimerHandle }>();
  upSince: number | undefined;
  transitions = 0;
  flaps = 0;
  packetsIn = 0;
  packetsOut = 0;
  constructor(readonly peer: string, state: BfdSessionState, public multihop: { local?: string; minTtl: number } | undefined) { this.state = state; }
}

function sessionConfig(o: BfdPeerOptions): BfdSessionConfig {
  return {
    desiredMinTxUs: o.minTxMs * 1000, requiredMinRxUs: o.minRxMs * 1000, detectMult: o.multiplier,
    ...(o.key ? { key: o.key } : {}), ...(o.passive ? { passive: true } : {}),
  };
}

const multihopOf = (o: BfdPeerOptions): Session['multihop'] => (o.multihop
  ? { minTtl: o.multihop.minTtl, ...(o.multihop.localAddress ? { local: canonical(o.multihop.localAddress) } : {}) } : undefined);

/** Addresses compare in one canonical text form ("2001:db8::1", not "2001:DB8:0::1"). */
function canonical(address: string): string { return formatAddress(parseAddress(address)); }

export class BfdManager {
  private readonly byPeer = new Map<string, Session>();
  private readonly byDiscr = new Map<number, Session>();
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly transport: BfdTransport,
    private readonly events: BfdEvents,
    private readonly random: () => number = Math.random,
  ) {}

  /** Start a session with `o.address` (or reconfigure the one that exists: timer changes go through a Poll Sequence). */
  add(o: BfdPeerOptions): void {
    const peer = canonical(o.address);
    const existing = this.byPeer.get(peer);
    if (o.multihop) this.transport.openMultihop?.();
    if (existing) { existing.multihop = multihopOf(o); this.drive(existing, { type: 'configure', config: sessionConfig(o) }); return; }
    let discr = 0;
    for (let i = 0; i < 100 && (discr === 0 || this.byDiscr.has(discr)); i++) discr = randomInt(1, 0xffffffff);
    const s = new Session(peer, initialSession(sessionConfig(o), discr, this.env()), multihopOf(o));
    this.byPeer.set(peer, s);
    this.byDiscr.set(discr, s);
    this.schedule(s);
  }

  /** End a session: one last packet says AdminDown (RFC 5880 6.8.16), then it is forgotten. */
  remove(address: string): void {
    const s = this.byPeer.get(canonical(address));
    if (!s) return;
    this.drive(s, { type: 'admin-down' });
    this.drive(s, { type: 'timer', timer: 'tx' });
    this.forget(s);
  }

  /** Administratively down or up (RFC 5880 6.8.16). */
  setAdminDown(address: string, down: boolean): void {
    const s = this.byPeer.get(canonical(address));
    if (s) this.drive(s, { type: down ? 'admin-down' : 'admin-up' });
  }

  state(address: string): BfdStateName | undefined { return this.byPeer.get(canonical(address))?.state.state; }

  /** A datagram, with where it came in (default: UDP 3784, single hop). */
  receive(bytes: Uint8Array, ttl: number, from: string, arrival: Arrival = { on: 'single-hop' }): void {
    if (this.closed) return;
    const source = canonical(from);
    // RFC 5881 section 5: single-hop BFD packets MUST arrive with TTL / hop limit 255
    if (arrival.on === 'single-hop' && ttl !== BFD_TTL) return this.drop(source, `TTL ${ttl} is not 255`);
    let packet;
    try {
      packet = decodeBfdControl(bytes);
    } catch (e) {
      if (e instanceof BfdPacketError) return this.drop(source, e.reason);
      throw e;
    }
    const local = arrival.local ? canonical(arrival.local) : undefined;
    // RFC 5880 6.8.6: Your Discriminator selects the session; while it is zero, the address does (RFC 5883 3: the pair)
    const s = packet.yourDiscriminator !== 0 ? this.byDiscr.get(packet.yourDiscriminator) : this.byPeer.get(source);
    if (!s) return this.drop(source, packet.yourDiscriminator !== 0 ? `no session with discriminator ${packet.yourDiscriminator}` : 'no session for this address');
    if (s.peer !== source) return this.drop(source, `discriminator ${packet.yourDiscriminator} belongs to ${s.peer}`);
    const mh = s.multihop;
    if (mh && arrival.on === 'single-hop') return this.drop(source, 'a single-hop packet (UDP 3784) for a multihop session');
    if (!mh && arrival.on === 'multihop') return this.drop(source, 'a multihop packet (UDP 4784) for a single-hop session');
    if (!mh && ttl !== BFD_TTL) return this.drop(source, `TTL ${ttl} is not 255`);
    if (mh && ttl < mh.minTtl) return this.drop(source, `TTL ${ttl} is below the multihop minimum ${mh.minTtl}`);
    if (mh?.local && local && local !== mh.local) return this.drop(source, `sent to ${local}, the multihop session is from ${mh.local}`);
    s.packetsIn++;
    this.drive(s, { type: 'rx', packet, bytes: bytes.slice(0, bytes[3]) });
  }

  views(): BfdSessionView[] {
    return [...this.byPeer.values()].map((s) => ({
      peer: s.peer, state: s.state.state, remoteState: s.state.remoteState,
      localDiscriminator: s.state.localDiscr, remoteDiscriminator: s.state.remoteDiscr,
      diagnostic: DIAG_NAMES[s.state.localDiag] ?? String(s.state.localDiag),
      txIntervalMs: Math.max(s.state.activeTxUs, s.state.remoteMinRxUs) / 1000, detectionTimeMs: detectionTimeMs(s.state),
      polling: s.state.polling, ...(s.upSince !== undefined ? { upSince: s.upSince } : {}),
      transitions: s.transitions, flaps: s.flaps, packetsIn: s.packetsIn, packetsOut: s.packetsOut,
    }));
  }

  /** Every session sends AdminDown once and stops. */
  close(): void {
    for (const s of [...this.byPeer.values()]) this.remove(s.peer);
    this.closed = true;
  }

  private env() { return { now: this.clock.now(), random: this.random }; }

  private drop(peer: string | undefined, reason: string): void { this.events.dropped?.(peer, reason); }

  private forget(s: Session): void {
    for (const t of s.handles.values()) t.handle.cancel();
    s.handles.clear();
    this.byPeer.delete(s.peer);
    this.byDiscr.delete(s.state.localDiscr);
  }

  private drive(s: Session, ev: BfdSessionEvent): void {
    const r = stepSession(s.state, ev, this.env());
    s.state = r.state;
    for (const a of r.actions) this.act(s, a);
    if (this.byPeer.get(s.peer) === s) this.schedule(s);
  }

  private act(s: Session, a: BfdSessionAction): void {
    if (a.type === 'send') {
      s.packetsOut++;
      try {
        this.transport.send(sealBfdControl(a.packet, s.state.config.key), s.peer, s.multihop ? { local: s.multihop.local } : undefined);
      } catch (e) {
        // a send that fails (no route while a link is down) is a lost packet: detection handles it
        this.drop(s.peer, `send failed: ${(e as Error).message}`);
      }
    } else if (a.type === 'state') {
      s.transitions++;
      if (a.to === 'Up') { s.upSince = this.clock.now(); this.events.up(s.peer); }
      else if (a.from === 'Up') { s.upSince = undefined; s.flaps++; this.events.down(s.peer, a.diag, s.state.remoteState === 'AdminDown'); }
    } else {
      this.drop(s.peer, a.reason);
    }
  }

  /** Arm a clock timer for every deadline in the state that is not armed at that time already. */
  private schedule(s: Session): void {
    const timers = s.state.timers;
    for (const [name, h] of s.handles) {
      if (timers[name] !== h.at) { h.handle.cancel(); s.handles.delete(name); }
    }
    for (const [name, at] of Object.entries(timers) as [BfdTimer, number][]) {
      if (s.handles.has(name)) continue;
      const handle = this.clock.at(at, () => {
        if (s.handles.get(name)?.handle !== handle) return;
        s.handles.delete(name);
        this.drive(s, { type: 'timer', timer: name });
      });
      s.handles.set(name, { at, handle });
    }
  }
}
