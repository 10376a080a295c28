/**
 * One BGP neighbor: its FSM (src/bgp/fsm.ts) bound to real connections, connection collision detection
 * (RFC 4271 6.8), the Adj-RIB-In and Adj-RIB-Out, the initial table and End-of-RIB (RFC 4724 2), route
 * refresh (RFC 2918) and graceful-restart helper mode (RFC 4724 4.2: a peer's routes kept as stale while
 * it restarts). Events go to the owner through `PeerHandlers`; this file never touches the FIB. Its options
 * and capabilities are peer-options.ts, its UPDATE sending update-sender.ts, why it went down session-down.ts.
 */
import { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Family, Prefix } from '../lib/address.js';
import type { BgpError } from '../wire/bgp/error.js';
import type { DecodedMessage } from '../wire/bgp/message.js';
import { negotiate, type Negotiated } from '../wire/bgp/negotiate.js';
import { endOfRibFamily } from '../wire/bgp/update.js';
import type { BgpMessage } from '../wire/bgp/types.js';
import { Afi, CeaseSubcode } from '../wire/bgp/types.js';
import { AdjRibIn, type RibInChange } from './adj-rib-in.js';
import { peerSource } from './rib/path.js';
import type { AdjRibOut } from './adj-rib-out.js';
import { UpdateSender } from './update-sender.js';
import { Connection, type BgpSocket, type ConnectionDirection } from './connection.js';
import { Exporter, type ExportRoute } from './export.js';
import {
  buildOpen, ceaseNotification, compareBgpId, Fsm, initialState, type FsmAction, type FsmEvent, type FsmState,
  type FsmStateName,
} from './fsm.js';
import { sessionCapabilities, type PeerOptions } from './peer-options.js';
import { describeDown, keepsStaleRoutes, type SessionDown } from './session-down.js';

export type { PeerOptions } from './peer-options.js';

export interface PeerHandlers {
  state(peer: Peer, from: FsmStateName, to: FsmStateName): void;
  established(peer: Peer): void;
  /** `keepStale`: graceful restart, the routes stay (marked stale) until the peer returns or the timer ends. */
  down(peer: Peer, cause: SessionDown, keepStale: boolean): void;
  routes(peer: Peer, changes: RibInChange[]): void;
  endOfRib(peer: Peer, family: Family): void;
  /** An UPDATE had RFC 7606 errors that did not reset the session. */
  updateErrors(peer: Peer, errors: readonly BgpError[]): void;
  /** The routes this peer should be offered now (initial table, route refresh). */
  exportTable(peer: Peer): Iterable<ExportRoute>;
}

interface Slot {
  /** The main slot runs the configured FSM; a collision candidate runs a passive one (it never dials). */
  fsm: Fsm;
  conn?: Connection;
  state: FsmState;
  timer?: TimerHandle;
  direction: ConnectionDirection;
}

export interface PeerStats {
  messagesIn: number;
  messagesOut: number;
  updatesIn: number;
  updatesOut: number;
  establishedTransitions: number;
  lastUpDown: number;
  /** describeDown(lastDown), for the views. */
  lastError?: string;
  lastDown?: SessionDown;
}

export class Peer {
  private main: Slot;
  private candidate?: Slot;
  private readonly candidateFsm: Fsm;
  /** Its entries are Loc-RIB paths from this peer as well (see AdjRibIn). */
  readonly ribIn = new AdjRibIn(undefined, () => peerSource(this));
  private readonly sender = new UpdateSender({
    established: () => (this.isEstablished ? this.main.conn : undefined),
    updateSent: () => { this.stats.updatesOut++; },
  });
  private exporter?: Exporter;
  negotiated?: Negotiated;
  private staleTimer?: TimerHandle;
  private stopped = true;
  readonly stats: PeerStats = { messagesIn: 0, messagesOut: 0, updatesIn: 0, updatesOut: 0, establishedTransitions: 0, lastUpDown: 0 };

  constructor(readonly options: PeerOptions, private readonly clock: Clock, private readonly handlers: PeerHandlers) {
    this.main = { fsm: new Fsm(options.fsm), state: initialState(), direction: 'out' };
    this.candidateFsm = new Fsm({ ...options.fsm, passive: true, autoRestart: false });
    this.stats.lastUpDown = clock.now();
  }

  get name(): string { return this.options.name; }
  get state(): FsmStateName { return this.main.state.name; }
  get fsmState(): FsmState { return this.main.state; }
  get isEstablished(): boolean { return this.main.state.name === 'Established'; }
  get peerAs(): number | undefined { return this.main.state.peerAs; }
  get ibgp(): boolean { return this.main.state.peerAs === this.options.fsm.localAs; }
  get localAddress(): string | undefined { return this.main.conn?.localAddress; }
  /** What this peer has been sent, and what is still to go. */
  get ribOut(): AdjRibOut { return this.sender.ribOut; }

  /** The capabilities we send (peer-options.ts). */
  static readonly capabilities = sessionCapabilities;

  start(): void {
    this.stopped = false;
    this.drive(this.main, { type: 'start' });
  }

  /** Administrative shutdown: Cease 6/2 with the RFC 9003 text; no restart until start(). */
  stop(text?: string, subcode: number = CeaseSubcode.ADMINISTRATIVE_SHUTDOWN): void {
    this.stopped = true;
    if (this.candidate) this.drive(this.candidate, { type: 'stop', subcode, ...(text === undefined ? {} : { text }) });
    this.drive(this.main, { type: 'stop', subcode, ...(text === undefined ? {} : { text }) });
  }

  /**
   * RFC 4724 4.1, the restarting speaker: close the connection without a NOTIFICATION, so that a peer
   * that does graceful restart keeps our routes, marked stale, until we are back; no restart until start().
   */
  drop(reason = 'graceful restart'): void {
    this.stopped = true;
    for (const slot of [this.candidate, this.main]) {
      if (!slot) continue;
      const conn = slot.conn;
      slot.conn = undefined; // the FSM's Cease has no connection to go out on
      conn?.close(reason);
      this.drive(slot, { type: 'stop', text: reason });
    }
  }

  /** Hard reset (clear bgp): Cease 6/4, then start again by itself. */
  reset(text?: string): void {
    this.stop(text, CeaseSubcode.ADMINISTRATIVE_RESET);
    this.start();
  }

  /**
   * An accepted TCP connection from this peer's address. Active takes it;
   * while our own attempt is under way (Connect) or in OpenSent/OpenConfirm it runs beside ours until an
   * OPEN settles which one stays (6.8); an Established session refuses it, unless the peer does graceful
   * restart, in which case a new connection means the peer restarted (RFC 4724 4.2).
   */
  accept(socket: BgpSocket): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    // RFC 4271 8.2.2 lets Idle refuse; we take a connection during the idle-hold backoff as the sign that the
    // peer is back (BIRD does the same), so a node that restarts does not wait for our next attempt
    if (this.main.state.name === 'Idle') this.drive(this.main, { type: 'start' });
    const s = this.main.state.name;
    if (s === 'Active') {
      this.main.conn = this.wrap(socket, 'in', this.main);
      this.main.direction = 'in';
      this.drive(this.main, { type: 'tcp-connected' });
      return;
    }
    if (s === 'Established' && this.negotiated?.peerGracefulRestart) {
      // the old session is dead to the peer: handle that as its restart, then take the new connection
      this.drive(this.main, { type: 'tcp-failed', reason: 'replaced: peer restarted (graceful restart)' });
      this.accept(socket);
      return;
    }
    if (s === 'Established' || this.candidate) {
      const conn = this.wrap(socket, 'in', undefined);
      conn.send(ceaseNotification(CeaseSubcode.CONNECTION_COLLISION_RESOLUTION));
      conn.close('connection collision: session already up');
      return;
    }
    const slot: Slot = { fsm: this.candidateFsm, state: initialState(), direction: 'in' };
    slot.conn = this.wrap(socket, 'in', slot);
    this.candidate = slot;
    this.drive(slot, { type: 'start' });
    this.drive(slot, { type: 'tcp-connected' });
  }

  private wrap(socket: BgpSocket, direction: ConnectionDirection, slot: Slot | undefined): Connection {
    // TTL, GTSM and the like are set on a real TCP socket; an in-memory one (unit tests) has none
    if (socket instanceof Socket) this.options.prepareSocket?.(socket, direction);
    return new Connection(socket, direction, {
      onMessage: (conn, msg) => { if (slot && slot.conn === conn) this.onMessage(slot, msg); },
      onError: (conn, err) => { if (slot && slot.conn === conn) this.drive(slot, { type: 'decode-error', error: err }); },
      onClose: (conn, reason) => { if (slot && slot.conn === conn) { slot.conn = undefined; this.drive(slot, { type: 'tcp-failed', reason }); } },
    });
  }

  private onMessage(slot: Slot, msg: DecodedMessage): void {
    this.stats.messagesIn++;
    if (msg.message.type === 'open' && this.resolveCollision(slot, msg.message.bgpId)) return;
    if (msg.message.type === 'update') {
      this.stats.updatesIn++;
      if (msg.errors.length > 0) this.handlers.updateErrors(this, msg.errors);
      // RFC 7606 2: AFI/SAFI disable drops every route of the family from this peer
      for (const f of msg.disabledFamilies) this.report(this.ribIn.clearFamily(f.afi === Afi.IPV6 ? 6 : 4));
    }
    this.drive(slot, { type: 'message', msg: msg.message });
  }

  /**
   * RFC 4271 6.8: an OPEN arrived on one connection while the other is in OpenSent or OpenConfirm.
   * The connection opened by the speaker with the higher BGP Identifier stays. Returns true when `slot`
   * itself lost (the OPEN is then not processed).
   */
  private resolveCollision(slot: Slot, remoteId: string): boolean {
    const other = slot === this.main ? this.candidate : this.main;
    if (!other || !other.conn || (other.state.name !== 'OpenSent' && other.state.name !== 'OpenConfirm')) return false;
    const localWins = compareBgpId(this.options.fsm.routerId, remoteId) > 0;
    // keep the connection initiated by the side with the higher identifier
    const keepDirection: ConnectionDirection = localWins ? 'out' : 'in';
    const loser = slot.direction === keepDirection ? other : slot;
    this.drive(loser, { type: 'collision-lost' });
    return loser === slot;
  }

  private drive(slot: Slot, ev: FsmEvent): void {
    const before = slot.state.name;
    const r = slot.fsm.step(slot.state, ev, this.clock.now());
    slot.state = r.state;
    for (const a of r.actions) this.act(slot, a);
    if (slot === this.main && before !== slot.state.name) this.handlers.state(this, before, slot.state.name);
    this.schedule(slot);
    this.settle();
  }

  /**
   * After any step: a candidate back in Idle or without its connection is gone; a candidate takes over when the main connection has
   * nothing left (Idle, Active) or is still connecting while the candidate is already Established.
   */
  private settle(): void {
    const c = this.candidate;
    if (!c) return;
    if (c.state.name === 'Idle' || !c.conn) {
      c.timer?.cancel();
      c.conn?.close('collision: other connection kept');
      this.candidate = undefined;
      return;
    }
    const m = this.main.state.name;
    if (m !== 'Idle' && m !== 'Active' && !(m === 'Connect' && c.state.name === 'Established')) return;
    const old = this.main;
    old.timer?.cancel();
    const oldConn = old.conn;
    old.conn = undefined;
    oldConn?.close('superseded by the other connection');
    c.fsm = old.fsm; // from now on it restarts and dials as configured
    this.main = c;
    this.candidate = undefined;
    this.handlers.state(this, m, c.state.name);
    if (c.state.name === 'Established') this.onEstablished();
  }

  private schedule(slot: Slot): void {
    slot.timer?.cancel();
    slot.timer = undefined;
    let next: [string, number] | undefined;
    for (const e of Object.entries(slot.state.timers)) if (!next || e[1] < next[1]) next = e;
    if (!next) return;
    const [name] = next;
    slot.timer = this.clock.at(next[1], () => {
      slot.timer = undefined;
      this.drive(slot, { type: 'timer', timer: name as never });
    });
  }

  private act(slot: Slot, a: FsmAction): void {
    switch (a.type) {
      case 'connect':
        this.connectOut(slot);
        break;
      case 'disconnect':
        slot.conn?.close('closed by FSM');
        slot.conn = undefined;
        break;
      case 'send':
        if (slot.conn) {
          this.stats.messagesOut++;
          slot.conn.send(a.msg);
        }
        break;
      case 'established':
        if (slot === this.main) this.onEstablished();
        break;
      case 'down':
        if (slot === this.main) this.onDown(a.cause, a.wasEstablished);
        break;
      case 'deliver':
        this.deliver(a.msg);
        break;
    }
    if (slot.conn && slot.state.peerOpen && !slot.conn.negotiated) this.applyNegotiation(slot);
  }

  /** Once the peer's OPEN is accepted: the codec contexts for both directions (RFC 5492, 6793, 7911, 8654). */
  private applyNegotiation(slot: Slot): void {
    const conn = slot.conn!;
    const n = negotiate(buildOpen(this.options.fsm), slot.state.peerOpen!);
    conn.rxCtx = n.rx;
    conn.txCtx = n.tx;
    conn.negotiated = true;
    if (slot === this.main) this.negotiated = n;
  }

  private connectOut(slot: Slot): void {
    const target = {
      host: this.options.address, port: this.options.port,
      ...(this.options.localAddress ? { localAddress: this.options.localAddress } : {}),
    };
    const socket: BgpSocket = this.options.connect?.(target) ?? (this.options.openSocket?.() ?? new Socket()).connect(target);
    slot.direction = 'out';
    const conn = this.wrap(socket, 'out', slot);
    slot.conn = conn;
    socket.once('connect', () => { if (slot.conn === conn) this.drive(slot, { type: 'tcp-connected' }); });
  }

  private onEstablished(): void {
    this.stats.establishedTransitions++;
    this.stats.lastUpDown = this.clock.now();
    const conn = this.main.conn!;
    if (!this.negotiated) this.applyNegotiation(this.main);
    const v6Session = conn.localAddress.includes(':');
    const localAddress6 = v6Session ? conn.localAddress : this.options.ipv6NextHop?.(conn.localAddress);
    this.exporter = new Exporter({
      address: this.options.address, localAs: this.options.fsm.localAs, ibgp: this.ibgp,
      localAddress: v6Session ? (this.options.fsm.routerId) : conn.localAddress,
      ...(localAddress6 === undefined ? {} : { localAddress6 }),
      nextHopSelf: this.options.nextHopSelf,
    });
    this.sender.reset(this.negotiated!.families);
    this.handlers.established(this);
    for (const r of this.handlers.exportTable(this)) this.offer(r);
    this.sender.schedule();
  }

  private onDown(cause: SessionDown, wasEstablished: boolean): void {
    this.stats.lastUpDown = this.clock.now();
    this.stats.lastError = describeDown(cause);
    this.stats.lastDown = cause;
    this.exporter = undefined;
    this.sender.reset();
    const peerGr = this.negotiated?.peerGracefulRestart;
    const ours = this.options.gracefulRestart;
    const gr = !this.stopped && keepsStaleRoutes(cause, {
      wasEstablished, peerGracefulRestart: peerGr !== undefined,
      notificationBit: peerGr?.notification === true && ours !== undefined && (ours.notification ?? true),
    });
    this.negotiated = undefined;
    if (gr) {
      // RFC 4724 4.2: keep the routes, marked stale, for the peer's restart time
      this.ribIn.markStale();
      this.staleTimer?.cancel();
      const restartMs = peerGr!.restartTime * 1000;
      this.staleTimer = this.clock.at(this.clock.now() + restartMs, () => this.sweepStale());
      this.handlers.down(this, cause, true);
    } else {
      const changes = this.ribIn.clear();
      this.handlers.down(this, cause, false);
      if (changes.length > 0) this.handlers.routes(this, changes);
    }
  }

  /**
   * End graceful restart helper mode now: the routes kept as stale since the peer went down are withdrawn
   * (BFD saw the peer's forwarding fail: it is not restarting, RFC 5882 4.3).
   */
  dropStale(): void {
    if (this.staleTimer) this.sweepStale();
  }

  private sweepStale(): void {
    this.staleTimer?.cancel();
    this.staleTimer = undefined;
    this.report(this.ribIn.sweepStale());
  }

  private deliver(msg: BgpMessage): void {
    if (msg.type === 'route-refresh') {
      // RFC 2918 4: re-advertise the Adj-RIB-Out of that family
      const family: Family = msg.afi === Afi.IPV6 ? 6 : 4;
      this.resendFamily(family);
      return;
    }
    if (msg.type !== 'update') return;
    const eor = endOfRibFamily(msg);
    if (eor !== undefined) {
      if (this.staleTimer) this.sweepStale();
      this.handlers.endOfRib(this, eor.afi === Afi.IPV6 ? 6 : 4);
      return;
    }
    this.report(this.ribIn.apply(msg, this.clock.now()));
  }

  private report(changes: RibInChange[]): void {
    if (changes.length > 0) this.handlers.routes(this, changes);
  }

  private resendFamily(family: Family): void {
    if (!this.exporter) return;
    this.ribOut.forget(family);
    for (const r of this.handlers.exportTable(this)) if (r.prefix.family === family) this.offer(r);
    this.sender.schedule();
  }

  /** Offer a route for advertisement; export rules decide whether and how it is sent. */
  offer(route: ExportRoute): void {
    if (!this.exporter || !this.options.families.includes(route.prefix.family)) return;
    const out = this.exporter.export(route);
    if (out) this.ribOut.announce(out);
    else this.ribOut.withdraw(route.key, route.prefix);
    this.sender.schedule();
  }

  retract(key: string, prefix: Prefix): void {
    if (!this.exporter) return;
    this.ribOut.withdraw(key, prefix);
    this.sender.schedule();
  }
}
