/**
 * The BGP finite state machine of RFC 4271 section 8, one instance per TCP connection, as a pure reducer:
 * `step(state, event, now)` returns the next state and the actions to carry out (connect, send, close,
 * deliver). Timers are data (absolute deadlines in `state.timers`); the caller schedules a `timer` event for
 * the earliest one. No sockets, no wall clock: tests drive it with a fake clock.
 *
 * Also: RFC 6608 FSM error subcodes, RFC 4486 / RFC 9003 Cease subcodes and shutdown communication,
 * RFC 6286 BGP identifier checks, and an idle-hold backoff on repeated failures (RFC 4271 8.1.1, the
 * DampPeerOscillations idea) so that a broken peer is retried ever more slowly, up to a bound. Every way
 * down names its cause as a SessionDown (src/bgp/session-down.ts).
 */
import type { BgpMessage, Capability, NotificationMessage, OpenMessage } from '../wire/bgp/types.js';
import { CeaseSubcode, ErrorCode, OpenSubcode } from '../wire/bgp/types.js';
import type { BgpError } from '../wire/bgp/error.js';
import { shutdownNotification } from '../wire/bgp/notification.js';
import { peerAsOf } from '../wire/bgp/negotiate.js';
import type { SessionDown } from './session-down.js';

export type FsmStateName = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';
export type TimerName = 'connectRetry' | 'hold' | 'keepalive' | 'idleHold';

export interface FsmConfig {
  readonly localAs: number;
  readonly routerId: string;
  /** Expected peer AS; 'internal' = our AS, 'external' = any AS but ours. */
  readonly remoteAs: number | 'internal' | 'external';
  /** Seconds; 0 disables keepalives and the hold timer, else at least 3 (RFC 4271 4.2). */
  readonly holdTime: number;
  /** Seconds between keepalives; default one third of the negotiated hold time. */
  readonly keepaliveTime?: number;
  readonly connectRetryTime: number;
  /** Never open a connection; only accept. */
  readonly passive: boolean;
  /** After an error, start again by itself (after the idle-hold backoff). */
  readonly autoRestart: boolean;
  /** First idle-hold delay (s); doubles on every consecutive failure up to idleHoldMax. */
  readonly idleHoldTime: number;
  readonly idleHoldMax: number;
  readonly capabilities: readonly Capability[];
}

export interface FsmState {
  readonly name: FsmStateName;
  /** Absolute deadlines in ms on the injected clock. */
  readonly timers: Readonly<Partial<Record<TimerName, number>>>;
  readonly connectRetryCounter: number;
  /** Consecutive failures since the last Established; drives the idle-hold backoff. */
  readonly failures: number;
  /** Negotiated hold and keepalive times in seconds (valid from OpenConfirm on). */
  readonly holdTime: number;
  readonly keepaliveTime: number;
  readonly peerOpen?: OpenMessage;
  /** The peer's real AS (4-octet capability or My AS field), once its OPEN is accepted. */
  readonly peerAs?: number;
  /** Why the session last went down. */
  readonly lastDown?: SessionDown;
}

export type FsmEvent =
  | { readonly type: 'start' }
  | { readonly type: 'stop'; readonly subcode?: number; readonly text?: string }
  | { readonly type: 'timer'; readonly timer: TimerName }
  | { readonly type: 'tcp-connected' }
  | { readonly type: 'tcp-failed'; readonly reason?: string }
  | { readonly type: 'message'; readonly msg: BgpMessage }
  | { readonly type: 'decode-error'; readonly error: BgpError }
  | { readonly type: 'collision-lost' };

export type FsmAction =
  | { readonly type: 'connect' }
  | { readonly type: 'disconnect' }
  | { readonly type: 'send'; readonly msg: BgpMessage }
  | { readonly type: 'established' }
  | { readonly type: 'down'; readonly cause: SessionDown; readonly wasEstablished: boolean }
  | { readonly type: 'deliver'; readonly msg: BgpMessage };

export interface FsmResult { readonly state: FsmState; readonly actions: readonly FsmAction[] }

/** RFC 4271 8.2.2: the hold timer before the OPEN is received, "a large value" (4 minutes suggested). */
export const LARGE_HOLD_TIME = 240;
/** RFC 6608 FSM error subcodes. */
export const FsmSubcode = { UNEXPECTED_IN_OPENSENT: 1, UNEXPECTED_IN_OPENCONFIRM: 2, UNEXPECTED_IN_ESTABLISHED: 3 } as const;

export function initialState(): FsmState {
  return { name: 'Idle', timers: {}, connectRetryCounter: 0, failures: 0, holdTime: 0, keepaliveTime: 0 };
}

export function buildOpen(cfg: FsmConfig): OpenMessage {
  return {
    type: 'open', version: 4, myAs: cfg.localAs > 0xffff ? 23456 : cfg.localAs, holdTime: cfg.holdTime,
    bgpId: cfg.routerId, capabilities: cfg.capabilities,
  };
}

export function notification(code: number, subcode: number, data: Uint8Array = new Uint8Array(0)): NotificationMessage {
  return { type: 'notification', code, subcode, data };
}

function ipv4ToNumber(s: string): number {
  const parts = s.split('.').map(Number);
  return (((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!) >>> 0;
}

/** Compare BGP identifiers as unsigned 32-bit numbers (RFC 4271 6.8). */
export function compareBgpId(a: string, b: string): number {
  return ipv4ToNumber(a) - ipv4ToNumber(b);
}

/**
 * RFC 4271 6.2 OPEN checks, in the order the RFC lists them; returns the NOTIFICATION to send, or undefined.
 */
export function checkOpen(cfg: FsmConfig, open: OpenMessage): NotificationMessage | undefined {
  if (open.version !== 4) {
    // data: the largest locally supported version, as a 2-octet unsigned integer
    return notification(ErrorCode.OPEN_MESSAGE, OpenSubcode.UNSUPPORTED_VERSION, Uint8Array.of(0, 4));
  }
  if (open.otherParameters && open.otherParameters.length > 0) {
    return notification(ErrorCode.OPEN_MESSAGE, OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER);
  }
  const asn = peerAsOf(open);
  const asOk = cfg.remoteAs === 'internal' ? asn === cfg.localAs
    : cfg.remoteAs === 'external' ? asn !== cfg.localAs
      : asn === cfg.remoteAs;
  if (!asOk) {
    // data: the AS in the My AS field, 2 octets (RFC 4271 6.2 does not ask for data here; FRR/BIRD send it)
    return notification(ErrorCode.OPEN_MESSAGE, OpenSubcode.BAD_PEER_AS, Uint8Array.of(open.myAs >> 8, open.myAs & 0xff));
  }
  // RFC 6286 2.2: the identifier is a non-zero 4-octet number; for iBGP it must differ from ours.
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(open.bgpId) || ipv4ToNumber(open.bgpId) === 0
    || (asn === cfg.localAs && open.bgpId === cfg.routerId)) {
    return notification(ErrorCode.OPEN_MESSAGE, OpenSubcode.BAD_BGP_IDENTIFIER);
  }
  // RFC 4271 4.2: hold time 0 or at least 3; 1 and 2 MUST be rejected.
  if (open.holdTime === 1 || open.holdTime === 2) {
    return notification(ErrorCode.OPEN_MESSAGE, OpenSubcode.UNACCEPTABLE_HOLD_TIME);
  }
  return undefined;
}

/**
 * RFC 8538 5.1: once both OPENs carried the N bit, a Cease that ends the session for good (maximum prefixes,
 * administrative shutdown or reset, peer de-configured, BFD down) goes inside a Hard Reset, so that the peer
 * drops our routes at once instead of keeping them stale as after any other NOTIFICATION (FRR does the same).
 */
const HARD_CEASES: ReadonlySet<number> = new Set([
  CeaseSubcode.MAXIMUM_PREFIXES, CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, CeaseSubcode.PEER_DECONFIGURED,
  CeaseSubcode.ADMINISTRATIVE_RESET, CeaseSubcode.BFD_DOWN,
]);

const nBit = (caps: readonly Capability[] | undefined): boolean => caps?.some((c) => c.kind === 'graceful-restart' && c.notification) === true;

/** The Cease a stop sends: wrapped in a Hard Reset (RFC 8538 3: data = code, subcode, data) when the N bit was exchanged. */
export function stopNotification(subcode: number, text: string | undefined, ours: readonly Capability[], peerOpen: OpenMessage | undefined): NotificationMessage {
  const cease = ceaseNotification(subcode, text);
  if (!HARD_CEASES.has(subcode) || !nBit(ours) || !nBit(peerOpen?.capabilities)) return cease;
  return notification(ErrorCode.CEASE, CeaseSubcode.HARD_RESET, Uint8Array.of(cease.code, cease.subcode, ...cease.data));
}

/** A Cease NOTIFICATION, with the RFC 9003 shutdown communication for subcodes 2 and 4. */
export function ceaseNotification(subcode: number, text?: string): NotificationMessage {
  if (text !== undefined && (subcode === CeaseSubcode.ADMINISTRATIVE_SHUTDOWN || subcode === CeaseSubcode.ADMINISTRATIVE_RESET)) {
    return shutdownNotification(subcode, text);
  }
  return notification(ErrorCode.CEASE, subcode);
}

function withTimers(s: FsmState, set: Partial<Record<TimerName, number | undefined>>): FsmState {
  const timers: Partial<Record<TimerName, number>> = { ...s.timers };
  for (const [k, v] of Object.entries(set) as [TimerName, number | undefined][]) {
    if (v === undefined) delete timers[k]; else timers[k] = v;
  }
  return { ...s, timers };
}

export class Fsm {
  constructor(readonly cfg: FsmConfig) {}

  private backoffMs(failures: number): number {
    const s = Math.min(this.cfg.idleHoldTime * 2 ** Math.max(0, failures - 1), this.cfg.idleHoldMax);
    return s * 1000;
  }

  /** Leave for Idle: close, count the failure, arm the idle-hold timer if restarting by ourselves. */
  private toIdle(s: FsmState, now: number, cause: SessionDown, actions: FsmAction[], failed = true): FsmResult {
    const wasEstablished = s.name === 'Established';
    const failures = failed ? s.failures + 1 : s.failures;
    const next: FsmState = {
      name: 'Idle', timers: {}, connectRetryCounter: failed ? s.connectRetryCounter + 1 : s.connectRetryCounter,
      failures, holdTime: 0, keepaliveTime: 0, lastDown: cause,
    };
    const timed = failed && this.cfg.autoRestart ? withTimers(next, { idleHold: now + this.backoffMs(failures) }) : next;
    return { state: timed, actions: [...actions, { type: 'disconnect' }, { type: 'down', cause, wasEstablished }] };
  }

  /** Send the NOTIFICATION the cause names, then leave for Idle. */
  private sendAndIdle(s: FsmState, now: number, cause: SessionDown & { readonly sent: NotificationMessage }): FsmResult {
    return this.toIdle(s, now, cause, [{ type: 'send', msg: cause.sent }]);
  }

  /** RFC 6608: a message this state does not take, answered with an FSM Error. */
  private unexpected(s: FsmState, now: number, msg: BgpMessage, subcode: number): FsmResult {
    return this.sendAndIdle(s, now, { kind: 'fsm-error', sent: notification(ErrorCode.FSM, subcode), received: msg.type, state: s.name });
  }

  private start(s: FsmState, now: number): FsmResult {
    const retry = now + this.cfg.connectRetryTime * 1000;
    if (this.cfg.passive) {
      return { state: withTimers({ ...s, name: 'Active' }, { idleHold: undefined, connectRetry: retry }), actions: [] };
    }
    return { state: withTimers({ ...s, name: 'Connect' }, { idleHold: undefined, connectRetry: retry }), actions: [{ type: 'connect' }] };
  }

  private connected(s: FsmState, now: number): FsmResult {
    const open = buildOpen(this.cfg);
    const next = withTimers({ ...s, name: 'OpenSent' }, { connectRetry: undefined, hold: now + LARGE_HOLD_TIME * 1000 });
    return { state: next, actions: [{ type: 'send', msg: open }] };
  }

  private receiveOpen(s: FsmState, now: number, open: OpenMessage): FsmResult {
    const bad = checkOpen(this.cfg, open);
    if (bad) return this.sendAndIdle(s, now, { kind: 'open-refused', sent: bad });
    // RFC 4271 4.2: the smaller of our configured and the received hold time
    const holdTime = Math.min(this.cfg.holdTime, open.holdTime);
    const keepaliveTime = holdTime === 0 ? 0
      : Math.max(1, Math.min(this.cfg.keepaliveTime ?? Math.floor(holdTime / 3), Math.floor(holdTime / 3)));
    const next: FsmState = {
      ...s, name: 'OpenConfirm', peerOpen: open, peerAs: peerAsOf(open), holdTime, keepaliveTime,
    };
    const timed = withTimers(next, {
      connectRetry: undefined,
      hold: holdTime === 0 ? undefined : now + holdTime * 1000,
      keepalive: holdTime === 0 ? undefined : now + keepaliveTime * 1000,
    });
    return { state: timed, actions: [{ type: 'send', msg: { type: 'keepalive' } }] };
  }

  /** Any message received restarts the hold timer (RFC 4271 8.2.2, KeepAliveMsg and UpdateMsg). */
  private heard(s: FsmState, now: number): FsmState {
    return s.holdTime === 0 ? s : withTimers(s, { hold: now + s.holdTime * 1000 });
  }

  step(s: FsmState, ev: FsmEvent, now: number): FsmResult {
    switch (ev.type) {
      case 'start':
        return s.name === 'Idle' ? this.start(s, now) : { state: s, actions: [] };

      case 'stop': {
        if (s.name === 'Idle') return { state: withTimers(s, { idleHold: undefined }), actions: [] };
        const subcode = ev.subcode ?? CeaseSubcode.ADMINISTRATIVE_SHUTDOWN;
        const sendsNotification = s.name === 'OpenSent' || s.name === 'OpenConfirm' || s.name === 'Established';
        const sent = sendsNotification ? stopNotification(subcode, ev.text, this.cfg.capabilities, s.peerOpen) : undefined;
        const cause: SessionDown = { kind: 'stopped', subcode, ...(ev.text === undefined ? {} : { text: ev.text }), ...(sent ? { sent } : {}) };
        const r = this.toIdle(s, now, cause, sent ? [{ type: 'send', msg: sent }] : [], false);
        return { state: { ...r.state, timers: {}, connectRetryCounter: 0 }, actions: r.actions };
      }

      case 'timer':
        return this.onTimer(s, ev.timer, now);

      case 'tcp-connected':
        if (s.name === 'Connect' || s.name === 'Active') return this.connected(s, now);
        // a connection in any other state is not ours to take (the peer layer resolves collisions)
        return { state: s, actions: [{ type: 'disconnect' }] };

      case 'tcp-failed': {
        if (s.name === 'Connect') {
          // RFC 4271 8.2.2 Connect state, TcpConnectionFails: -> Active, keep retrying on the timer
          return { state: { ...s, name: 'Active' }, actions: [] };
        }
        if (s.name === 'Active' || s.name === 'Idle') return { state: s, actions: [] };
        if (s.name === 'OpenSent') {
          // RFC 4271 8.2.2 OpenSent, TcpConnectionFails: close, restart ConnectRetry, -> Active
          const next = withTimers({ ...s, name: 'Active' }, { hold: undefined, connectRetry: now + this.cfg.connectRetryTime * 1000 });
          return { state: next, actions: [{ type: 'disconnect' }] };
        }
        return this.toIdle(s, now, { kind: 'tcp-closed', ...(ev.reason === undefined ? {} : { reason: ev.reason }) }, []);
      }

      case 'decode-error':
        if (s.name === 'Idle' || s.name === 'Connect' || s.name === 'Active') return { state: s, actions: [{ type: 'disconnect' }] };
        return this.sendAndIdle(s, now, { kind: 'message-error', sent: notification(ev.error.code, ev.error.subcode, ev.error.data), message: ev.error.message });

      case 'collision-lost':
        return this.sendAndIdle(s, now, { kind: 'collision-lost', sent: ceaseNotification(CeaseSubcode.CONNECTION_COLLISION_RESOLUTION) });

      case 'message':
        return this.onMessage(s, ev.msg, now);
    }
  }

  private onTimer(s: FsmState, timer: TimerName, now: number): FsmResult {
    const cleared = withTimers(s, { [timer]: undefined });
    switch (timer) {
      case 'idleHold':
        return s.name === 'Idle' ? this.start(cleared, now) : { state: cleared, actions: [] };
      case 'connectRetry':
        if (s.name === 'Connect' || s.name === 'Active') {
          const next = withTimers({ ...cleared, name: this.cfg.passive ? 'Active' : 'Connect', connectRetryCounter: s.connectRetryCounter + 1 },
            { connectRetry: now + this.cfg.connectRetryTime * 1000 });
          return { state: next, actions: this.cfg.passive ? [] : [{ type: 'disconnect' }, { type: 'connect' }] };
        }
        return { state: cleared, actions: [] };
      case 'hold':
        if (s.name === 'OpenSent' || s.name === 'OpenConfirm' || s.name === 'Established') {
          // RFC 4271 8.2.2 HoldTimer_Expires: NOTIFICATION Hold Timer Expired (4/0), -> Idle
          return this.sendAndIdle(cleared, now, { kind: 'hold-timer-expired', sent: notification(ErrorCode.HOLD_TIMER_EXPIRED, 0) });
        }
        return { state: cleared, actions: [] };
      case 'keepalive':
        if ((s.name === 'OpenConfirm' || s.name === 'Established') && s.keepaliveTime > 0) {
          return { state: withTimers(cleared, { keepalive: now + s.keepaliveTime * 1000 }), actions: [{ type: 'send', msg: { type: 'keepalive' } }] };
        }
        return { state: cleared, actions: [] };
    }
  }

  private onMessage(s: FsmState, msg: BgpMessage, now: number): FsmResult {
    if (msg.type === 'notification') {
      if (s.name === 'Idle') return { state: s, actions: [] };
      // RFC 4271 8.2.2: NotifMsg -> Idle; RFC 4271 6.2: OpenSent with 2/1 is not counted as a failure
      return this.toIdle(s, now, { kind: 'notification-received', received: msg }, []);
    }
    switch (s.name) {
      case 'OpenSent':
        if (msg.type === 'open') return this.receiveOpen(s, now, msg);
        return this.unexpected(s, now, msg, FsmSubcode.UNEXPECTED_IN_OPENSENT);
      case 'OpenConfirm':
        if (msg.type === 'keepalive') {
          const next = this.heard({ ...s, name: 'Established', failures: 0, connectRetryCounter: 0 }, now);
          return { state: next, actions: [{ type: 'established' }] };
        }
        return this.unexpected(s, now, msg, FsmSubcode.UNEXPECTED_IN_OPENCONFIRM);
      case 'Established':
        if (msg.type === 'keepalive') return { state: this.heard(s, now), actions: [] };
        if (msg.type === 'update' || msg.type === 'route-refresh') return { state: this.heard(s, now), actions: [{ type: 'deliver', msg }] };
        return this.unexpected(s, now, msg, FsmSubcode.UNEXPECTED_IN_ESTABLISHED);
      default:
        // Idle, Connect, Active: there is no BGP conversation yet; drop the connection
        return { state: s, actions: [{ type: 'disconnect' }] };
    }
  }
}
