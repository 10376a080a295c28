/**
 * BFD for a BGP speaker, as the router and the agent both run it: BFD sessions on their own thread (UDP,
 * RFC 5881) or, with a transport given (tests), on this one; sessions going up and down are logged, and
 * `failed` is called for a session that went down for any reason but AdminDown, the remote's (RFC 5882 3.2:
 * that is no failure) or our own (the session was removed or the service closed). The caller takes the BGP session down at once there (RFC 5882 4.3) and removes the
 * next hop from its routes.
 */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import { AuthType, Diag, DIAG_NAMES } from '../wire/bfd/types.js';
import type { BfdKey } from '../wire/bfd/auth.js';
import { BfdManager, type Arrival, type BfdEvents, type BfdPeerOptions, type BfdSessionView, type BfdTransport } from './manager.js';
import { BfdThread } from './thread.js';
import type { UdpTransportOptions } from './transport.js';

export type TransportFactory = (receive: (bytes: Uint8Array, ttl: number, from: string, arrival?: Arrival) => void) => BfdTransport & { close(): void };

/** The configuration's `bfd.auth` as a session key (RFC 5880 4.4: keyed SHA1, plain or meticulous). */
export function sha1Key(auth: { readonly type: 'keyed-sha1' | 'meticulous-keyed-sha1'; readonly keyId: number; readonly password: string }): BfdKey {
  return {
    type: auth.type === 'keyed-sha1' ? AuthType.KEYED_SHA1 : AuthType.METICULOUS_KEYED_SHA1,
    keyId: auth.keyId, secret: new TextEncoder().encode(auth.password),
  };
}

export interface BfdService {
  add(o: BfdPeerOptions): void;
  remove(address: string): void;
  setAdminDown(address: string, down: boolean): void;
  views(): Promise<BfdSessionView[]>;
  /** Every session says AdminDown once; the sockets close. */
  close(): Promise<void>;
}

export async function startBfdService(o: {
  readonly clock: Clock;
  readonly log: Logger;
  /** Run on this thread over this transport (tests); default: a BFD thread on UDP 3784, both families. */
  readonly transport?: TransportFactory;
  readonly udp?: UdpTransportOptions;
  readonly failed: (peer: string, reason: string) => void;
}): Promise<BfdService> {
  const { log } = o;
  const events: BfdEvents = {
    up: (peer) => log.info({ peer }, `BFD session with ${peer} up`),
    down: (peer, diag, remoteAdminDown) => {
      const reason = DIAG_NAMES[diag] ?? `diagnostic ${diag}`;
      log.warn({ peer, diag: reason, remoteAdminDown }, `BFD session with ${peer} down: ${reason}`);
      if (!remoteAdminDown && diag !== Diag.ADMINISTRATIVELY_DOWN) o.failed(peer, `BFD down: ${reason}`);
    },
    dropped: (peer, reason) => log.debug({ peer }, `BFD packet dropped: ${reason}`),
  };
  if (!o.transport) {
    const t = await BfdThread.start({ transport: o.udp ?? {}, reportDrops: log.isLevelEnabled('debug') }, events, (e) => log.warn({ err: e }, 'BFD thread error'));
    return t;
  }
  let manager: BfdManager | undefined;
  const transport = o.transport((bytes, ttl, from, arrival) => manager?.receive(bytes, ttl, from, arrival));
  const m = manager = new BfdManager(o.clock, transport, events);
  return {
    add: (p) => m.add(p), remove: (a) => m.remove(a), setAdminDown: (a, d) => m.setAdminDown(a, d),
    views: () => Promise.resolve(m.views()),
    close: () => { m.close(); transport.close(); return Promise.resolve(); },
  };
}
