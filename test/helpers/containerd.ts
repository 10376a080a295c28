/**
 * A private containerd (Debian's), to import an image the way k3s does: k3s's `ctr` and its air-gap
 * images folder both hand the tarball to containerd's importer. Its root, state, socket and config live in
 * a directory of the test, the CRI plugin is off (nothing but images is wanted), and it runs in a test
 * namespace (Netlab stops it in cleanup()).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { spawn } from 'node:child_process';
import { runCli, spawnLogged, tailLog } from './daemons/process.js';
import { waitFor, type Netlab } from './netns.js';
import { requireProgram } from './programs.js';

export class Containerd {
  private constructor(readonly dir: string, readonly socket: string, private readonly ctr: string) {}

  static async start(lab: Netlab, ns: string, dir: string): Promise<Containerd> {
    const containerd = requireProgram('containerd');
    const ctr = requireProgram('ctr');
    mkdirSync(dir, { recursive: true });
    const socket = join(dir, 'containerd.sock');
    writeFileSync(join(dir, 'config.toml'), `version = 2
root = "${join(dir, 'root')}"
state = "${join(dir, 'state')}"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "${socket}"
`);
    const log = join(dir, 'containerd.log');
    const child = spawnLogged(lab, ns, containerd, ['--config', join(dir, 'config.toml')], log);
    const c = new Containerd(dir, socket, ctr);
    await waitFor(`containerd to answer (log: ${log})`, async () => {
      if (child.exitCode !== null) throw new Error(`containerd exited ${child.exitCode}: ${tailLog(log)}`);
      return (await runCli(ctr, ['--address', socket, 'version']).catch(() => undefined)) ? true : undefined;
    }, 20_000);
    return c;
  }

  /** `ctr -n k8s.io images import -` of `tar` (what `k3s ctr images import -` runs); the names imported. */
  import(tar: Readable): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.ctr, ['--address', this.socket, '-n', 'k8s.io', 'images', 'import', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
      child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
      tar.pipe(child.stdin);
      const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        if (code !== 0) reject(new Error(`ctr images import: exit ${code}: ${out}`));
        else resolve([...out.matchAll(/^unpacking (\S+) /gm)].map((m) => m[1]!));
      });
    });
  }

  /** The k8s.io namespace's images: reference and platforms. */
  async images(): Promise<{ ref: string; platforms: string }[]> {
    const out = await runCli(this.ctr, ['--address', this.socket, '-n', 'k8s.io', 'images', 'ls']);
    return out.trim().split('\n').slice(1).filter(Boolean).map((l) => l.split(/\s+/)).map((f) => ({ ref: f[0]!, platforms: f[f.length - 2]! }));
  }
}
