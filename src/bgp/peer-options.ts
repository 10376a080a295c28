/**
 * What a Peer (peer.ts) is configured with, and the capabilities (RFC 5492) it sends from that.
 */
import type { Socket } from 'node:net';
import type { Family } from '../lib/address.js';
import type { Capability } from '../wire/bgp/types.js';
import { FAMILY_AFI, Safi } from '../wire/bgp/types.js';
import type { BgpSocket, ConnectionDirection } from './connection.js';
import type { FsmConfig } from './fsm.js';

export interface PeerOptions {
  /** Unique name for views and logs (the address, or a configured name). */
  readonly name: string;
  readonly address: string;
  readonly port: number;
  /** Source address for outgoing connections. */
  readonly localAddress?: string;
  /**
   * Our IPv6 next hop for IPv6 routes on an IPv4 session (RFC 4760, RFC 2545), given the session's local
   * address; on an IPv6 session the session's own address is used.
   */
  readonly ipv6NextHop?: (localAddress: string) => string | undefined;
  readonly fsm: FsmConfig;
  readonly families: readonly Family[];
  readonly nextHopSelf: boolean;
  /**
   * Our graceful restart capability (RFC 4724); undefined: not advertised. `notification`: the N bit
   * (RFC 8538, graceful restart across NOTIFICATIONs too), default set.
   */
  readonly gracefulRestart?: { readonly restartTime: number; readonly restarting: boolean; readonly notification?: boolean };
  readonly description?: string;
  /** Sent in the hostname capability (draft-walton-bgp-hostname-capability), as FRR does: `show bgp` names the peer. */
  readonly hostname?: string;
  /** Called with each new TCP socket (ours or accepted) before any byte is sent: TTL, GTSM. */
  readonly prepareSocket?: (socket: Socket, direction: ConnectionDirection) => void;
  /** An unconnected socket for our own connections, set up before the SYN (TCP MD5); default a plain one. */
  readonly openSocket?: () => Socket;
  /**
   * Open our own connection to `target` (default: openSocket's, or a plain, TCP socket connecting); it emits
   * 'connect' once up. Unit tests give in-memory sockets (test/helpers/fake-socket.ts).
   */
  readonly connect?: (target: { readonly host: string; readonly port: number; readonly localAddress?: string }) => BgpSocket;
}

/** The capabilities we send (RFC 5492): multiprotocol (RFC 4760), route refresh (RFC 2918, 7313), 4-octet AS
 * (RFC 6793), hostname, graceful restart (RFC 4724, N bit RFC 8538), from the options. */
export function sessionCapabilities(o: Omit<PeerOptions, 'fsm'> & { localAs: number }): Capability[] {
  const caps: Capability[] = o.families.map((f) => ({ kind: 'multiprotocol' as const, afi: FAMILY_AFI[f], safi: Safi.UNICAST }));
  caps.push({ kind: 'route-refresh' }, { kind: 'enhanced-route-refresh' }, { kind: 'four-octet-as', asn: o.localAs });
  if (o.hostname) caps.push({ kind: 'fqdn', hostname: o.hostname.slice(0, 64), domain: '' });
  if (o.gracefulRestart) {
    caps.push({
      kind: 'graceful-restart', restarting: o.gracefulRestart.restarting, notification: o.gracefulRestart.notification ?? true,
      restartTime: o.gracefulRestart.restartTime,
      families: o.families.map((f) => ({ afi: FAMILY_AFI[f], safi: Safi.UNICAST, forwarding: true })),
    });
  }
  return caps;
}
