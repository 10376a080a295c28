/**
 * One BFD session (RFC 5880 asynchronous mode, no Echo, no Demand) as a pure reducer:
 * `stepSession(state, event, env)` returns the next state and the actions to carry out (send a packet,
 * report a state change, report a discarded packet). Timers are data (absolute deadlines in ms in
 * `state.timers`); the driver schedules a `timer` event for each. The clock and the jitter's random source
 * come in `env`, so tests run on a fake clock.
 *
 * Implements: state machine and reception (6.2, 6.8.6), detection time (6.8.4), transmit interval and
 * jitter (6.8.7), Poll Sequence for timer changes (6.5, 6.8.3), slow transmission while not Up (6.8.3),
 * administrative down (6.8.16), authentication and sequence numbers (6.7), diagnostics (4.1), the passive
 * role (6.1, 6.8.7).
 */
import type { BfdControlPacket, BfdStateName } from '../wire/bfd/types.js';
import { Diag } from '../wire/bfd/types.js';
import { authFailure, authSection, isMeticulous, sequenceAcceptable, type BfdKey } from '../wire/bfd/auth.js';

export interface BfdSessionConfig {
  /** bfd.DesiredMinTxInterval once Up, microseconds. */
  readonly desiredMinTxUs: number;
  /** bfd.RequiredMinRxInterval, microseconds. */
  readonly requiredMinRxUs: number;
  /** bfd.DetectMult. */
  readonly detectMult: number;
  readonly key?: BfdKey;
  /** RFC 5880 6.1 / 6.8.7: the Passive role sends nothing while bfd.RemoteDiscr is zero. */
  readonly passive?: boolean;
}

export type BfdTimer = 'tx' | 'detect' | 'authSeq';

export interface BfdSessionState {
  readonly config: BfdSessionConfig;
  readonly state: BfdStateName;
  readonly remoteState: BfdStateName;
  readonly localDiscr: number;
  readonly remoteDiscr: number;
  readonly localDiag: number;
  /** What our packets carry (bfd.DesiredMinTxInterval, bfd.RequiredMinRxInterval), microseconds. */
  readonly desiredMinTxUs: number;
  readonly requiredMinRxUs: number;
  /** The values timing uses: during a Poll Sequence an increased Tx or a reduced Rx waits for the Final (6.8.3). */
  readonly activeTxUs: number;
  readonly activeRxUs: number;
  readonly remoteMinRxUs: number;
  readonly remoteDesiredMinTxUs: number;
  readonly remoteDetectMult: number;
  /** A Poll Sequence is under way (6.5). */
  readonly polling: boolean;
  readonly xmitAuthSeq: number;
  /** bfd.RcvAuthSeq when bfd.AuthSeqKnown. */
  readonly rcvAuthSeq?: number;
  /** Absolute deadlines in ms. */
  readonly timers: Readonly<Partial<Record<BfdTimer, number>>>;
}

export type BfdSessionEvent =
  | { readonly type: 'rx'; readonly packet: BfdControlPacket; readonly bytes: Uint8Array }
  | { readonly type: 'timer'; readonly timer: BfdTimer }
  | { readonly type: 'admin-down' }
  | { readonly type: 'admin-up' }
  | { readonly type: 'configure'; readonly config: BfdSessionConfig };

export type BfdSessionAction =
  | { readonly type: 'send'; readonly packet: BfdControlPacket }
  | { readonly type: 'state'; readonly from: BfdStateName; readonly to: BfdStateName; readonly diag: number }
  | { readonly type: 'discard'; readonly reason: string };

export interface BfdEnv {
  /** ms on the injected clock */
  readonly now: number;
  /** [0, 1), for the transmit jitter */
  readonly random: () => number;
}

export interface BfdSessionResult { readonly state: BfdSessionState; readonly actions: readonly BfdSessionAction[] }

/** RFC 5880 6.8.3: while not Up, bfd.DesiredMinTxInterval is at least one second. */
export const SLOW_TX_US = 1_000_000;

function advertisedTx(cfg: BfdSessionConfig, state: BfdStateName): number {
  return state === 'Up' ? cfg.desiredMinTxUs : Math.max(cfg.desiredMinTxUs, SLOW_TX_US);
}

export function initialSession(config: BfdSessionConfig, localDiscr: number, env: BfdEnv): BfdSessionState {
  if (localDiscr === 0) throw new RangeError('bfd.LocalDiscr must be nonzero (RFC 5880 6.8.1)');
  const tx = advertisedTx(config, 'Down');
  return {
    config, state: 'Down', remoteState: 'Down', localDiscr, remoteDiscr: 0, localDiag: Diag.NONE,
    desiredMinTxUs: tx, requiredMinRxUs: config.requiredMinRxUs, activeTxUs: tx, activeRxUs: config.requiredMinRxUs,
    // RFC 5880 6.8.1: bfd.RemoteMinRxInterval starts at 1 microsecond
    remoteMinRxUs: 1, remoteDesiredMinTxUs: 0, remoteDetectMult: 0, polling: false,
    xmitAuthSeq: Math.floor(env.random() * 0x100000000) >>> 0,
    timers: { tx: env.now },
  };
}

/** RFC 5880 6.8.7: the larger of our desired Tx and the remote's required Rx, in ms. */
export function txIntervalMs(s: BfdSessionState): number {
  return Math.max(s.activeTxUs, s.remoteMinRxUs) / 1000;
}

/** RFC 5880 6.8.4: asynchronous mode detection time, the remote's Detect Mult times the agreed interval, in ms. */
export function detectionTimeMs(s: BfdSessionState): number {
  return (s.remoteDetectMult * Math.max(s.activeRxUs, s.remoteDesiredMinTxUs)) / 1000;
}

/** RFC 5880 6.8.7: each interval is reduced by 0-25% at random; by 10-25% when bfd.DetectMult is 1. */
export function jittered(intervalMs: number, detectMult: number, random: () => number): number {
  const spread = detectMult === 1 ? 0.15 : 0.25;
  return intervalMs * (0.75 + random() * spread);
}

class Step {
  readonly actions: BfdSessionAction[] = [];
  constructor(public s: BfdSessionState, readonly env: BfdEnv) {}

  set(patch: Partial<BfdSessionState>): void { this.s = { ...this.s, ...patch }; }
  timers(patch: Partial<Record<BfdTimer, number | undefined>>): void {
    const t: Partial<Record<BfdTimer, number>> = { ...this.s.timers };
    for (const [k, v] of Object.entries(patch) as [BfdTimer, number | undefined][]) if (v === undefined) delete t[k]; else t[k] = v;
    this.set({ timers: t });
  }

  /**
   * New advertised intervals. RFC 5880 6.8.3: a change starts a Poll Sequence; while it runs, an increased Tx
   * and a reduced Rx do not yet apply to timing. Outside Init/Up nobody times us, so changes apply at once.
   */
  retime(tx: number, rx: number): void {
    const s = this.s;
    if (tx === s.desiredMinTxUs && rx === s.requiredMinRxUs) return;
    const poll = s.state === 'Up' || s.state === 'Init';
    this.set({
      desiredMinTxUs: tx, requiredMinRxUs: rx, polling: poll || s.polling,
      activeTxUs: poll && tx > s.activeTxUs ? s.activeTxUs : tx,
      activeRxUs: poll && rx < s.activeRxUs ? s.activeRxUs : rx,
    });
    this.pullTx();
  }

  /** The Final arrived: the Poll Sequence ends and the new values apply (6.5). */
  endPoll(): void {
    this.set({ polling: false, activeTxUs: this.s.desiredMinTxUs, activeRxUs: this.s.requiredMinRxUs });
    this.pullTx();
  }

  /** A shorter interval takes effect now rather than after the packet already scheduled. */
  pullTx(): void {
    const s = this.s;
    if (s.remoteMinRxUs === 0) { this.timers({ tx: undefined }); return; }
    const next = this.env.now + jittered(txIntervalMs(s), s.config.detectMult, this.env.random);
    if (s.timers.tx === undefined || s.timers.tx > next) this.timers({ tx: next });
  }

  goTo(to: BfdStateName, diag: number): void {
    const from = this.s.state;
    if (from === to) return;
    this.set({ state: to, localDiag: diag });
    // leaving Init/Up ends any Poll Sequence: nobody is timing us any more
    if (to === 'Down' || to === 'AdminDown') this.set({ polling: false, activeTxUs: this.s.desiredMinTxUs, activeRxUs: this.s.requiredMinRxUs });
    this.actions.push({ type: 'state', from, to, diag });
    this.retime(advertisedTx(this.s.config, to), this.s.config.requiredMinRxUs);
  }

  /** RFC 5880 6.8.7: the packet to transmit now. */
  send(final: boolean): void {
    const s = this.s;
    const packet: BfdControlPacket = {
      diag: s.localDiag, state: s.state, poll: s.polling && !final, final, controlPlaneIndependent: false, demand: false,
      detectMult: s.config.detectMult, myDiscriminator: s.localDiscr, yourDiscriminator: s.remoteDiscr,
      desiredMinTxUs: s.desiredMinTxUs, requiredMinRxUs: s.requiredMinRxUs, requiredMinEchoRxUs: 0,
      ...(s.config.key ? { auth: authSection(s.config.key, s.xmitAuthSeq) } : {}),
    };
    this.actions.push({ type: 'send', packet });
    // 6.7.3 / 6.7.4: meticulous types MUST, keyed types MAY, advance the sequence per packet; we always do
    if (s.config.key) this.set({ xmitAuthSeq: (s.xmitAuthSeq + 1) >>> 0 });
  }

  discard(reason: string): void { this.actions.push({ type: 'discard', reason }); }
}

function receive(st: Step, p: BfdControlPacket, bytes: Uint8Array): void {
  const key = st.s.config.key;
  // RFC 5880 6.8.6: A bit set without authentication in use, or clear with it, MUST be discarded
  if (!key) {
    if (p.auth) return st.discard('A bit set but the session uses no authentication');
  } else {
    const failure = authFailure(p, bytes, key);
    if (failure) return st.discard(failure);
    const a = p.auth!;
    if ('sequence' in a) {
      if (!sequenceAcceptable(a.type, a.sequence, st.s.rcvAuthSeq, p.detectMult)) {
        return st.discard(`sequence ${a.sequence} outside the window after ${st.s.rcvAuthSeq}${isMeticulous(a.type) ? ' (meticulous)' : ''}`);
      }
      st.set({ rcvAuthSeq: a.sequence });
    }
  }
  st.set({
    remoteDiscr: p.myDiscriminator, remoteState: p.state, remoteMinRxUs: p.requiredMinRxUs,
    remoteDesiredMinTxUs: p.desiredMinTxUs, remoteDetectMult: p.detectMult,
  });
  if (p.final && st.s.polling) st.endPoll();
  else st.pullTx();
  if (st.s.state === 'AdminDown') return st.discard('session is AdminDown');
  // the state machine of RFC 5880 6.2 as written out in 6.8.6
  const local = st.s.state;
  if (p.state === 'AdminDown') {
    if (local !== 'Down') st.goTo('Down', Diag.NEIGHBOR_SIGNALED_SESSION_DOWN);
  } else if (local === 'Down') {
    if (p.state === 'Down') st.goTo('Init', Diag.NONE);
    else if (p.state === 'Init') st.goTo('Up', Diag.NONE);
  } else if (local === 'Init') {
    if (p.state === 'Init' || p.state === 'Up') st.goTo('Up', Diag.NONE);
  } else if (p.state === 'Down') {
    st.goTo('Down', Diag.NEIGHBOR_SIGNALED_SESSION_DOWN);
  }
  // a Poll is answered at once with the Final, regardless of the transmit timer (6.8.7)
  if (p.poll) st.send(true);
  const detect = detectionTimeMs(st.s);
  st.timers({ detect: st.env.now + detect, ...(key ? { authSeq: st.env.now + 2 * detect } : {}) });
}

export function stepSession(state: BfdSessionState, ev: BfdSessionEvent, env: BfdEnv): BfdSessionResult {
  const st = new Step(state, env);
  switch (ev.type) {
    case 'rx':
      receive(st, ev.packet, ev.bytes);
      break;
    case 'timer':
      if (ev.timer === 'tx') {
        st.timers({ tx: undefined });
        // 6.8.7: no periodic packets when the remote asks for none, nor from a passive system that has not heard it
        if (st.s.remoteMinRxUs !== 0 && !(st.s.config.passive && st.s.remoteDiscr === 0)) st.send(false);
        st.pullTx();
      } else if (ev.timer === 'detect') {
        // 6.8.4: detection time expired; 6.8.1: bfd.RemoteDiscr is reset when the detection time passes
        st.timers({ detect: undefined });
        if (st.s.state === 'Init' || st.s.state === 'Up') st.goTo('Down', Diag.CONTROL_DETECTION_TIME_EXPIRED);
        st.set({ remoteDiscr: 0, remoteState: 'Down' });
      } else {
        // 6.8.1: bfd.AuthSeqKnown is cleared after twice the detection time without packets
        st.timers({ authSeq: undefined });
        const { rcvAuthSeq: _, ...rest } = st.s;
        st.s = rest;
      }
      break;
    case 'admin-down':
      // 6.8.16: AdminDown with diagnostic 7; packets keep going so the peer learns it
      st.goTo('AdminDown', Diag.ADMINISTRATIVELY_DOWN);
      st.timers({ detect: undefined });
      break;
    case 'admin-up':
      if (st.s.state === 'AdminDown') st.goTo('Down', Diag.NONE);
      break;
    case 'configure': {
      st.set({ config: ev.config });
      st.retime(advertisedTx(ev.config, st.s.state), ev.config.requiredMinRxUs);
      break;
    }
  }
  return { state: st.s, actions: st.actions };
}
