/**
 * IPVS counters as the agent reports them (`vipgate show agent ipvs`, telemetry): per virtual service its
 * scheduler and flags, per real server its weight, connection counts, packet and byte counters and the
 * kernel's rate estimates.
 */
import { IP_VS_SVC_F_HASHED } from '../../wire/netlink/ipvs/constants.js';
import type { DestinationEntry, ServiceEntry } from '../../wire/netlink/ipvs/types.js';
import { serviceName } from './desired.js';

export interface DestinationStats {
  readonly address: string;
  readonly port: number;
  readonly weight: number;
  readonly activeConns: number;
  readonly inactiveConns: number;
  readonly persistentConns: number;
  readonly conns: number;
  readonly inPackets: number;
  readonly outPackets: number;
  readonly inBytes: number;
  readonly outBytes: number;
  /** The kernel's rate estimates, per second. */
  readonly cps: number;
  readonly inPps: number;
  readonly outPps: number;
  readonly inBps: number;
  readonly outBps: number;
}

export interface VirtualServiceStats {
  readonly service: string;
  readonly scheduler: string;
  readonly flags: number;
  readonly destinations: DestinationStats[];
}

export function statsOf(s: ServiceEntry, dests: readonly DestinationEntry[]): VirtualServiceStats {
  return {
    service: serviceName(s.key), scheduler: s.scheduler, flags: s.flags & ~IP_VS_SVC_F_HASHED,
    destinations: dests.map((d) => ({
      address: d.address, port: d.port, weight: d.weight,
      activeConns: d.activeConns, inactiveConns: d.inactiveConns, persistentConns: d.persistentConns,
      conns: Number(d.stats.conns), inPackets: Number(d.stats.inpkts), outPackets: Number(d.stats.outpkts),
      inBytes: Number(d.stats.inbytes), outBytes: Number(d.stats.outbytes),
      cps: Number(d.stats.cps), inPps: Number(d.stats.inpps), outPps: Number(d.stats.outpps),
      inBps: Number(d.stats.inbps), outBps: Number(d.stats.outbps),
    })),
  };
}
