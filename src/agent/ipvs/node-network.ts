/**
 * The node-side network setup IPVS needs, as kube-proxy's IPVS mode does it: the Service IPs bound to a
 * dummy interface (kube-proxy's kube-ipvs0; ours is vipgate-ipvs0 by default) so that the kernel accepts
 * packets for them locally and IPVS can take them in LOCAL_IN, and strict ARP (arp_ignore=1, arp_announce=2)
 * so that the node does not answer ARP for those addresses on its other interfaces.
 * Uses iproute2 (`ip -j`) and /proc/sys; the addresses on the interface are also our ownership record.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { formatAddress, parseAddress } from '../../lib/address.js';

const run = promisify(execFile);

export const DEFAULT_INTERFACE = 'vipgate-ipvs0';

export class NodeNetwork {
  constructor(readonly ifname = DEFAULT_INTERFACE, private readonly procSys = '/proc/sys') {}

  private async ip(args: readonly string[]): Promise<string> {
    try {
      return (await run('ip', args as string[], { timeout: 10_000 })).stdout;
    } catch (e) {
      const x = e as { stderr?: string; message: string };
      throw new Error(`ip ${args.join(' ')}: ${(x.stderr ?? x.message).trim()}`);
    }
  }

  /** The dummy interface exists and is up. */
  async ensureInterface(): Promise<void> {
    const links = JSON.parse(await this.ip(['-j', 'link', 'show'])) as { ifname: string }[];
    if (!links.some((l) => l.ifname === this.ifname)) await this.ip(['link', 'add', this.ifname, 'type', 'dummy']);
    await this.ip(['link', 'set', this.ifname, 'up']);
  }

  /** arp_ignore=1 and arp_announce=2 on all interfaces (kube-proxy's --ipvs-strict-arp). */
  async strictArp(): Promise<void> {
    await writeFile(`${this.procSys}/net/ipv4/conf/all/arp_ignore`, '1\n');
    await writeFile(`${this.procSys}/net/ipv4/conf/all/arp_announce`, '2\n');
  }

  /** Addresses on the interface (normalised text); empty when it does not exist. */
  async addresses(): Promise<string[]> {
    let out: string;
    try { out = await this.ip(['-j', 'addr', 'show', 'dev', this.ifname]); } catch { return []; }
    const links = JSON.parse(out || '[]') as { addr_info?: { local: string; scope?: string }[] }[];
    // the kernel's own IPv6 link-local address is not a Service IP
    return links.flatMap((l) => (l.addr_info ?? []).filter((a) => a.scope !== 'link').map((a) => formatAddress(parseAddress(a.local))));
  }

  async addAddress(address: string): Promise<void> {
    const len = parseAddress(address).length === 4 ? 32 : 128;
    await this.ip(['addr', 'add', `${address}/${len}`, 'dev', this.ifname, ...(len === 128 ? ['nodad'] : [])]);
  }

  async removeAddress(address: string): Promise<void> {
    const len = parseAddress(address).length === 4 ? 32 : 128;
    await this.ip(['addr', 'del', `${address}/${len}`, 'dev', this.ifname]);
  }

  async removeInterface(): Promise<void> {
    const links = JSON.parse(await this.ip(['-j', 'link', 'show'])) as { ifname: string }[];
    if (links.some((l) => l.ifname === this.ifname)) await this.ip(['link', 'del', this.ifname]);
  }
}
