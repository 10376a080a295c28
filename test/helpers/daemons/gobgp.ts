/**
 * A gobgpd instance in a Netlab namespace for interop tests: TOML config (gobgp-config.ts), its gRPC API on
 * 127.0.0.1:PORT inside the namespace (so instances in different namespaces never collide), routes added
 * and removed through `gobgp global rib add/del`, typed queries through the JSON CLI, stop.
 *
 * The gobgp 3.10 CLI cannot add a link-bandwidth community: its `lb` parser checks for 2 arguments and
 * then reads a third (`lb ASN BW` fails with "invalid link-bandwidth", `lb ASN` panics), so announce()
 * refuses one rather than silently dropping it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Netlab } from '../netns.js';
import { gobgpConfig, type GobgpOptions } from './gobgp-config.js';
import { parseGobgpNeighbors, parseGobgpRib } from './gobgp-parse.js';
import { DaemonProcess, makeWorkDir, runCli } from './process.js';
import { familyOfPrefix, type Announcement, type BgpDaemon, type BgpRoute, type PeerStatus } from './types.js';

export type { GobgpOptions } from './gobgp-config.js';

export class GobgpDaemon extends DaemonProcess implements BgpDaemon {
  readonly kind = 'gobgp';
  readonly configFile: string;
  readonly apiPort: number;

  private constructor(lab: Netlab, ns: string, readonly options: GobgpOptions) {
    super(lab, ns, makeWorkDir('gobgp'), 'gobgpd.log');
    this.configFile = join(this.dir, 'gobgpd.toml');
    this.apiPort = options.apiPort ?? 50051;
  }

  /** Write the config, start gobgpd in `ns`, wait until its API answers, then add `announce`. */
  static async start(lab: Netlab, ns: string, options: GobgpOptions, announce: readonly Announcement[] = []): Promise<GobgpDaemon> {
    const d = new GobgpDaemon(lab, ns, options);
    writeFileSync(d.configFile, gobgpConfig(options));
    await d.launch('gobgpd', ['-f', d.configFile, '-t', 'toml', '--api-hosts', `127.0.0.1:${d.apiPort}`, '--log-plain', '--pprof-disable'],
      async () => (await d.gobgp('global', '-j')).includes('router_id'));
    try {
      for (const a of announce) await d.announce(a);
    } catch (e) {
      await d.stop();
      throw e;
    }
    return d;
  }

  /** Any gobgp CLI command against this instance, e.g. gobgp('neighbor', '-j'). */
  gobgp(...args: string[]): Promise<string> {
    return runCli('gobgp', ['-p', String(this.apiPort), ...args], this.ns);
  }

  async announce(a: Announcement): Promise<void> {
    if (a.linkBandwidth) throw new Error('the gobgp 3.10 CLI cannot add a link-bandwidth community (its `lb` parser is broken)');
    const args = ['global', 'rib', 'add', '-a', familyOfPrefix(a.prefix), a.prefix];
    if (a.origin) args.push('origin', a.origin);
    if (a.communities?.length) args.push('community', a.communities.join(','));
    if (a.largeCommunities?.length) args.push('large-community', a.largeCommunities.join(','));
    if (a.routeTargets?.length) args.push('rt', ...a.routeTargets);
    await this.gobgp(...args);
  }

  async withdraw(prefix: string): Promise<void> {
    await this.gobgp('global', 'rib', 'del', '-a', familyOfPrefix(prefix), prefix);
  }

  async peers(): Promise<PeerStatus[]> {
    return parseGobgpNeighbors(await this.gobgp('neighbor', '-j'));
  }

  /** Loc-RIB of both unicast families. */
  async routes(): Promise<BgpRoute[]> {
    return [...parseGobgpRib(await this.gobgp('global', 'rib', '-a', 'ipv4', '-j')), ...parseGobgpRib(await this.gobgp('global', 'rib', '-a', 'ipv6', '-j'))];
  }

  /** Adj-RIB-In of one neighbor for one family. */
  async adjIn(address: string, family: 'ipv4' | 'ipv6' = 'ipv4'): Promise<BgpRoute[]> {
    return parseGobgpRib(await this.gobgp('neighbor', address, 'adj-in', '-a', family, '-j'));
  }

  /**
   * Administratively shut the session down, sending a Cease with `message` (RFC 8203). gobgp 3.10's
   * `disable` ignores --reason (its Cease carries no data); the deprecated `shutdown` sends it.
   */
  async disablePeer(address: string, message?: string): Promise<void> {
    await this.gobgp('neighbor', address, ...(message ? ['shutdown', '--reason', message] : ['disable']));
  }

  async enablePeer(address: string): Promise<void> {
    await this.gobgp('neighbor', address, 'enable');
  }
}
