/**
 * Debian packages for the VM image: `apt-get download` into a cache directory and `dpkg-deb -x` into a
 * staging root, nothing installed on the host. The kernel comes from the linux-image-amd64 metapackage
 * (its Depends names the versioned image package).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

function sh(cmd: string, args: readonly string[], cwd: string): string {
  return execFileSync(cmd, args as string[], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
}

/** The .deb file of `pkg` in `debDir`, downloaded when it is not there yet. */
export function debFile(pkg: string, debDir: string): string {
  mkdirSync(debDir, { recursive: true });
  const find = (): string | undefined => readdirSync(debDir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  let file = find();
  if (!file) {
    try {
      sh('apt-get', ['download', pkg], debDir);
    } catch (e) {
      throw new Error(`apt-get download ${pkg} failed (is apt configured and reachable?): ${(e as { stderr?: string }).stderr ?? String(e)}`);
    }
    file = find();
    if (!file) throw new Error(`apt-get download ${pkg} left no .deb in ${debDir}`);
  }
  return join(debDir, file);
}

/** Download and unpack packages into `root` (each package once per cache). */
export function extractPackages(pkgs: readonly string[], debDir: string, root: string): void {
  mkdirSync(root, { recursive: true });
  for (const pkg of pkgs) {
    const stamp = join(root, '.extracted', pkg);
    if (existsSync(stamp)) continue;
    sh('dpkg-deb', ['-x', debFile(pkg, debDir), root], debDir);
    mkdirSync(stamp, { recursive: true });
  }
}

/** The versioned kernel image package that linux-image-amd64 depends on, e.g. linux-image-6.1.0-56-amd64. */
export function kernelPackage(debDir: string): string {
  const meta = debFile('linux-image-amd64', debDir);
  const depends = sh('dpkg-deb', ['-f', meta, 'Depends'], debDir).trim();
  const m = /linux-image-[0-9][^\s,(]*/.exec(depends);
  if (!m) throw new Error(`linux-image-amd64 Depends has no kernel image: ${depends}`);
  return m[0];
}

/** Library packages a set of packages pulls in (recursive Depends, real packages only). */
export function libraryClosure(pkgs: readonly string[], debDir: string): string[] {
  const out = sh('apt-cache', ['depends', '--recurse', '--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks',
    '--no-replaces', '--no-enhances', ...pkgs], debDir);
  const names = new Set<string>();
  for (const line of out.split('\n')) if (/^[a-z0-9]/.test(line)) names.add(line.trim());
  return [...names].filter((n) => n.startsWith('lib') || pkgs.includes(n)).sort();
}
