/**
 * The IPVS programmer the agent calls: given the whole desired set of virtual services it makes the node
 * match, touching only what the ownership record (./ownership.ts) says this agent created:
 * - virtual services: created when missing (recorded first), edited in place when the scheduler or flags
 *   change (IPVS_CMD_SET_SERVICE keeps established connections on their real servers), removed when no
 *   longer wanted; a virtual service someone else made at a wanted address, port and protocol is reported
 *   and left alone; real servers are added, edited (weight, thresholds) and removed one by one;
 * - the Service IPs on the dummy interface (added before their services, removed after them), strict ARP and
 *   net.ipv4.vs.conntrack=1 (./node-network.ts), set up at the first reconcile that wants a service;
 * - the agent's nftables table (./nft-table.ts): SNAT for Cluster policy and loadBalancerSourceRanges,
 *   written before the services so a restricted port is never open.
 * An earlier agent that kept no record: the services whose address is on our interface are adopted, as that
 * agent owned them. One Service's failure (e.g. a scheduler the kernel lacks) is reported and the rest proceed.
 */
import { formatAddress, parseAddress } from '../../lib/address.js';
import type { NftOptions } from '../../nft/nft.js';
import { IP_VS_SVC_F_HASHED } from '../../wire/netlink/ipvs/constants.js';
import type { DestinationEntry, DestinationSpec, ServiceEntry, ServiceKey, ServiceSpec } from '../../wire/netlink/ipvs/types.js';
import { IpvsClient, IpvsError } from './client.js';
import { serviceName, type DesiredVirtualService } from './desired.js';
import { LinkClient } from './link-client.js';
import { AgentNftTable, NFT_TABLE_ID } from './nft-table.js';
import { DEFAULT_INTERFACE } from './defaults.js';
import { IPVS_CONNTRACK, NodeNetwork, STRICT_ARP } from './node-network.js';
import { OwnershipStore, sameService, type OwnedService } from './ownership.js';
import { statsOf, type VirtualServiceStats } from './stats.js';

export type { DestinationStats, VirtualServiceStats } from './stats.js';

export interface ReconcileReport {
  readonly created: string[];
  readonly updated: string[];
  readonly removed: string[];
  readonly destinationChanges: number;
  readonly errors: { readonly service: string; readonly error: string }[];
}

/** What a teardown undid. */
export interface TeardownReport extends ReconcileReport {
  readonly addresses: string[];
  readonly interfaceRemoved: boolean;
  readonly nftTableRemoved: boolean;
  /** "key=value" for each sysctl given back its earlier value. */
  readonly sysctlsRestored: string[];
}

export interface ProgrammerOptions {
  readonly interfaceName?: string;
  /** arp_ignore=1 / arp_announce=2 (default true). */
  readonly strictArp?: boolean;
  /** Where /proc/sys is (a host mount in a container); default /proc/sys. */
  readonly procSys?: string;
  /** The ownership record's file. */
  readonly stateFile: string;
  readonly nft?: NftOptions;
  readonly warn?: (msg: string) => void;
}

type Key = DesiredVirtualService['key'];
const destName = (d: { address: string; port: number }): string => `${d.address}:${d.port}`;
const keyAddress = (k: ServiceKey): string | undefined => ('address' in k ? formatAddress(parseAddress(k.address)) : undefined);
const owned = (k: ServiceKey): OwnedService | undefined =>
  ('address' in k && (k.protocol === 'tcp' || k.protocol === 'udp' || k.protocol === 'sctp')
    ? { protocol: k.protocol, address: formatAddress(parseAddress(k.address)), port: k.port } : undefined);
const isOwned = (list: readonly OwnedService[], k: ServiceKey): boolean => { const o = owned(k); return o !== undefined && list.some((x) => sameService(x, o)); };

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
  private setUp = false;

  private constructor(private readonly client: IpvsClient | undefined, private readonly links: LinkClient, readonly network: NodeNetwork,
    private readonly store: OwnershipStore, private readonly nft: AgentNftTable, private readonly o: ProgrammerOptions) {}

  /**
   * Open IPVS (the ip_vs module must be loaded: otherwise this rejects with an IpvsError saying so) and
   * rtnetlink, and read the ownership record; nothing on the node changes yet. `forCleanup`: a kernel
   * without IPVS is no error (there is nothing of ours in it).
   */
  static async open(o: ProgrammerOptions, forCleanup = false): Promise<IpvsProgrammer> {
    const links = LinkClient.open();
    try {
      const store = new OwnershipStore(o.stateFile, o.warn);
      await store.load();
      let client: IpvsClient | undefined;
      try {
        client = await IpvsClient.open();
      } catch (e) {
        if (!(forCleanup && e instanceof IpvsError && e.cmd === 'resolve')) throw e;
      }
      const p = new IpvsProgrammer(client, links, new NodeNetwork(links, store, o.interfaceName ?? DEFAULT_INTERFACE, o.procSys),
        store, new AgentNftTable(o.nft), o);
      await p.adoptEarlierAgent();
      return p;
    } catch (e) {
      links.close();
      throw e;
    }
  }

  close(): void { this.client?.close(); this.links.close(); }

  private ipvs(): IpvsClient {
    if (!this.client) throw new Error('IPVS is not available (the ip_vs module is not loaded)');
    return this.client;
  }

  /** An agent from before the ownership record owned the services whose address is on its interface. */
  private async adoptEarlierAgent(): Promise<void> {
    if (this.store.existed) return;
    const addresses = await this.network.addresses();
    if (addresses.length === 0 && !(await this.links.link(this.network.ifname))) return;
    const services = this.client ? (await this.client.services()).map((s) => owned(s.key)).filter((k): k is OwnedService => !!k && addresses.includes(k.address)) : [];
    await this.store.update((r) => ({ ...r, interface: { name: this.network.ifname, created: true }, addresses, services }));
    this.o.warn?.(`no IPVS ownership record: adopted ${this.network.ifname}, ${addresses.length} addresses and ${services.length} virtual services an earlier agent made`);
  }

  /** kube-proxy runs in IPVS mode on this node. */
  kubeProxyIpvs(): Promise<boolean> { return this.network.kubeProxyIpvs(); }

  /**
   * The kernel's virtual services split into ours (in the record) and the others; records of ours that the
   * kernel no longer has are dropped.
   */
  private async kernelServices(): Promise<{ mine: ServiceEntry[]; others: ServiceEntry[] }> {
    const all = this.client ? await this.client.services() : [];
    const mine = all.filter((s) => isOwned(this.store.record.services, s.key));
    const gone = this.store.record.services.filter((r) => !mine.some((s) => sameService(owned(s.key)!, r)));
    if (gone.length > 0) await this.store.update((r) => ({ ...r, services: r.services.filter((x) => !gone.some((g) => sameService(g, x))) }));
    return { mine, others: all.filter((s) => !mine.includes(s)) };
  }

  private async ownedServices(): Promise<ServiceEntry[]> { return (await this.kernelServices()).mine; }

  /** Interface up, strict ARP, IPVS conntrack, the nft table recorded: once, before the first service. */
  private async prepare(): Promise<void> {
    if (this.setUp) return;
    await this.network.ensureInterface();
    await this.network.setSysctls({ ...(this.o.strictArp ?? true ? STRICT_ARP : {}), ...IPVS_CONNTRACK });
    await this.store.update((r) => ({ ...r, nftTable: NFT_TABLE_ID }));
    this.setUp = true;
  }

  /** Make the kernel match `desired` (the whole set; anything of ours not in it is removed). */
  async reconcile(desired: readonly DesiredVirtualService[]): Promise<ReconcileReport> {
    const report = { created: [] as string[], updated: [] as string[], removed: [] as string[], destinationChanges: 0, errors: [] as ReconcileReport['errors'] };
    if (desired.length > 0) await this.prepare();
    if (this.setUp) {
      await this.nft.apply({
        masquerade: desired.filter((d) => d.masquerade).map((d) => d.key.address),
        restricted: desired.filter((d) => d.sourceRanges).map((d) => ({ owner: d.owner, ...d.key, sourceRanges: d.sourceRanges! })),
      });
    }
    const { mine: services, others: foreign } = await this.kernelServices();
    const addresses = new Set(await this.network.addresses());
    const wantAddresses = new Set(desired.map((d) => formatAddress(parseAddress(d.key.address))));
    for (const a of wantAddresses) {
      if (!addresses.has(a)) { await this.network.addAddress(a); addresses.add(a); }
    }
    for (const d of desired) {
      const name = serviceName(d.key);
      try {
        if (foreign.some((s) => serviceName(s.key) === name)) throw new Error('a virtual service with this address, port and protocol exists and was not made by vipgate: left alone');
        const spec = specOf(d);
        const have = services.find((s) => serviceName(s.key) === name);
        if (!have) {
          await this.store.update((r) => ({ ...r, services: [...r.services, owned(d.key)!] }));
          await this.ipvs().addService(spec);
          report.created.push(name);
        } else if (serviceDiffers(have, spec)) {
          await this.ipvs().editService(spec);
          report.updated.push(name);
        }
        report.destinationChanges += await this.reconcileDestinations(d.key, d.destinations, have !== undefined);
      } catch (e) {
        report.errors.push({ service: `${d.owner} ${name}`, error: (e as Error).message });
      }
    }
    await this.removeServices(services.filter((s) => !desired.some((d) => serviceName(d.key) === serviceName(s.key))), report);
    const remaining = new Set((await this.ownedServices()).map((s) => keyAddress(s.key)));
    for (const a of this.store.record.addresses) if (!wantAddresses.has(a) && !remaining.has(a)) await this.network.removeAddress(a);
    return report;
  }

  private async removeServices(list: readonly ServiceEntry[], report: ReconcileReport): Promise<void> {
    for (const s of list) {
      try {
        await this.ipvs().deleteService(s.key);
        await this.store.update((r) => ({ ...r, services: r.services.filter((x) => !sameService(x, owned(s.key)!)) }));
        report.removed.push(serviceName(s.key));
      } catch (e) {
        report.errors.push({ service: serviceName(s.key), error: (e as Error).message });
      }
    }
  }

  private async reconcileDestinations(key: Key, want: readonly DestinationSpec[], existed: boolean): Promise<number> {
    const have = existed ? await this.ipvs().destinations(key) : [];
    let changes = 0;
    for (const w of want) {
      const cur = have.find((h) => destName(h) === destName(w));
      if (!cur) { await this.ipvs().addDestination(key, w); changes++; } else if (destDiffers(cur, w)) { await this.ipvs().editDestination(key, w); changes++; }
    }
    for (const h of have) {
      if (want.some((w) => destName(w) === destName(h))) continue;
      await this.ipvs().deleteDestination(key, h.address, h.port);
      changes++;
    }
    return changes;
  }

  /** Per-real-server counters and rates of our virtual services (for telemetry and the status page). */
  async stats(): Promise<VirtualServiceStats[]> {
    const out: VirtualServiceStats[] = [];
    for (const s of await this.ownedServices()) out.push(statsOf(s, await this.ipvs().destinations(s.key)));
    return out;
  }

  /**
   * Undo everything recorded: our virtual services, our addresses, the interface if we created it, our nft
   * table, the sysctls' earlier values; then the record itself goes (ipvs.enabled false, uninstall).
   */
  async teardown(): Promise<TeardownReport> {
    const before = [...this.store.record.addresses];
    const report = { created: [] as string[], updated: [] as string[], removed: [] as string[], destinationChanges: 0, errors: [] as ReconcileReport['errors'] };
    await this.removeServices(await this.ownedServices(), report);
    for (const a of this.store.record.addresses) await this.network.removeAddress(a);
    const interfaceRemoved = await this.network.removeInterface();
    // only a table this agent recorded (an agent from before the record had none, and nft may be absent)
    const nftTableRemoved = this.store.record.nftTable !== undefined && await this.nft.delete();
    const sysctlsRestored = await this.network.restoreSysctls();
    if (report.errors.length === 0) await this.store.remove();
    this.setUp = false;
    return { ...report, addresses: before, interfaceRemoved, nftTableRemoved, sysctlsRestored };
  }
}
