/**
 * Why a BGP session went down, as a type (holo's session-down reasons): the FSM (src/bgp/fsm.ts) names the
 * cause, Peer decides on it whether the peer's routes are kept as stale (graceful restart helper, RFC 4724
 * 4.2, with RFC 8538's N bit and its Hard Reset Cease subcode), and the views show the one text
 * `describeDown` makes of it ("received NOTIFICATION: Cease (6/2): maintenance").
 */
import type { BgpMessage, NotificationMessage } from '../wire/bgp/types.js';
import { CeaseSubcode, ErrorCode } from '../wire/bgp/types.js';
import { decodeShutdownCommunication } from '../wire/bgp/notification.js';

export type SessionDown =
  /** RFC 4271 8.2.2 HoldTimer_Expires: we sent Hold Timer Expired (4/0). */
  | { readonly kind: 'hold-timer-expired'; readonly sent: NotificationMessage }
  /** RFC 4271 6.2: the peer's OPEN failed a check; `sent` says which. */
  | { readonly kind: 'open-refused'; readonly sent: NotificationMessage }
  /** RFC 4271 6.1 / 6.3, RFC 7606 session reset: a message we could not accept; `message` says why. */
  | { readonly kind: 'message-error'; readonly sent: NotificationMessage; readonly message: string }
  /** RFC 6608: a message the FSM did not expect in `state`. */
  | { readonly kind: 'fsm-error'; readonly sent: NotificationMessage; readonly received: BgpMessage['type']; readonly state: string }
  /** RFC 4271 6.8: this connection lost a collision (Cease 6/7). */
  | { readonly kind: 'collision-lost'; readonly sent: NotificationMessage }
  | { readonly kind: 'notification-received'; readonly received: NotificationMessage }
  /** The TCP connection ended (closed by the peer, reset, replaced) without any NOTIFICATION. */
  | { readonly kind: 'tcp-closed'; readonly reason?: string }
  /**
   * Stopped from here (administrative shutdown or reset, BFD down, maximum prefixes, the restarting speaker
   * closing): `subcode` the Cease subcode of the stop, `sent` the NOTIFICATION when one could be sent.
   */
  | { readonly kind: 'stopped'; readonly subcode: number; readonly text?: string; readonly sent?: NotificationMessage };

export type SessionDownKind = SessionDown['kind'];

const CODE_NAMES: Record<number, string> = {
  1: 'Message Header Error', 2: 'OPEN Message Error', 3: 'UPDATE Message Error', 4: 'Hold Timer Expired',
  5: 'Finite State Machine Error', 6: 'Cease', 7: 'ROUTE-REFRESH Message Error',
};

/**
 * "Cease (6/2): maintenance" style text for logs and `show` views; a Hard Reset names the NOTIFICATION it
 * carries (RFC 8538 3: its data is that NOTIFICATION's code, subcode and data): "Cease (6/9) for Cease (6/2): x".
 */
export function describeNotification(n: NotificationMessage): string {
  const base = `${CODE_NAMES[n.code] ?? 'Unknown'} (${n.code}/${n.subcode})`;
  const inner = hardResetInner(n);
  if (inner) return `${base} for ${describeNotification(inner)}`;
  const text = decodeShutdownCommunication(n);
  return text === undefined ? base : `${base}: ${text}`;
}

/** The NOTIFICATION a Hard Reset carries, if it carries one (at least a code and a subcode, not another Hard Reset). */
function hardResetInner(n: NotificationMessage): NotificationMessage | undefined {
  if (!isHardReset(n) || n.data.length < 2) return undefined;
  const inner: NotificationMessage = { type: 'notification', code: n.data[0]!, subcode: n.data[1]!, data: n.data.subarray(2) };
  return isHardReset(inner) ? undefined : inner;
}

/** The one text for humans of a session-down cause (logs, `show bgp`, the status page, telemetry). */
export function describeDown(d: SessionDown): string {
  switch (d.kind) {
    case 'hold-timer-expired': return 'hold timer expired';
    case 'open-refused': return `OPEN refused: ${describeNotification(d.sent)}`;
    case 'message-error': return d.message;
    case 'fsm-error': return `unexpected ${d.received} in ${d.state}`;
    case 'collision-lost': return 'connection collision resolution';
    case 'notification-received': return `received NOTIFICATION: ${describeNotification(d.received)}`;
    case 'tcp-closed': return `connection ${d.reason ?? 'closed'}`;
    case 'stopped': return d.text ? `stopped: ${d.text}` : 'stopped';
  }
}

/** The NOTIFICATION that ended the session, and who sent it; undefined when none was exchanged. */
export function downNotification(d: SessionDown): { readonly by: 'us' | 'peer'; readonly notification: NotificationMessage } | undefined {
  if (d.kind === 'notification-received') return { by: 'peer', notification: d.received };
  if (d.kind === 'tcp-closed' || d.sent === undefined) return undefined;
  return { by: 'us', notification: d.sent };
}

/** RFC 8538 3: Cease/Hard Reset (6/9), which asks for the routes to go at once, graceful restart or not. */
export function isHardReset(n: NotificationMessage): boolean {
  return n.code === ErrorCode.CEASE && n.subcode === CeaseSubcode.HARD_RESET;
}

/** What the graceful restart helper decision needs to know of the session that went down. */
export interface RetentionContext {
  /** The session was Established (RFC 4724 4.2 speaks of an established session only). */
  readonly wasEstablished: boolean;
  /** The peer advertised the graceful restart capability in its last OPEN. */
  readonly peerGracefulRestart: boolean;
  /** RFC 8538 2: both OPENs carried the N bit. */
  readonly notificationBit: boolean;
}

/**
 * Whether the routes of a peer whose session went down for `d` are kept, marked stale, while it restarts:
 * - a stop from here never keeps them (we ended the session on purpose);
 * - the end of the TCP connection keeps them (RFC 4724 4.2);
 * - a Hard Reset, sent or received, never keeps them (RFC 8538 3, 4);
 * - a received NOTIFICATION keeps them only when the N bit was exchanged (RFC 8538 4; RFC 4724 alone ends
 *   graceful restart with any NOTIFICATION);
 * - a NOTIFICATION we sent (hold timer expired, an error in the peer's messages) keeps them: RFC 8538 4 says
 *   so with the N bit; without it this is vipgate's long-standing choice, treating it as the connection's
 *   end, where RFC 4724 read strictly would drop them.
 */
export function keepsStaleRoutes(d: SessionDown, c: RetentionContext): boolean {
  if (!c.wasEstablished || !c.peerGracefulRestart || d.kind === 'stopped') return false;
  const n = downNotification(d);
  if (n === undefined) return true;
  if (isHardReset(n.notification)) return false;
  return n.by === 'us' || c.notificationBit;
}
