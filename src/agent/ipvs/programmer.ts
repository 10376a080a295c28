/**
 * The IPVS programmer the agent calls: given the whole desired set of virtual services it makes the kernel
 * match, touching only its own virtual services (those whose address is bound to our dummy interface; the
 * address is added before the service and removed after it, so the interface always covers what we own).
 * A scheduler or flag change is an edit of the service (IPVS_CMD_SET_SERVICE), which keeps established
 * connections on their real servers; real servers are added, edited (weight, thresholds) and removed
 * one by one. One Service's failure (e.g. a scheduler the kernel lacks) is reported and the rest proceed.
 */
import { formatAddress, parseAddress } from '../../lib/address.js';
import { IP_VS_SVC_F_HASHED } from '../../wire/netlink/ipvs/constants.js';
import type { DestinationEntry, DestinationSpec, ServiceEntry, ServiceKey, ServiceSpec } from '../../wire/netlink/ipvs/types.js';
import { IpvsClient } from './client.js';
import { serviceName, type DesiredVirtualService } from './desired.js';
import { NodeNetwork } from './node-network.js';

export interface ReconcileReport {
  readonly created: string[];
  readonly updated: string[];
  readonly removed: string[];
  readonly destinationChanges: number;
  readonly errors: { readonly service: string; readonly error: string }[];
}

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

const sameKey = (a: ServiceKey, b: ServiceKey): boolean => serviceName(a) === serviceName(b);
const destName = (d: { address: string; port: number }): string => `${d.address}:${d.port}`;
const keyAddress = (k: ServiceKey): string | undefined => ('address' in k ? formatAddress(parseAddress(k.address)) : undefined);

function specOf(d: DesiredVirtualService): ServiceSpec {
  // persistence per client address (kube-proxy's ClientIP affinity): netmask /32 or /128
  return { key: d.key, scheduler: d.scheduler, flags: d.flags, timeout: d.timeout, netmaskLength: d.key.address.includes(':') ? 128 : 32 };
}

function serviceDiffers(have: ServiceEntry, want: ServiceSpec): boolean {
  return have.scheduler !== want.scheduler || (have.flags & ~IP_VS_SVC_F_HASHED) !== want.flags
    || have.timeout !== want.timeout || have.netmaskLength !== want.netmaskLength;
}

function destDiffers(have: DestinationEntry, want: DestinationSpec): boolean {
  return have.weight !== want.weight || have.forward !== want.forward
    || have.upperThreshold !== want.upperThreshold || have.lowerThreshold !== want.lowerThreshold;
}

export class IpvsProgrammer {
  private constructor(private readonly client: IpvsClient, readonly network: NodeNetwork) {}

  /** Open the IPVS family, create the dummy interface and set strict ARP. */
  static async open(opts: { interfaceName?: string; strictArp?: boolean } = {}): Promise<IpvsProgrammer> {
    const client = await IpvsClient.open();
    const network = new NodeNetwork(opts.interfaceName);
    try {
      await network.ensureInterface();
      if (opts.strictArp ?? true) await network.strictArp();
    } catch (e) {
      client.close();
      throw e;
    }
    return new IpvsProgrammer(client, network);
  }

  close(): void { this.client.close(); }

  /** Our virtual services: those whose address is on our interface. */
  private async owned(): Promise<{ services: ServiceEntry[]; addresses: Set<string> }> {
    const addresses = new Set(await this.network.addresses());
    const services = (await this.client.services()).filter((s) => { const a = keyAddress(s.key); return a !== undefined && addresses.has(a); });
    return { services, addresses };
  }

  /** Make the kernel match `desired` (the whole set; anything of ours not in it is removed). */
  async reconcile(desired: readonly DesiredVirtualService[]): Promise<ReconcileReport> {
    const report = { created: [] as string[], updated: [] as string[], removed: [] as string[], destinationChanges: 0, errors: [] as ReconcileReport['errors'] };
    const { services, addresses } = await this.owned();
    const wantAddresses = new Set(desired.map((d) => formatAddress(parseAddress(d.key.address))));
    for (const a of wantAddresses) {
      if (!addresses.has(a)) { await this.network.addAddress(a); addresses.add(a); }
    }
    for (const d of desired) {
      const name = serviceName(d.key);
      try {
        const spec = specOf(d);
        const have = services.find((s) => sameKey(s.key, d.key));
        if (!have) {
          await this.client.addService(spec);
          report.created.push(name);
        } else if (serviceDiffers(have, spec)) {
          await this.client.editService(spec);
          report.updated.push(name);
        }
        report.destinationChanges += await this.reconcileDestinations(d, have !== undefined);
      } catch (e) {
        report.errors.push({ service: `${d.owner} ${name}`, error: (e as Error).message });
      }
    }
    for (const s of services) {
      if (desired.some((d) => sameKey(d.key, s.key))) continue;
      try {
        await this.client.deleteService(s.key);
        report.removed.push(serviceName(s.key));
      } catch (e) {
        report.errors.push({ service: serviceName(s.key), error: (e as Error).message });
      }
    }
    const remaining = new Set((await this.owned()).services.map((s) => keyAddress(s.key)));
    for (const a of addresses) if (!wantAddresses.has(a) && !remaining.has(a)) await this.network.removeAddress(a);
    return report;
  }

  private async reconcileDestinations(d: DesiredVirtualService, existed: boolean): Promise<number> {
    const have = existed ? await this.client.destinations(d.key) : [];
    let changes = 0;
    for (const want of d.destinations) {
      const cur = have.find((h) => destName(h) === destName(want));
      if (!cur) { await this.client.addDestination(d.key, want); changes++; }
      else if (destDiffers(cur, want)) { await this.client.editDestination(d.key, want); changes++; }
    }
    for (const h of have) {
      if (d.destinations.some((w) => destName(w) === destName(h))) continue;
      await this.client.deleteDestination(d.key, h.address, h.port);
      changes++;
    }
    return changes;
  }

  /** Per-real-server counters and rates of our virtual services (for telemetry and the status page). */
  async stats(): Promise<VirtualServiceStats[]> {
    const { services } = await this.owned();
    const out: VirtualServiceStats[] = [];
    for (const s of services) {
      const dests = await this.client.destinations(s.key);
      out.push({
        service: serviceName(s.key), scheduler: s.scheduler, flags: s.flags & ~IP_VS_SVC_F_HASHED,
        destinations: dests.map((d) => ({
          address: d.address, port: d.port, weight: d.weight,
          activeConns: d.activeConns, inactiveConns: d.inactiveConns, persistentConns: d.persistentConns,
          conns: Number(d.stats.conns), inPackets: Number(d.stats.inpkts), outPackets: Number(d.stats.outpkts),
          inBytes: Number(d.stats.inbytes), outBytes: Number(d.stats.outbytes),
          cps: Number(d.stats.cps), inPps: Number(d.stats.inpps), outPps: Number(d.stats.outpps),
          inBps: Number(d.stats.inbps), outBps: Number(d.stats.outbps),
        })),
      });
    }
    return out;
  }

  /** Remove every virtual service of ours, the addresses and the interface (agent shutdown with cleanup). */
  async teardown(): Promise<ReconcileReport> {
    const report = await this.reconcile([]);
    await this.network.removeInterface();
    return report;
  }
}
