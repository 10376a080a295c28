/**
 * An FRR 8.4 instance (zebra + bgpd, + bfdd when a neighbor wants BFD) in a Netlab namespace for interop
 * tests. FRR writes to /etc/frr, /run/frr and /var/tmp/frr, so each instance runs in a private mount
 * namespace (`unshare -m --propagation private`) with its own directories bind-mounted over those three;
 * vtysh reaches it from outside through `--vty_socket <dir>/run`. Daemons run in the foreground under a
 * small shell that waits for them; stop() sends SIGTERM through their pid files.
 */
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, type Netlab } from '../netns.js';
import { frrConfig, type FrrOptions } from './frr-config.js';
import { parseFrrNeighbors, parseFrrRoutes } from './frr-parse.js';
import { DaemonProcess, makeWorkDir, runCli, signalPidFiles, stopChild } from './process.js';
import type { BgpDaemon, BgpRoute, PeerStatus } from './types.js';
import { requireProgram } from '../programs.js';

export type { FrrOptions } from './frr-config.js';

const FRR_LIB = '/usr/lib/frr';

export class FrrDaemon extends DaemonProcess implements BgpDaemon {
  readonly kind = 'frr';
  readonly runDir: string;
  private readonly daemons: string[];

  private constructor(lab: Netlab, ns: string, readonly options: FrrOptions) {
    super(lab, ns, makeWorkDir('frr'), 'frr.log');
    this.runDir = join(this.dir, 'run');
    this.daemons = ['zebra', 'bgpd', ...(options.neighbors.some((n) => n.bfd) ? ['bfdd'] : [])];
  }

  /** Write frr.conf, start zebra, bgpd (and bfdd) in `ns`, wait until bgpd's vty answers. */
  static async start(lab: Netlab, ns: string, options: FrrOptions): Promise<FrrDaemon> {
    const d = new FrrDaemon(lab, ns, options);
    const uid = Number(run('id', ['-u', 'frr']).trim());
    const gid = Number(run('id', ['-g', 'frr']).trim());
    chmodSync(d.dir, 0o755);
    for (const sub of ['etc', 'run', 'tmp']) { mkdirSync(join(d.dir, sub)); chownSync(join(d.dir, sub), uid, gid); }
    writeFileSync(join(d.dir, 'etc', 'frr.conf'), frrConfig(options));
    writeFileSync(join(d.dir, 'etc', 'vtysh.conf'), 'service integrated-vtysh-config\n');
    for (const daemon of d.daemons) requireProgram(`${FRR_LIB}/${daemon}`);
    writeFileSync(join(d.dir, 'start.sh'), d.startScript());
    await d.launch('unshare', ['-m', '--propagation', 'private', 'sh', join(d.dir, 'start.sh')],
      async () => (await d.vtysh('show bgp summary json')).includes('{'), 15_000);
    return d;
  }

  private startScript(): string {
    const pid = (name: string): string => `-i /run/frr/${name}.pid`;
    const common = '-f /etc/frr/frr.conf -P 0 --log stdout';
    return [
      'set -e',
      `mount --bind ${join(this.dir, 'etc')} /etc/frr`,
      `mount --bind ${this.runDir} /run/frr`,
      'mkdir -p /var/tmp/frr',
      `mount --bind ${join(this.dir, 'tmp')} /var/tmp/frr`,
      `${FRR_LIB}/zebra ${common} ${pid('zebra')} &`,
      'i=0; while [ ! -S /run/frr/zserv.api ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done',
      `${FRR_LIB}/bgpd ${common} ${pid('bgpd')} -p ${this.options.listenPort ?? 179} &`,
      ...(this.daemons.includes('bfdd') ? [`${FRR_LIB}/bfdd ${common} ${pid('bfdd')} &`] : []),
      'wait',
      '',
    ].join('\n');
  }

  /** One or more vtysh commands (each a separate -c), e.g. vtysh('conf t', 'router bgp 65001', ...). */
  vtysh(...commands: string[]): Promise<string> {
    return runCli('vtysh', ['--vty_socket', this.runDir, ...commands.flatMap((c) => ['-c', c])]);
  }

  async peers(): Promise<PeerStatus[]> {
    return parseFrrNeighbors(await this.vtysh('show bgp neighbors json'));
  }

  async routes(): Promise<BgpRoute[]> {
    return [...parseFrrRoutes(await this.vtysh('show bgp ipv4 unicast json detail')), ...parseFrrRoutes(await this.vtysh('show bgp ipv6 unicast json detail'))];
  }

  /** Administratively shut the session down, sending a Cease with `message` (RFC 8203). */
  async disablePeer(address: string, message?: string): Promise<void> {
    await this.vtysh('conf t', `router bgp ${this.options.as}`, `neighbor ${address} shutdown${message ? ` message ${message}` : ''}`);
  }

  async enablePeer(address: string): Promise<void> {
    await this.vtysh('conf t', `router bgp ${this.options.as}`, `no neighbor ${address} shutdown`);
  }

  override async stop(): Promise<void> {
    const pidFiles = this.daemons.map((n) => join(this.runDir, `${n}.pid`));
    signalPidFiles(this.ns, pidFiles, 'SIGTERM');
    // the wrapper shell exits once its daemons have; SIGKILL it (and them) if they linger
    if (this.child) await stopChild(this.child, 5000, null);
    signalPidFiles(this.ns, pidFiles, 'SIGKILL');
    await super.stop();
  }
}
