/**
 * The BFD session reducer (RFC 5880 6.2, 6.5, 6.8) on a fake clock: every state and transition, the
 * diagnostics a session sets, detection time, jitter bounds, Poll Sequences, AdminDown and authentication.
 */
import { describe, expect, it } from 'vitest';
import {
  initialSession, stepSession, detectionTimeMs, txIntervalMs, SLOW_TX_US,
  type BfdSessionAction, type BfdSessionConfig, type BfdSessionEvent, type BfdSessionState,
} from '../../../src/bfd/session.js';
import { authSection, sealBfdControl, type BfdKey } from '../../../src/wire/bfd/auth.js';
import { encodeBfdControl, decodeBfdControl } from '../../../src/wire/bfd/control.js';
import { AuthType, Diag, type BfdControlPacket, type BfdStateName } from '../../../src/wire/bfd/types.js';

const cfg: BfdSessionConfig = { desiredMinTxUs: 100_000, requiredMinRxUs: 100_000, detectMult: 3 };

/** A session plus the time; `step` applies one event and returns its actions. */
class Driver {
  now = 0;
  random = 0.5;
  s: BfdSessionState;
  constructor(config: BfdSessionConfig = cfg, discr = 0x100) {
    this.s = initialSession(config, discr, { now: 0, random: () => this.random });
  }
  step(ev: BfdSessionEvent): BfdSessionAction[] {
    const r = stepSession(this.s, ev, { now: this.now, random: () => this.random });
    this.s = r.state;
    return [...r.actions];
  }
  rx(p: Partial<BfdControlPacket>, key?: BfdKey): BfdSessionAction[] {
    const packet: BfdControlPacket = { ...remote, ...p };
    const bytes = key ? sealBfdControl(packet, key) : encodeBfdControl(packet);
    return this.step({ type: 'rx', packet: decodeBfdControl(bytes), bytes });
  }
  /** Fire the timer due first, after moving the clock to it. */
  fire(timer: 'tx' | 'detect' | 'authSeq'): BfdSessionAction[] {
    const at = this.s.timers[timer];
    if (at === undefined) throw new Error(`timer ${timer} is not set`);
    this.now = at;
    return this.step({ type: 'timer', timer });
  }
  /** Bring the session Up (Down -> Init -> Up) against a remote with discriminator 0x200. */
  up(): void {
    this.rx({ state: 'Down', yourDiscriminator: 0 });
    this.rx({ state: 'Up', yourDiscriminator: this.s.localDiscr });
  }
}

const remote: BfdControlPacket = {
  diag: 0, state: 'Down', poll: false, final: false, controlPlaneIndependent: false, demand: false, detectMult: 3,
  myDiscriminator: 0x200, yourDiscriminator: 0, desiredMinTxUs: 100_000, requiredMinRxUs: 100_000, requiredMinEchoRxUs: 0,
};

const sent = (a: readonly BfdSessionAction[]) => a.flatMap((x) => (x.type === 'send' ? [x.packet] : []));
const changes = (a: readonly BfdSessionAction[]) => a.flatMap((x) => (x.type === 'state' ? [[x.from, x.to, x.diag] as [BfdStateName, BfdStateName, number]] : []));
const discards = (a: readonly BfdSessionAction[]) => a.flatMap((x) => (x.type === 'discard' ? [x.reason] : []));

describe('initial state (RFC 5880 6.8.1)', () => {
  it('starts Down, sends at once, slow (1 s) while not Up, with Your Discriminator zero', () => {
    const d = new Driver();
    expect(d.s.state).toBe('Down');
    expect(d.s.remoteMinRxUs).toBe(1);
    const [p] = sent(d.fire('tx'));
    expect(p).toMatchObject({ state: 'Down', diag: 0, myDiscriminator: 0x100, yourDiscriminator: 0, desiredMinTxUs: SLOW_TX_US, requiredMinRxUs: 100_000, poll: false, final: false });
    // the next packet follows one jittered interval of max(1 s, remote Rx 1 us) later
    expect(d.s.timers.tx).toBe(0 + 1000 * (0.75 + 0.5 * 0.25));
  });
  it('refuses a zero local discriminator', () => {
    expect(() => initialSession(cfg, 0, { now: 0, random: () => 0 })).toThrow(/nonzero/);
  });
});

describe('state machine (RFC 5880 6.2 / 6.8.6)', () => {
  it('Down + Down -> Init; Init + Up -> Up; learns the remote discriminator', () => {
    const d = new Driver();
    expect(changes(d.rx({ state: 'Down' }))).toEqual([['Down', 'Init', Diag.NONE]]);
    expect(d.s.remoteDiscr).toBe(0x200);
    expect(changes(d.rx({ state: 'Up', yourDiscriminator: 0x100 }))).toEqual([['Init', 'Up', Diag.NONE]]);
  });
  it('Down + Init -> Up directly', () => {
    const d = new Driver();
    expect(changes(d.rx({ state: 'Init', yourDiscriminator: 0x100 }))).toEqual([['Down', 'Up', Diag.NONE]]);
  });
  it('Down + Up stays Down (the remote must see us first)', () => {
    const d = new Driver();
    expect(changes(d.rx({ state: 'Up', yourDiscriminator: 0x100 }))).toEqual([]);
    expect(d.s.state).toBe('Down');
  });
  it('Init + Init -> Up; Init + Down stays Init', () => {
    const d = new Driver();
    d.rx({ state: 'Down' });
    expect(changes(d.rx({ state: 'Down' }))).toEqual([]);
    expect(changes(d.rx({ state: 'Init', yourDiscriminator: 0x100 }))).toEqual([['Init', 'Up', Diag.NONE]]);
  });
  it('Up + Down -> Down with diag 3 Neighbor Signaled Session Down', () => {
    const d = new Driver();
    d.up();
    expect(changes(d.rx({ state: 'Down', yourDiscriminator: 0x100 }))).toEqual([['Up', 'Down', Diag.NEIGHBOR_SIGNALED_SESSION_DOWN]]);
    expect(sent(d.fire('tx'))[0]).toMatchObject({ state: 'Down', diag: 3 });
  });
  it('Up + AdminDown -> Down with diag 3; Init + AdminDown -> Down; Down + AdminDown stays Down', () => {
    const a = new Driver();
    a.up();
    expect(changes(a.rx({ state: 'AdminDown', diag: 7 }))).toEqual([['Up', 'Down', 3]]);
    const b = new Driver();
    b.rx({ state: 'Down' });
    expect(changes(b.rx({ state: 'AdminDown' }))).toEqual([['Init', 'Down', 3]]);
    const c = new Driver();
    expect(changes(c.rx({ state: 'AdminDown' }))).toEqual([]);
    expect(c.s.localDiag).toBe(0);
  });
  it('Up + Init and Up + Up stay Up', () => {
    const d = new Driver();
    d.up();
    expect(changes(d.rx({ state: 'Init', yourDiscriminator: 0x100 }))).toEqual([]);
    expect(changes(d.rx({ state: 'Up', yourDiscriminator: 0x100 }))).toEqual([]);
    expect(d.s.state).toBe('Up');
  });
  it('the diagnostic is cleared when the session comes Up again', () => {
    const d = new Driver();
    d.up();
    d.rx({ state: 'Down', yourDiscriminator: 0x100 });
    expect(d.s.localDiag).toBe(3);
    d.rx({ state: 'Init', yourDiscriminator: 0x100 });
    expect(d.s.state).toBe('Up');
    expect(d.s.localDiag).toBe(0);
  });
});

describe('detection time (RFC 5880 6.8.4)', () => {
  it('is the remote Detect Mult times the larger of our Rx and the remote Tx', () => {
    const d = new Driver();
    d.rx({ state: 'Down', detectMult: 5, desiredMinTxUs: 1_000_000 });
    expect(detectionTimeMs(d.s)).toBe(5000);
    expect(d.s.timers.detect).toBe(5000);
    d.now = 100;
    d.rx({ state: 'Down', detectMult: 4, desiredMinTxUs: 50_000 });
    expect(detectionTimeMs(d.s)).toBe(400); // our 100 ms Rx is larger than their 50 ms Tx
    expect(d.s.timers.detect).toBe(500);
  });
  it('expiry in Up -> Down with diag 1 Control Detection Time Expired, remote discriminator reset', () => {
    const d = new Driver();
    d.up();
    d.now = 10;
    d.rx({ state: 'Up', yourDiscriminator: 0x100 });
    expect(d.s.timers.detect).toBe(310);
    expect(changes(d.fire('detect'))).toEqual([['Up', 'Down', Diag.CONTROL_DETECTION_TIME_EXPIRED]]);
    expect(d.now).toBe(310);
    expect(d.s.remoteDiscr).toBe(0);
    const [p] = sent(d.fire('tx'));
    expect(p).toMatchObject({ state: 'Down', diag: 1, yourDiscriminator: 0, desiredMinTxUs: SLOW_TX_US });
  });
  it('expiry in Init -> Down with diag 1; in Down only forgets the remote discriminator', () => {
    const d = new Driver();
    d.rx({ state: 'Down' });
    expect(changes(d.fire('detect'))).toEqual([['Init', 'Down', 1]]);
    const e = new Driver();
    e.rx({ state: 'Down' });
    e.rx({ state: 'AdminDown' });
    expect(e.s.remoteDiscr).toBe(0x200);
    expect(changes(e.fire('detect'))).toEqual([]);
    expect(e.s.remoteDiscr).toBe(0);
  });
  it('every accepted packet restarts the detection timer', () => {
    const d = new Driver();
    d.up();
    for (let i = 1; i <= 10; i++) {
      d.now = i * 100;
      d.rx({ state: 'Up', yourDiscriminator: 0x100 });
      expect(d.s.timers.detect).toBe(i * 100 + 300);
    }
    expect(d.s.state).toBe('Up');
  });
});

/** The gap to the next packet after each transmission, with the jitter's random source giving each value in turn (µs rounding). */
function gapsWith(d: Driver, randoms: readonly number[]): number[] {
  return randoms.map((random) => {
    d.random = random;
    const before = d.now = d.s.timers.tx!;
    d.step({ type: 'timer', timer: 'tx' });
    return Math.round((d.s.timers.tx! - before) * 1e5) / 1e5;
  });
}

describe('transmission (RFC 5880 6.8.7)', () => {
  it('interval is the larger of our Tx and the remote Rx, reduced by 0-25% jitter', () => {
    const d = new Driver();
    d.up();
    d.rx({ state: 'Up', yourDiscriminator: 0x100, final: true });
    d.rx({ state: 'Up', yourDiscriminator: 0x100, requiredMinRxUs: 200_000 });
    expect(txIntervalMs(d.s)).toBe(200);
    expect(gapsWith(d, [0, 0.999999])).toEqual([150, 199.99995]);
  });
  it('with Detect Mult 1 the jitter keeps the interval within 75-90%', () => {
    const d = new Driver({ ...cfg, detectMult: 1, desiredMinTxUs: 2_000_000 });
    expect(gapsWith(d, [0, 0.999999])).toEqual([1500, 1799.9997]);
  });
  it('sends no periodic packets while the remote asks for Required Min Rx 0', () => {
    const d = new Driver();
    d.rx({ state: 'Down', requiredMinRxUs: 0 });
    d.now = d.s.timers.tx ?? 0;
    expect(sent(d.step({ type: 'timer', timer: 'tx' }))).toEqual([]);
    expect(d.s.timers.tx).toBeUndefined();
    d.rx({ state: 'Down', requiredMinRxUs: 100_000 });
    expect(d.s.timers.tx).toBeDefined();
  });
  it('a shorter interval from the remote pulls the next packet forward', () => {
    const d = new Driver();
    d.fire('tx');
    expect(d.s.timers.tx).toBe(875);
    d.up();
    d.rx({ state: 'Up', yourDiscriminator: 0x100, final: true });
    expect(d.s.timers.tx).toBeLessThan(100);
  });
});

describe('Poll Sequence (RFC 5880 6.5, 6.8.3)', () => {
  it('going Up starts a Poll to the configured Tx; the Final ends it', () => {
    const d = new Driver();
    d.up();
    expect(d.s.desiredMinTxUs).toBe(100_000);
    expect(d.s.polling).toBe(true);
    expect(sent(d.fire('tx'))[0]).toMatchObject({ poll: true, final: false, desiredMinTxUs: 100_000 });
    d.rx({ state: 'Up', yourDiscriminator: 0x100, final: true });
    expect(d.s.polling).toBe(false);
    expect(sent(d.fire('tx'))[0]).toMatchObject({ poll: false });
  });
  it('answers a Poll at once with the Final and without the Poll bit, even while polling itself', () => {
    const d = new Driver();
    d.up();
    const out = sent(d.rx({ state: 'Up', yourDiscriminator: 0x100, poll: true }));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ final: true, poll: false, state: 'Up' });
  });
  it('an increased Tx does not apply until the Final; a decreased Rx keeps the old detection time until then', () => {
    const d = new Driver();
    d.up();
    d.rx({ state: 'Up', yourDiscriminator: 0x100, final: true });
    d.step({ type: 'configure', config: { ...cfg, desiredMinTxUs: 300_000, requiredMinRxUs: 50_000 } });
    expect(d.s.polling).toBe(true);
    expect(d.s).toMatchObject({ desiredMinTxUs: 300_000, requiredMinRxUs: 50_000, activeTxUs: 100_000, activeRxUs: 100_000 });
    d.rx({ state: 'Up', yourDiscriminator: 0x100, desiredMinTxUs: 50_000 });
    expect(detectionTimeMs(d.s)).toBe(300);
    d.rx({ state: 'Up', yourDiscriminator: 0x100, desiredMinTxUs: 50_000, final: true });
    expect(d.s).toMatchObject({ polling: false, activeTxUs: 300_000, activeRxUs: 50_000 });
    expect(detectionTimeMs(d.s)).toBe(150);
    expect(txIntervalMs(d.s)).toBe(300);
  });
  it('a decreased Tx and an increased Rx apply at once', () => {
    const d = new Driver({ ...cfg, desiredMinTxUs: 300_000 });
    d.up();
    d.rx({ state: 'Up', yourDiscriminator: 0x100, final: true });
    d.step({ type: 'configure', config: { ...cfg, desiredMinTxUs: 100_000, requiredMinRxUs: 500_000 } });
    expect(d.s).toMatchObject({ polling: true, activeTxUs: 100_000, activeRxUs: 500_000 });
  });
  it('while Down a change applies at once without a Poll (nobody times us)', () => {
    const d = new Driver();
    d.step({ type: 'configure', config: { ...cfg, requiredMinRxUs: 300_000 } });
    expect(d.s).toMatchObject({ polling: false, requiredMinRxUs: 300_000, activeRxUs: 300_000, desiredMinTxUs: SLOW_TX_US });
  });
  it('going Down ends a Poll and returns to the slow rate', () => {
    const d = new Driver();
    d.up();
    d.fire('detect');
    expect(d.s).toMatchObject({ state: 'Down', polling: false, desiredMinTxUs: SLOW_TX_US, activeTxUs: SLOW_TX_US });
  });
});

describe('AdminDown (RFC 5880 6.8.16)', () => {
  it('admin-down: AdminDown with diag 7, packets say so, received packets are discarded; admin-up returns to Down', () => {
    const d = new Driver();
    d.up();
    expect(changes(d.step({ type: 'admin-down' }))).toEqual([['Up', 'AdminDown', Diag.ADMINISTRATIVELY_DOWN]]);
    expect(d.s.timers.detect).toBeUndefined();
    expect(sent(d.fire('tx'))[0]).toMatchObject({ state: 'AdminDown', diag: 7 });
    const a = d.rx({ state: 'Up', yourDiscriminator: 0x100 });
    expect(discards(a)).toEqual(['session is AdminDown']);
    expect(d.s.state).toBe('AdminDown');
    expect(changes(d.step({ type: 'admin-up' }))).toEqual([['AdminDown', 'Down', Diag.NONE]]);
    expect(changes(d.rx({ state: 'Down' }))).toEqual([['Down', 'Init', 0]]);
  });
  it('admin-up outside AdminDown changes nothing', () => {
    const d = new Driver();
    expect(d.step({ type: 'admin-up' })).toEqual([]);
  });
});

describe('authentication (RFC 5880 6.7, 6.8.6)', () => {
  const key: BfdKey = { type: AuthType.METICULOUS_KEYED_SHA1, keyId: 1, secret: new TextEncoder().encode('k') };
  it('without a key, a packet with the A bit is discarded', () => {
    const d = new Driver();
    expect(discards(d.rx({ auth: authSection(key, 1) }, key))).toEqual(['A bit set but the session uses no authentication']);
    expect(d.s.remoteDiscr).toBe(0);
  });
  it('with a key: packets carry it with an advancing sequence; bad digests, missing auth and replays are discarded', () => {
    const d = new Driver({ ...cfg, key });
    const first = sent(d.fire('tx'))[0]!;
    const second = sent(d.fire('tx'))[0]!;
    expect(first.auth).toMatchObject({ type: AuthType.METICULOUS_KEYED_SHA1, keyId: 1 });
    expect((second.auth as { sequence: number }).sequence).toBe(((first.auth as { sequence: number }).sequence + 1) >>> 0);
    expect(changes(d.rx({ state: 'Down', auth: authSection(key, 10) }, key))).toEqual([['Down', 'Init', 0]]);
    expect(d.s.rcvAuthSeq).toBe(10);
    expect(discards(d.rx({ state: 'Down', auth: authSection(key, 10) }, key))[0]).toMatch(/outside the window.*meticulous/);
    expect(discards(d.rx({ state: 'Down' }))[0]).toMatch(/A bit clear/);
    expect(discards(d.rx({ state: 'Down', auth: authSection(key, 11) }, { ...key, secret: Uint8Array.of(1) }))).toEqual(['wrong digest']);
    expect(changes(d.rx({ state: 'Up', yourDiscriminator: 0x100, auth: authSection(key, 12) }, key))).toEqual([['Init', 'Up', 0]]);
  });
  it('forgets the receive sequence after twice the detection time without packets (6.8.1)', () => {
    const d = new Driver({ ...cfg, key });
    d.rx({ state: 'Down', auth: authSection(key, 10) }, key);
    expect(d.s.timers.authSeq).toBe(2 * 300);
    d.fire('authSeq');
    expect(d.s.rcvAuthSeq).toBeUndefined();
    expect(changes(d.rx({ state: 'Up', yourDiscriminator: 0x100, auth: authSection(key, 5) }, key))).toEqual([['Init', 'Up', 0]]);
  });
});
