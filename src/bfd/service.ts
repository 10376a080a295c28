/**
 * BFD for a BGP speaker, as the router and the agent both run it: opens the UDP transport (RFC 5881), runs a
 * BfdManager, logs sessions going up and down, and calls `failed` for a session that went down for any reason
 * but the remote's AdminDown (RFC 5882 3.2: that is no failure). The caller takes the BGP session down at once
 * there (RFC 5882 4.3) and removes the next hop from its routes.
 */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import { DIAG_NAMES } from '../wire/bfd/types.js';
import { BfdManager, type BfdTransport } from './manager.js';
import { UdpTransport } from './transport.js';

export type TransportFactory = (receive: (bytes: Uint8Array, ttl: number, from: string) => void) => BfdTransport & { close(): void };

export interface BfdService {
  readonly manager: BfdManager;
  /** Every session says AdminDown once; the sockets close. */
  close(): void;
}

export function startBfdService(o: {
  readonly clock: Clock;
  readonly log: Logger;
  /** Default: UDP port 3784 on every address, both families. */
  readonly transport?: TransportFactory;
  readonly failed: (peer: string, reason: string) => void;
}): BfdService {
  const { clock, log } = o;
  let manager: BfdManager | undefined;
  const receive = (bytes: Uint8Array, ttl: number, from: string) => manager?.receive(bytes, ttl, from);
  const transport = o.transport?.(receive) ?? UdpTransport.open({}, receive, (e) => log.warn({ err: e }, 'BFD socket error'));
  manager = new BfdManager(clock, transport, {
    up: (peer) => log.info({ peer }, `BFD session with ${peer} up`),
    down: (peer, diag, remoteAdminDown) => {
      const reason = DIAG_NAMES[diag] ?? `diagnostic ${diag}`;
      log.warn({ peer, diag: reason, remoteAdminDown }, `BFD session with ${peer} down: ${reason}`);
      if (!remoteAdminDown) o.failed(peer, `BFD down: ${reason}`);
    },
    dropped: (peer, reason) => log.debug({ peer }, `BFD packet dropped: ${reason}`),
  });
  const m = manager;
  return { manager: m, close: () => { m.close(); transport.close(); } };
}
