/**
 * The IPVS model the codec speaks (linux/ip_vs.h): virtual services identified by protocol, address and
 * port or by firewall mark, real servers (destinations) with forwarding method, weight and thresholds,
 * 64-bit statistics, connection timeouts, sync daemons and general info. Addresses are text ("10.0.0.1",
 * "fd00::1"); the persistence netmask is a prefix length (the kernel wants a mask for IPv4, a length for IPv6).
 */
import type { Family } from '../../../lib/address.js';

export type IpvsProtocol = 'tcp' | 'udp' | 'sctp';
export type ForwardMethod = 'masq' | 'local' | 'tunnel' | 'route';
export type TunnelType = 'ipip' | 'gue' | 'gre';

export type ServiceKey =
  | { readonly protocol: IpvsProtocol; readonly address: string; readonly port: number }
  | { readonly fwmark: number; readonly family: Family };

export interface ServiceSpec {
  readonly key: ServiceKey;
  /** Scheduler module name without the ip_vs_ prefix: rr, wrr, lc, wlc, lblc, lblcr, sh, dh, sed, nq, mh, fo, ovf, twos. */
  readonly scheduler: string;
  /** IP_VS_SVC_F_* bits (persistent, one-packet, sched1..3). */
  readonly flags: number;
  /** Persistence timeout in seconds (0 without persistence). */
  readonly timeout: number;
  /** Persistence netmask as a prefix length (32 or 128 for one client address). */
  readonly netmaskLength: number;
  /** Persistence engine (e.g. "sip"). */
  readonly persistenceEngine?: string;
}

export interface IpvsStats {
  readonly conns: bigint;
  readonly inpkts: bigint;
  readonly outpkts: bigint;
  readonly inbytes: bigint;
  readonly outbytes: bigint;
  readonly cps: bigint;
  readonly inpps: bigint;
  readonly outpps: bigint;
  readonly inbps: bigint;
  readonly outbps: bigint;
}

/** A service as the kernel reports it. */
export interface ServiceEntry extends ServiceSpec {
  readonly stats: IpvsStats;
}

export interface TunnelSpec {
  readonly type: TunnelType;
  /** GUE destination port (0 otherwise). */
  readonly port: number;
  /** IP_VS_TUNNEL_ENCAP_FLAG_* */
  readonly flags: number;
}

export interface DestinationSpec {
  readonly address: string;
  readonly port: number;
  readonly forward: ForwardMethod;
  readonly weight: number;
  /** Upper connection threshold (0: none). */
  readonly upperThreshold: number;
  /** Lower connection threshold (0: none). */
  readonly lowerThreshold: number;
  readonly tunnel?: TunnelSpec;
}

export interface DestinationEntry extends DestinationSpec {
  readonly activeConns: number;
  readonly inactiveConns: number;
  readonly persistentConns: number;
  readonly stats: IpvsStats;
}

/** Connection timeouts in seconds (0 in a request leaves a value unchanged). */
export interface IpvsTimeouts {
  readonly tcp: number;
  readonly tcpFin: number;
  readonly udp: number;
}

export interface IpvsDaemon {
  readonly state: 'master' | 'backup';
  readonly interface: string;
  readonly syncId: number;
  readonly syncMaxLen?: number;
  readonly group?: string;
  readonly port?: number;
  readonly ttl?: number;
}

export interface IpvsInfo {
  /** e.g. 0x010201 for 1.2.1 */
  readonly version: number;
  readonly connTableSize: number;
}
