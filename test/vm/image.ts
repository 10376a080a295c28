/**
 * The VM's initramfs, built from Debian packages: the kernel image package (vmlinuz and the ip_vs,
 * scheduler, veth, dummy, nlmon, nf_tables/NAT and the x_tables matches kube-proxy's rules use),
 * busybox-static for the shell and coreutils, ipvsadm, iproute2, tcpdump, nftables' nft, iptables
 * (xtables-nft-multi as iptables, iptables-restore and iptables-save, with its dlopen'd extensions) and
 * util-linux's setpriv, with the libraries their ELF headers name, and this machine's node binary with its libraries.
 * The base archive is cached under .cache/vm; each run appends a small archive with the code under test
 * and the script to run (the kernel unpacks concatenated archives in order).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { cpioArchive, type CpioEntry } from './cpio.js';
import { extractPackages, kernelPackage, libraryClosure } from './debian.js';
import { elfDeps } from './elf.js';
import { moduleLoadOrder } from './kmod.js';

export const REPO_ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..', '..');
export const CACHE_DIR = join(REPO_ROOT, '.cache', 'vm');

/** Tools taken from Debian packages: package -> [path in the package, path in the image]. Busybox's applets
 * are links in /bin; the real tools sit in /usr/sbin, which comes first in PATH. */
const TOOLS: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  'busybox-static': [['/bin/busybox', '/bin/busybox']],
  ipvsadm: [['/sbin/ipvsadm', '/usr/sbin/ipvsadm']],
  iproute2: [['/bin/ip', '/usr/sbin/ip']],
  tcpdump: [['/usr/bin/tcpdump', '/usr/sbin/tcpdump']],
  nftables: [['/usr/sbin/nft', '/usr/sbin/nft']],
  // the multi-call binary picks iptables, iptables-restore or iptables-save by its name
  iptables: ['iptables', 'iptables-restore', 'iptables-save'].map((n) => ['/usr/sbin/xtables-nft-multi', `/usr/sbin/${n}`] as const),
  // busybox has a setpriv applet without --bounding-set: the real one comes first in PATH
  'util-linux': [['/usr/bin/setpriv', '/usr/sbin/setpriv']],
};
/** Directories of plugins a tool loads with dlopen (so no DT_NEEDED names them): copied whole, with their libraries. */
const PLUGIN_DIRS: Readonly<Record<string, readonly string[]>> = { iptables: ['/usr/lib/x86_64-linux-gnu/xtables'] };

/** Kernel modules loaded at boot (with their dependencies). */
export const MODULES = [
  'ip_vs', 'ip_vs_rr', 'ip_vs_wrr', 'ip_vs_lc', 'ip_vs_wlc', 'ip_vs_lblc', 'ip_vs_lblcr', 'ip_vs_sh', 'ip_vs_dh',
  'ip_vs_sed', 'ip_vs_nq', 'ip_vs_mh', 'ip_vs_fo', 'ip_vs_ovf', 'veth', 'dummy', 'nlmon',
  // the agent's nft table (nat postrouting masquerade, ct original, filter prerouting)
  'nf_tables', 'nft_ct', 'nft_nat', 'nft_masq', 'nft_chain_nat',
  // kube-proxy's iptables rules through iptables-nft
  'nft_compat', 'xt_comment', 'xt_tcpudp', 'xt_mark', 'xt_MASQUERADE', 'xt_statistic', 'xt_nat', 'xt_addrtype', 'xt_conntrack',
];
/** libcrc32c asks the crypto API for "crc32c" when it loads; no symbol dependency names the provider. */
const RUNTIME_DEPS = { libcrc32c: ['crc32c_generic'] };

const LIB_DIR = '/lib/x86_64-linux-gnu';
/** Bump when the image's layout changes, so cached images are rebuilt. */
const LAYOUT_VERSION = 3;

export interface BaseImage {
  readonly kernel: string;
  readonly initramfs: string;
  readonly kernelRelease: string;
}

const INIT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/usr/sbin:/usr/bin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs run /run
mount -t tmpfs tmp /tmp
for m in $(cat /etc/modules.order); do insmod /lib/modules/$m || echo "@@VM-MODULE-FAILED $m"; done
/usr/sbin/ip link set lo up
echo "@@VM-READY $(cut -d' ' -f1 /proc/uptime)"
cd /payload
sh /payload/test.sh
echo "@@VM-EXIT $?"
sync
poweroff -f
`;

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (lstatSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** Resolve `soname` in the given library directories (first hit wins). */
function findLib(soname: string, dirs: readonly string[]): string | undefined {
  for (const d of dirs) if (existsSync(join(d, soname))) return realpathSync(join(d, soname));
  return undefined;
}

/** This machine's node and its libraries, as ldd resolves them. */
function hostNode(): { node: string; libs: Map<string, string> } {
  const node = realpathSync(process.execPath);
  const libs = new Map<string, string>();
  const out = execFileSync('ldd', [node], { encoding: 'utf8' });
  for (const line of out.split('\n')) {
    const m = /^\s*(\S+)\s+=>\s+(\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (!m) continue;
    const path = m[2] ?? m[1]!;
    libs.set(basename(m[1]!), realpathSync(path));
  }
  return { node, libs };
}

/** Build (or reuse) the base initramfs. */
export function buildBaseImage(log: (s: string) => void = () => {}): BaseImage {
  const debs = join(CACHE_DIR, 'debs');
  const stage = join(CACHE_DIR, 'stage');
  const kpkg = kernelPackage(debs);
  const release = kpkg.replace(/^linux-image-/, '');
  const { node, libs: nodeLibs } = hostNode();
  const key = JSON.stringify({ layout: LAYOUT_VERSION, kpkg, node, nodeSize: lstatSync(node).size, modules: MODULES, tools: TOOLS, plugins: PLUGIN_DIRS, init: INIT });
  const initramfs = join(CACHE_DIR, 'base.cpio');
  const keyFile = join(CACHE_DIR, 'base.key');
  const kernel = join(stage, 'boot', `vmlinuz-${release}`);
  if (existsSync(initramfs) && existsSync(kernel) && existsSync(keyFile) && readFileSync(keyFile, 'utf8') === key) {
    return { kernel, initramfs, kernelRelease: release };
  }
  log(`building the VM image from Debian packages (${kpkg}) into ${CACHE_DIR}`);
  const toolPkgs = Object.keys(TOOLS);
  extractPackages([kpkg, ...libraryClosure(toolPkgs, debs)], debs, stage);

  const entries: CpioEntry[] = [];
  const dirs = new Set<string>();
  const dir = (p: string): void => {
    if (p === '/' || dirs.has(p)) return;
    dir(dirname(p));
    dirs.add(p);
    entries.push({ path: p, mode: 0o40755 });
  };
  const file = (p: string, data: Uint8Array, mode = 0o100755): void => { dir(dirname(p)); entries.push({ path: p, mode, data }); };
  const link = (p: string, target: string): void => { dir(dirname(p)); entries.push({ path: p, mode: 0o120777, data: new TextEncoder().encode(target) }); };
  for (const d of ['/proc', '/sys', '/dev', '/run', '/tmp', '/etc', '/usr/sbin', '/sbin', '/payload']) dir(d);

  // libraries: node's from this machine (ldd), the tools' from the staged packages
  const placed = new Set<string>();
  const placeLib = (soname: string, from: string): void => {
    if (placed.has(soname)) return;
    placed.add(soname);
    file(`${LIB_DIR}/${soname}`, readFileSync(from));
  };
  for (const [soname, path] of nodeLibs) if (soname !== 'linux-vdso.so.1') placeLib(soname, path);
  const libDirs = [join(stage, 'lib/x86_64-linux-gnu'), join(stage, 'usr/lib/x86_64-linux-gnu'), '/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu'];
  const placeDeps = (elf: string): void => {
    for (const soname of elfDeps(elf).needed) {
      if (placed.has(soname)) continue;
      const lib = findLib(soname, libDirs);
      if (!lib) throw new Error(`${elf} needs ${soname}, found in no staged package`);
      placeLib(soname, lib);
      placeDeps(lib);
    }
  };
  const interp = elfDeps(node).interpreter ?? '/lib64/ld-linux-x86-64.so.2';
  link(interp, `${LIB_DIR}/${basename(interp)}`);
  file('/usr/bin/node', readFileSync(node));
  placeDeps(node);
  for (const [pkg, paths] of Object.entries(TOOLS)) {
    for (const [from, to] of paths) {
      const src = join(stage, from);
      if (!existsSync(src)) throw new Error(`${pkg} has no ${from}`);
      file(to, readFileSync(src));
      if (pkg !== 'busybox-static') placeDeps(src);
    }
  }
  for (const dirs of Object.values(PLUGIN_DIRS)) {
    for (const d of dirs) {
      for (const f of walk(join(stage, d))) {
        file(`/${relative(stage, f)}`, readFileSync(f), 0o100644);
        placeDeps(f);
      }
    }
  }

  // kernel modules in load order
  const modRoot = join(stage, 'lib/modules', release);
  const byName = new Map<string, string>();
  for (const f of walk(join(modRoot, 'kernel'))) if (f.endsWith('.ko')) byName.set(basename(f, '.ko').replace(/-/g, '_'), relative(modRoot, f));
  const order = moduleLoadOrder(MODULES, modRoot, (n) => byName.get(n.replace(/-/g, '_')), RUNTIME_DEPS);
  for (const rel of order) file(`/lib/modules/${rel}`, readFileSync(join(modRoot, rel)), 0o100644);
  file('/etc/modules.order', new TextEncoder().encode(`${order.join('\n')}\n`), 0o100644);
  file('/init', new TextEncoder().encode(INIT));
  // tcpdump drops privileges to a user it looks up
  file('/etc/passwd', new TextEncoder().encode('root:x:0:0:root:/:/bin/sh\n'), 0o100644);
  file('/etc/group', new TextEncoder().encode('root:x:0:\n'), 0o100644);

  mkdirSync(CACHE_DIR, { recursive: true });
  writeFileSync(initramfs, cpioArchive(entries));
  writeFileSync(keyFile, key);
  return { kernel, initramfs, kernelRelease: release };
}

/** The per-run archive: files under /payload (test.sh is what init runs). */
export function payloadArchive(files: ReadonlyMap<string, Uint8Array>): Buffer {
  const entries: CpioEntry[] = [];
  const dirs = new Set<string>(['/payload']);
  for (const [path, data] of files) {
    const full = `/payload/${path.replace(/^\/+/, '')}`;
    const parts = full.split('/');
    for (let i = 2; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!dirs.has(d)) { dirs.add(d); entries.push({ path: d, mode: 0o40755 }); }
    }
    entries.push({ path: full, mode: 0o100755, data });
  }
  return cpioArchive(entries);
}
