/**
 * The node-side network setup IPVS needs, as kube-proxy's IPVS mode does it, over netlink (no `ip`
 * program): the Service IPs bound to a dummy interface (kube-proxy's kube-ipvs0; ours is vipgate-ipvs0 by
 * default) so that the kernel accepts packets for them locally and IPVS takes them in LOCAL_IN; strict ARP
 * (arp_ignore=1, arp_announce=2) so that the node does not answer ARP for those addresses on its other
 * interfaces; net.ipv4.vs.conntrack=1 so that connections IPVS forwards go through conntrack and can be
 * SNATed (./nft-table.ts). Every change is written to the ownership record first (./ownership.ts): the
 * interface is deleted only if this agent created it, only recorded addresses are removed, and each sysctl
 * gets back the value it had before the agent first wrote it. A sysctl already at the wanted value is not
 * written (so a read-only /proc/sys is fine when the host sets them).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { formatAddress, parseAddress } from '../../lib/address.js';
import { RT_SCOPE_UNIVERSE } from '../../wire/netlink/constants.js';
import { IFF_UP } from '../../wire/netlink/link.js';
import { DEFAULT_INTERFACE, DEFAULT_PROC_SYS } from './defaults.js';
import { LinkClient } from './link-client.js';
import type { OwnershipStore } from './ownership.js';

/** kube-proxy's IPVS mode binds its Service IPs to this interface: its presence means kube-proxy owns IPVS here. */
export const KUBE_PROXY_IPVS_INTERFACE = 'kube-ipvs0';
export const STRICT_ARP: Readonly<Record<string, string>> = { 'net.ipv4.conf.all.arp_ignore': '1', 'net.ipv4.conf.all.arp_announce': '2' };
export const IPVS_CONNTRACK: Readonly<Record<string, string>> = { 'net.ipv4.vs.conntrack': '1' };

/** What a failed /proc/sys write means for someone deploying the agent. */
const SYSCTL_HINT: Readonly<Record<string, string>> = {
  EROFS: 'read-only file system: a container\'s /proc/sys is read-only; mount the host\'s /proc/sys/net and set ipvs.procSys (deploy/daemonset-ipvs.yaml), or set the value on the host',
  EACCES: 'permission denied: writing net.* sysctls needs root or CAP_NET_ADMIN',
  EPERM: 'not permitted: writing net.* sysctls needs root or CAP_NET_ADMIN',
  ENOENT: 'no such sysctl: is the ip_vs module loaded?',
};

export class SysctlError extends Error {
  constructor(readonly key: string, readonly code: string, path: string) {
    super(`cannot write ${key} (${path}): ${code}${SYSCTL_HINT[code] ? ` (${SYSCTL_HINT[code]})` : ''}`);
    this.name = 'SysctlError';
  }
}

const text = (a: Uint8Array): string => formatAddress(a);

export class NodeNetwork {
  private index?: number;

  constructor(private readonly links: LinkClient, private readonly store: OwnershipStore,
    readonly ifname = DEFAULT_INTERFACE, private readonly procSys = DEFAULT_PROC_SYS) {}

  private path(key: string): string { return `${this.procSys}/${key.replaceAll('.', '/')}`; }

  async readSysctl(key: string): Promise<string> {
    return (await readFile(this.path(key), 'utf8')).trim();
  }

  /** Set each sysctl to its value, recording the value it had before (the first time only). */
  async setSysctls(values: Readonly<Record<string, string>>): Promise<void> {
    for (const [key, want] of Object.entries(values)) {
      let now: string;
      try { now = await this.readSysctl(key); } catch (e) { throw new SysctlError(key, (e as NodeJS.ErrnoException).code ?? 'EIO', this.path(key)); }
      if (now === want) continue;
      await this.store.update((r) => (key in r.sysctls ? r : { ...r, sysctls: { ...r.sysctls, [key]: now } }));
      await this.writeSysctl(key, want);
    }
  }

  /** Give every recorded sysctl back its earlier value. */
  async restoreSysctls(): Promise<string[]> {
    const restored: string[] = [];
    for (const [key, before] of Object.entries(this.store.record.sysctls)) {
      if ((await this.readSysctl(key).catch(() => undefined)) !== before) await this.writeSysctl(key, before);
      await this.store.update((r) => { const { [key]: _gone, ...rest } = r.sysctls; return { ...r, sysctls: rest }; });
      restored.push(`${key}=${before}`);
    }
    return restored;
  }

  private async writeSysctl(key: string, value: string): Promise<void> {
    try { await writeFile(this.path(key), `${value}\n`); } catch (e) { throw new SysctlError(key, (e as NodeJS.ErrnoException).code ?? 'EIO', this.path(key)); }
  }

  /** kube-proxy runs in IPVS mode on this node (its kube-ipvs0 exists). */
  async kubeProxyIpvs(): Promise<boolean> {
    return (await this.links.link(KUBE_PROXY_IPVS_INTERFACE)) !== undefined;
  }

  /** Our interface's index, creating it (up) when it is missing; `adopt`: an existing one counts as ours. */
  async ensureInterface(adopt = false): Promise<number> {
    const have = await this.links.link(this.ifname);
    if (have) {
      if (!this.store.record.interface) await this.store.update((r) => ({ ...r, interface: { name: this.ifname, created: adopt } }));
      if ((have.flags & IFF_UP) === 0) await this.links.setUp(have.index);
      this.index = have.index;
      return have.index;
    }
    await this.store.update((r) => ({ ...r, interface: { name: this.ifname, created: true } }));
    await this.links.addDummy(this.ifname);
    const made = await this.links.link(this.ifname);
    if (!made) throw new Error(`${this.ifname} was created but is not there`);
    this.index = made.index;
    return made.index;
  }

  /** Service IPs on our interface (normalised text); empty when it does not exist. */
  async addresses(): Promise<string[]> {
    const l = await this.links.link(this.ifname);
    if (!l) return [];
    this.index = l.index;
    // the kernel's own IPv6 link-local address is not a Service IP
    return (await this.links.addresses(l.index)).filter((a) => a.scope === RT_SCOPE_UNIVERSE).map((a) => text(a.address));
  }

  private async ifindex(): Promise<number> { return this.index ?? this.ensureInterface(); }

  async addAddress(address: string): Promise<void> {
    const norm = formatAddress(parseAddress(address));
    await this.store.update((r) => (r.addresses.includes(norm) ? r : { ...r, addresses: [...r.addresses, norm] }));
    await this.links.addAddress(await this.ifindex(), parseAddress(norm));
  }

  async removeAddress(address: string): Promise<void> {
    const norm = formatAddress(parseAddress(address));
    await this.links.removeAddress(await this.ifindex(), parseAddress(norm)).catch((e: unknown) => {
      if ((e as { code?: string }).code !== 'EADDRNOTAVAIL') throw e;
    });
    await this.store.update((r) => ({ ...r, addresses: r.addresses.filter((a) => a !== norm) }));
  }

  /** Delete the interface if this agent created it; forget it either way. */
  async removeInterface(): Promise<boolean> {
    const mine = this.store.record.interface?.created === true;
    const l = await this.links.link(this.ifname);
    if (l && mine) await this.links.deleteLink(l.index);
    this.index = undefined;
    await this.store.update((r) => { const { interface: _gone, ...rest } = r; return rest; });
    return Boolean(l && mine);
  }
}
