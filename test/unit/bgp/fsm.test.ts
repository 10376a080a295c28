import { describe, expect, it } from 'vitest';
import {
  ceaseNotification, compareBgpId, Fsm, initialState, LARGE_HOLD_TIME,
  type FsmAction, type FsmConfig, type FsmEvent, type FsmState,
} from '../../../src/bgp/fsm.js';
import { describeDown, describeNotification } from '../../../src/bgp/session-down.js';
import type { OpenMessage } from '../../../src/wire/bgp/types.js';
import { BgpError } from '../../../src/wire/bgp/error.js';
import { decodeShutdownCommunication } from '../../../src/wire/bgp/notification.js';

const cfg: FsmConfig = {
  localAs: 64513, routerId: '192.168.10.254', remoteAs: 64512, holdTime: 90, connectRetryTime: 5,
  passive: false, autoRestart: true, idleHoldTime: 1, idleHoldMax: 60,
  capabilities: [{ kind: 'four-octet-as', asn: 64513 }],
};

const peerOpen = (over: Partial<OpenMessage> = {}): OpenMessage => ({
  type: 'open', version: 4, myAs: 64512, holdTime: 30, bgpId: '192.168.10.10',
  capabilities: [{ kind: 'four-octet-as', asn: 64512 }], ...over,
});

/** Drives an FSM on a fake clock and records everything it asked for. */
class Driver {
  state: FsmState = initialState();
  now = 1_000_000;
  actions: FsmAction[] = [];
  readonly fsm: Fsm;
  constructor(c: FsmConfig = cfg) { this.fsm = new Fsm(c); }
  send(ev: FsmEvent): readonly FsmAction[] {
    const r = this.fsm.step(this.state, ev, this.now);
    this.state = r.state;
    this.actions.push(...r.actions);
    return r.actions;
  }
  /** Advance the clock to the earliest timer and fire it; returns its name. */
  fireNext(): string {
    const entries = Object.entries(this.state.timers).sort((a, b) => a[1] - b[1]);
    const [name, at] = entries[0]!;
    this.now = at;
    this.send({ type: 'timer', timer: name as never });
    return name;
  }
  established(open = peerOpen()): void {
    this.send({ type: 'start' });
    this.send({ type: 'tcp-connected' });
    this.send({ type: 'message', msg: open });
    this.send({ type: 'message', msg: { type: 'keepalive' } });
  }
  sent(): FsmAction[] { return this.actions.filter((a) => a.type === 'send'); }
}

describe('BGP FSM (RFC 4271 section 8)', () => {
  it('goes Idle -> Connect -> OpenSent -> OpenConfirm -> Established, sending OPEN then KEEPALIVE', () => {
    const d = new Driver();
    expect(d.send({ type: 'start' })).toEqual([{ type: 'connect' }]);
    expect(d.state.name).toBe('Connect');
    const onConnect = d.send({ type: 'tcp-connected' });
    expect(d.state.name).toBe('OpenSent');
    expect(onConnect[0]).toMatchObject({ type: 'send', msg: { type: 'open', version: 4, myAs: 64513, holdTime: 90, bgpId: '192.168.10.254' } });
    // RFC 4271 8.2.2: before the OPEN arrives the hold timer is set to a large value
    expect(d.state.timers.hold).toBe(d.now + LARGE_HOLD_TIME * 1000);
    expect(d.send({ type: 'message', msg: peerOpen() })).toEqual([{ type: 'send', msg: { type: 'keepalive' } }]);
    expect(d.state.name).toBe('OpenConfirm');
    expect(d.send({ type: 'message', msg: { type: 'keepalive' } })).toEqual([{ type: 'established' }]);
    expect(d.state.name).toBe('Established');
    expect(d.state.peerAs).toBe(64512);
  });

  it('negotiates the smaller hold time and keeps alive at a third of it', () => {
    const d = new Driver();
    d.established(peerOpen({ holdTime: 9 }));
    expect(d.state.holdTime).toBe(9);
    expect(d.state.keepaliveTime).toBe(3);
    expect(d.state.timers.keepalive).toBe(d.now + 3000);
    expect(d.fireNext()).toBe('keepalive');
    expect(d.actions.at(-1)).toEqual({ type: 'send', msg: { type: 'keepalive' } });
  });

  it('hold time 0 from the peer turns off keepalives and the hold timer', () => {
    const d = new Driver();
    d.established(peerOpen({ holdTime: 0 }));
    expect(d.state.holdTime).toBe(0);
    expect(d.state.timers.hold).toBeUndefined();
    expect(d.state.timers.keepalive).toBeUndefined();
  });

  it('hold timer expiry sends NOTIFICATION 4/0 and goes Idle', () => {
    const d = new Driver();
    d.established(peerOpen({ holdTime: 3 }));
    let fired = d.fireNext();
    for (let i = 0; i < 10 && fired === 'keepalive'; i++) fired = d.fireNext();
    expect(fired).toBe('hold');
    expect(d.state.name).toBe('Idle');
    const tail = d.actions.slice(-3);
    expect(tail[0]).toEqual({ type: 'send', msg: { type: 'notification', code: 4, subcode: 0, data: new Uint8Array(0) } });
    expect(tail[1]).toEqual({ type: 'disconnect' });
    expect(tail[2]).toMatchObject({ type: 'down', cause: { kind: 'hold-timer-expired' }, wasEstablished: true });
    expect(d.state.lastDown && describeDown(d.state.lastDown)).toBe('hold timer expired');
  });

  it('any UPDATE or KEEPALIVE restarts the hold timer', () => {
    const d = new Driver();
    d.established(peerOpen({ holdTime: 30 }));
    d.now += 20_000;
    d.send({ type: 'message', msg: { type: 'update', withdrawn: [], attributes: {}, nlri: [] } });
    expect(d.state.timers.hold).toBe(d.now + 30_000);
    expect(d.actions.at(-1)).toMatchObject({ type: 'deliver' });
  });

  it.each([
    ['bad version', peerOpen({ version: 3 }), 2, 1, Uint8Array.of(0, 4)],
    ['bad peer AS', peerOpen({ myAs: 65000, capabilities: [{ kind: 'four-octet-as', asn: 65000 }] }), 2, 2, Uint8Array.of(0xfd, 0xe8)],
    ['zero BGP identifier', peerOpen({ bgpId: '0.0.0.0' }), 2, 3, new Uint8Array(0)],
    ['hold time 1', peerOpen({ holdTime: 1 }), 2, 6, new Uint8Array(0)],
    ['hold time 2', peerOpen({ holdTime: 2 }), 2, 6, new Uint8Array(0)],
    ['unsupported optional parameter', peerOpen({ otherParameters: [{ type: 9, value: new Uint8Array(1) }] }), 2, 4, new Uint8Array(0)],
  ])('%s gets NOTIFICATION %i/%i and goes Idle', (_name, open, code, subcode, data) => {
    const d = new Driver();
    d.send({ type: 'start' });
    d.send({ type: 'tcp-connected' });
    d.send({ type: 'message', msg: open });
    expect(d.state.name).toBe('Idle');
    expect(d.sent().at(-1)).toEqual({ type: 'send', msg: { type: 'notification', code, subcode, data } });
    expect(d.actions.at(-1)).toMatchObject({ type: 'down', wasEstablished: false });
  });

  it('an iBGP peer with our own BGP identifier is refused with 2/3 (RFC 6286)', () => {
    const d = new Driver({ ...cfg, remoteAs: 'internal' });
    d.send({ type: 'start' });
    d.send({ type: 'tcp-connected' });
    d.send({ type: 'message', msg: peerOpen({ myAs: 64513, bgpId: cfg.routerId, capabilities: [] }) });
    expect(d.sent().at(-1)).toMatchObject({ msg: { code: 2, subcode: 3 } });
  });

  it("remoteAs 'external' accepts any AS but ours; the 4-octet capability beats AS_TRANS", () => {
    const d = new Driver({ ...cfg, remoteAs: 'external' });
    d.established(peerOpen({ myAs: 23456, capabilities: [{ kind: 'four-octet-as', asn: 4200000001 }] }));
    expect(d.state.name).toBe('Established');
    expect(d.state.peerAs).toBe(4200000001);
    const own = new Driver({ ...cfg, remoteAs: 'external' });
    own.established(peerOpen({ myAs: 64513, capabilities: [] }));
    expect(own.state.name).toBe('Idle');
  });

  it('unexpected messages get RFC 6608 FSM error subcodes', () => {
    const inOpenSent = new Driver();
    inOpenSent.send({ type: 'start' });
    inOpenSent.send({ type: 'tcp-connected' });
    inOpenSent.send({ type: 'message', msg: { type: 'keepalive' } });
    expect(inOpenSent.sent().at(-1)).toMatchObject({ msg: { code: 5, subcode: 1 } });

    const inConfirm = new Driver();
    inConfirm.send({ type: 'start' });
    inConfirm.send({ type: 'tcp-connected' });
    inConfirm.send({ type: 'message', msg: peerOpen() });
    inConfirm.send({ type: 'message', msg: { type: 'update', withdrawn: [], attributes: {}, nlri: [] } });
    expect(inConfirm.sent().at(-1)).toMatchObject({ msg: { code: 5, subcode: 2 } });

    const inEstablished = new Driver();
    inEstablished.established();
    inEstablished.send({ type: 'message', msg: peerOpen() });
    expect(inEstablished.sent().at(-1)).toMatchObject({ msg: { code: 5, subcode: 3 } });
  });

  it('a decode error sends its NOTIFICATION (code, subcode, data) and goes Idle', () => {
    const d = new Driver();
    d.established();
    d.send({ type: 'decode-error', error: new BgpError(1, 2, 'bad length', Uint8Array.of(0, 5)) });
    expect(d.sent().at(-1)).toEqual({ type: 'send', msg: { type: 'notification', code: 1, subcode: 2, data: Uint8Array.of(0, 5) } });
    expect(d.state.name).toBe('Idle');
  });

  it('a received NOTIFICATION ends the session without answering', () => {
    const d = new Driver();
    d.established();
    const before = d.sent().length;
    d.send({ type: 'message', msg: ceaseNotification(2, 'maintenance') });
    expect(d.sent().length).toBe(before);
    const down = d.actions.at(-1);
    expect(down).toMatchObject({ type: 'down', cause: { kind: 'notification-received', received: { code: 6, subcode: 2 } } });
    expect(down?.type === 'down' && describeDown(down.cause)).toBe('received NOTIFICATION: Cease (6/2): maintenance');
  });

  it('stop sends Cease/Administrative Shutdown with the RFC 9003 text and does not restart', () => {
    const d = new Driver();
    d.established();
    d.send({ type: 'stop', text: 'node drain' });
    const n = d.sent().at(-1)!;
    expect(n).toMatchObject({ msg: { type: 'notification', code: 6, subcode: 2 } });
    expect(n.type === 'send' && n.msg.type === 'notification' && decodeShutdownCommunication(n.msg)).toBe('node drain');
    expect(d.state.name).toBe('Idle');
    expect(d.state.timers).toEqual({});
  });

  it('the shutdown communication is cut at 255 octets without splitting a character', () => {
    const n = ceaseNotification(2, '한'.repeat(100)); // 3 octets each
    expect(n.data[0]).toBe(255);
    expect(decodeShutdownCommunication(n)).toBe('한'.repeat(85));
    expect(describeNotification(ceaseNotification(4))).toBe('Cease (6/4)');
  });

  it('connection failure in Connect goes Active and retries on the ConnectRetry timer', () => {
    const d = new Driver();
    d.send({ type: 'start' });
    d.send({ type: 'tcp-failed', reason: 'refused' });
    expect(d.state.name).toBe('Active');
    expect(d.fireNext()).toBe('connectRetry');
    expect(d.state.name).toBe('Connect');
    expect(d.actions.slice(-2)).toEqual([{ type: 'disconnect' }, { type: 'connect' }]);
    expect(d.state.connectRetryCounter).toBe(1);
  });

  it('a passive peer waits in Active and never connects', () => {
    const d = new Driver({ ...cfg, passive: true });
    expect(d.send({ type: 'start' })).toEqual([]);
    expect(d.state.name).toBe('Active');
    d.fireNext();
    expect(d.actions.some((a) => a.type === 'connect')).toBe(false);
    d.send({ type: 'tcp-connected' });
    expect(d.state.name).toBe('OpenSent');
  });

  it('backs off exponentially on repeated failures, up to idleHoldMax, and resets once Established', () => {
    const d = new Driver();
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      if (d.state.name === 'Idle' && d.state.timers.idleHold) d.fireNext();
      else d.send({ type: 'start' });
      d.send({ type: 'tcp-connected' });
      d.send({ type: 'message', msg: peerOpen({ version: 3 }) });
      delays.push(d.state.timers.idleHold! - d.now);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
    d.fireNext();
    d.send({ type: 'tcp-connected' });
    d.send({ type: 'message', msg: peerOpen() });
    d.send({ type: 'message', msg: { type: 'keepalive' } });
    expect(d.state.name).toBe('Established');
    expect(d.state.failures).toBe(0);
  });

  it('collision-lost closes with Cease 6/7', () => {
    const d = new Driver();
    d.send({ type: 'start' });
    d.send({ type: 'tcp-connected' });
    d.send({ type: 'message', msg: peerOpen() });
    d.send({ type: 'collision-lost' });
    expect(d.sent().at(-1)).toMatchObject({ msg: { code: 6, subcode: 7 } });
    expect(d.state.name).toBe('Idle');
  });

  it('compares BGP identifiers as unsigned numbers', () => {
    expect(compareBgpId('192.168.10.254', '10.0.0.1')).toBeGreaterThan(0);
    expect(compareBgpId('1.1.1.1', '255.0.0.0')).toBeLessThan(0);
    expect(compareBgpId('10.0.0.1', '10.0.0.1')).toBe(0);
  });
});
