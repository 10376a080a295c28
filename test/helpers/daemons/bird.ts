/**
 * A BIRD 2 instance in a Netlab namespace for interop tests: generated config, its own control socket
 * (`bird -f -s SOCK -c CONF -P PIDFILE`), typed queries through `birdc -s SOCK`, stop. See bird-config.ts
 * for what the config contains.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Netlab } from '../netns.js';
import { birdConfig, birdProtocolName, type BirdOptions } from './bird-config.js';
import { parseBirdProtocols, parseBirdRoutes } from './bird-parse.js';
import { DaemonProcess, makeWorkDir, runCli } from './process.js';
import type { BgpDaemon, BgpRoute, PeerStatus } from './types.js';

export type { BirdOptions } from './bird-config.js';

export class BirdDaemon extends DaemonProcess implements BgpDaemon {
  readonly kind = 'bird';
  readonly socket: string;
  readonly configFile: string;

  private constructor(lab: Netlab, ns: string, readonly options: BirdOptions) {
    super(lab, ns, makeWorkDir('bird'), 'bird.log');
    this.socket = join(this.dir, 'bird.ctl');
    this.configFile = join(this.dir, 'bird.conf');
  }

  /** Write the config, start BIRD in `ns` and wait until its control socket answers. */
  static async start(lab: Netlab, ns: string, options: BirdOptions): Promise<BirdDaemon> {
    const d = new BirdDaemon(lab, ns, options);
    writeFileSync(d.configFile, birdConfig(options));
    await d.launch('bird', ['-f', '-c', d.configFile, '-s', d.socket, '-P', join(d.dir, 'bird.pid')],
      async () => (await d.birdc('show', 'status')).includes('Daemon is up'));
    return d;
  }

  /** Any birdc command, e.g. birdc('show', 'route', 'all'). */
  birdc(...args: string[]): Promise<string> {
    return runCli('birdc', ['-s', this.socket, ...args]);
  }

  async peers(): Promise<PeerStatus[]> {
    return parseBirdProtocols(await this.birdc('show', 'protocols', 'all')).map(({ name: _name, ...p }) => p);
  }

  async routes(): Promise<BgpRoute[]> {
    const byName = new Map(this.options.neighbors.map((n, i) => [birdProtocolName(i), n.address]));
    return parseBirdRoutes(await this.birdc('show', 'route', 'all'), (proto) => byName.get(proto));
  }

  /** The protocol name BIRD uses for a neighbor (for birdc enable/disable/restart). */
  protocolOf(address: string): string {
    const i = this.options.neighbors.findIndex((n) => n.address === address);
    if (i < 0) throw new Error(`no neighbor ${address} in this BIRD`);
    return birdProtocolName(i);
  }

  /** Administratively shut the session down, sending a Cease with `message` (RFC 8203). */
  async disablePeer(address: string, message?: string): Promise<void> {
    await this.birdc('disable', this.protocolOf(address), ...(message ? [`"${message}"`] : []));
  }

  async enablePeer(address: string): Promise<void> {
    await this.birdc('enable', this.protocolOf(address));
  }
}
