/**
 * Session-down causes: the FSM names each way down as a type, one text is made of it, and the graceful
 * restart helper decision (RFC 4724 4.2, RFC 8538 N bit and Hard Reset) is taken on the type.
 */
import { describe, expect, it } from 'vitest';
import { ceaseNotification, Fsm, initialState, notification, stopNotification, type FsmConfig, type FsmEvent, type FsmState } from '../../../src/bgp/fsm.js';
import { describeDown, keepsStaleRoutes, type RetentionContext, type SessionDown } from '../../../src/bgp/session-down.js';
import { BgpError } from '../../../src/wire/bgp/error.js';
import { CeaseSubcode, type Capability, type OpenMessage } from '../../../src/wire/bgp/types.js';

const cfg: FsmConfig = {
  localAs: 64513, routerId: '192.168.10.254', remoteAs: 64512, holdTime: 90, connectRetryTime: 5,
  passive: false, autoRestart: true, idleHoldTime: 1, idleHoldMax: 60, capabilities: [],
};
const open = { type: 'open', version: 4, myAs: 64512, holdTime: 30, bgpId: '192.168.10.10', capabilities: [] } as const;

/** The cause the FSM reports after `events`, from Established (or from OpenSent with `fromOpenSent`). */
function causeAfter(events: FsmEvent[], fromOpenSent = false): SessionDown {
  const fsm = new Fsm(cfg);
  let s: FsmState = initialState();
  const setup: FsmEvent[] = [{ type: 'start' }, { type: 'tcp-connected' }];
  if (!fromOpenSent) setup.push({ type: 'message', msg: open }, { type: 'message', msg: { type: 'keepalive' } });
  let down: SessionDown | undefined;
  for (const ev of [...setup, ...events]) {
    const r = fsm.step(s, ev, 1000);
    s = r.state;
    for (const a of r.actions) if (a.type === 'down') down = a.cause;
  }
  expect(s.lastDown).toEqual(down);
  return down!;
}

describe('the FSM names the cause', () => {
  it('hold timer, NOTIFICATION received, TCP closed, stop, decode error, unexpected message, refused OPEN', () => {
    expect(causeAfter([{ type: 'timer', timer: 'hold' }])).toEqual({ kind: 'hold-timer-expired', sent: notification(4, 0) });
    const cease = ceaseNotification(CeaseSubcode.HARD_RESET);
    expect(causeAfter([{ type: 'message', msg: cease }])).toEqual({ kind: 'notification-received', received: cease });
    expect(causeAfter([{ type: 'tcp-failed', reason: 'reset' }])).toEqual({ kind: 'tcp-closed', reason: 'reset' });
    expect(causeAfter([{ type: 'stop', subcode: CeaseSubcode.BFD_DOWN, text: 'BFD down: x' }]))
      .toMatchObject({ kind: 'stopped', subcode: CeaseSubcode.BFD_DOWN, text: 'BFD down: x', sent: { code: 6, subcode: 10 } });
    expect(causeAfter([{ type: 'decode-error', error: new BgpError(3, 1, 'bad attribute list') }]))
      .toEqual({ kind: 'message-error', sent: notification(3, 1), message: 'bad attribute list' });
    expect(causeAfter([{ type: 'message', msg: open }])).toEqual({ kind: 'fsm-error', sent: notification(5, 3), received: 'open', state: 'Established' });
    expect(causeAfter([{ type: 'message', msg: { ...open, version: 3 } }], true))
      .toMatchObject({ kind: 'open-refused', sent: { code: 2, subcode: 1 } });
  });
});

describe('describeDown: the one text of a cause', () => {
  const texts: [SessionDown, string][] = [
    [{ kind: 'hold-timer-expired', sent: notification(4, 0) }, 'hold timer expired'],
    [{ kind: 'open-refused', sent: notification(2, 2) }, 'OPEN refused: OPEN Message Error (2/2)'],
    [{ kind: 'message-error', sent: notification(1, 2), message: 'bad length 5' }, 'bad length 5'],
    [{ kind: 'fsm-error', sent: notification(5, 1), received: 'update', state: 'OpenSent' }, 'unexpected update in OpenSent'],
    [{ kind: 'collision-lost', sent: ceaseNotification(7) }, 'connection collision resolution'],
    [{ kind: 'notification-received', received: ceaseNotification(2, 'node drain') }, 'received NOTIFICATION: Cease (6/2): node drain'],
    [{ kind: 'notification-received', received: notification(6, 9, Uint8Array.of(6, 2, 4, ...new TextEncoder().encode('gone'))) },
      'received NOTIFICATION: Cease (6/9) for Cease (6/2): gone'],
    [{ kind: 'notification-received', received: notification(6, 9) }, 'received NOTIFICATION: Cease (6/9)'],
    [{ kind: 'tcp-closed' }, 'connection closed'],
    [{ kind: 'tcp-closed', reason: 'reset by peer' }, 'connection reset by peer'],
    [{ kind: 'stopped', subcode: 2 }, 'stopped'],
    [{ kind: 'stopped', subcode: 10, text: 'BFD down: Control Detection Time Expired' }, 'stopped: BFD down: Control Detection Time Expired'],
  ];
  it.each(texts)('%j', (cause, text) => { expect(describeDown(cause)).toBe(text); });
});

describe('graceful restart helper: keep the routes as stale? (RFC 4724 4.2, RFC 8538)', () => {
  const up: RetentionContext = { wasEstablished: true, peerGracefulRestart: true, notificationBit: false };
  const withN: RetentionContext = { ...up, notificationBit: true };
  const received = (n: ReturnType<typeof notification>): SessionDown => ({ kind: 'notification-received', received: n });
  const hardReset = ceaseNotification(CeaseSubcode.HARD_RESET);

  it('the connection ending keeps them; not when the peer has no graceful restart or was not Established', () => {
    expect(keepsStaleRoutes({ kind: 'tcp-closed' }, up)).toBe(true);
    expect(keepsStaleRoutes({ kind: 'tcp-closed' }, { ...up, peerGracefulRestart: false })).toBe(false);
    expect(keepsStaleRoutes({ kind: 'tcp-closed' }, { ...up, wasEstablished: false })).toBe(false);
  });

  it('a stop from here never keeps them (administrative, BFD down, maximum prefixes)', () => {
    for (const subcode of [CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, CeaseSubcode.BFD_DOWN, CeaseSubcode.MAXIMUM_PREFIXES]) {
      expect(keepsStaleRoutes({ kind: 'stopped', subcode, sent: ceaseNotification(subcode) }, withN)).toBe(false);
    }
  });

  it('a received NOTIFICATION keeps them only with the N bit, and never a Hard Reset (6/9)', () => {
    expect(keepsStaleRoutes(received(ceaseNotification(CeaseSubcode.ADMINISTRATIVE_RESET)), up)).toBe(false);
    expect(keepsStaleRoutes(received(ceaseNotification(CeaseSubcode.ADMINISTRATIVE_RESET)), withN)).toBe(true);
    expect(keepsStaleRoutes(received(notification(3, 1)), withN)).toBe(true);
    expect(keepsStaleRoutes(received(hardReset), withN)).toBe(false);
    expect(keepsStaleRoutes(received(hardReset), up)).toBe(false);
  });

  it('a NOTIFICATION we sent keeps them (hold timer expired, errors in the peer\'s messages), with or without the N bit', () => {
    expect(keepsStaleRoutes({ kind: 'hold-timer-expired', sent: notification(4, 0) }, up)).toBe(true);
    expect(keepsStaleRoutes({ kind: 'hold-timer-expired', sent: notification(4, 0) }, withN)).toBe(true);
    expect(keepsStaleRoutes({ kind: 'message-error', sent: notification(3, 1), message: 'x' }, up)).toBe(true);
    expect(keepsStaleRoutes({ kind: 'fsm-error', sent: notification(5, 3), received: 'open', state: 'Established' }, withN)).toBe(true);
  });
});

describe('a stop with the N bit exchanged sends a Hard Reset (RFC 8538 5.1)', () => {
  const gr = (n: boolean): Capability => ({ kind: 'graceful-restart', restarting: false, notification: n, restartTime: 120, families: [] });
  const open = (caps: Capability[]): OpenMessage => ({ type: 'open', version: 4, myAs: 64512, holdTime: 90, bgpId: '192.0.2.1', capabilities: caps });

  it('wraps the hard Ceases when both sides set N, with the inner code, subcode and data', () => {
    const n = stopNotification(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, 'maintenance', [gr(true)], open([gr(true)]));
    const plain = ceaseNotification(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, 'maintenance');
    expect([n.code, n.subcode, [...n.data]]).toEqual([6, 9, [6, 2, ...plain.data]]);
    expect(describeDown({ kind: 'stopped', subcode: 2, text: 'maintenance', sent: n })).toBe('stopped: maintenance');
    for (const sub of [CeaseSubcode.MAXIMUM_PREFIXES, CeaseSubcode.PEER_DECONFIGURED, CeaseSubcode.ADMINISTRATIVE_RESET, CeaseSubcode.BFD_DOWN]) {
      expect(stopNotification(sub, undefined, [gr(true)], open([gr(true)])).subcode).toBe(CeaseSubcode.HARD_RESET);
    }
  });

  it('a plain Cease without the N bit on either side, and for the soft subcodes', () => {
    expect(stopNotification(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, undefined, [gr(true)], open([gr(false)]))).toEqual(ceaseNotification(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN));
    expect(stopNotification(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, undefined, [], open([gr(true)]))).toEqual(ceaseNotification(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN));
    expect(stopNotification(CeaseSubcode.OTHER_CONFIGURATION_CHANGE, undefined, [gr(true)], open([gr(true)]))).toEqual(ceaseNotification(CeaseSubcode.OTHER_CONFIGURATION_CHANGE));
    expect(stopNotification(CeaseSubcode.PEER_DECONFIGURED, undefined, [gr(true)], undefined).subcode).toBe(CeaseSubcode.PEER_DECONFIGURED);
  });
});
