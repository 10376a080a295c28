/**
 * The programs the tests run, each with the Debian package that provides it (scripts/setup.sh installs them
 * all). A test starts a program through requireProgram(), so a machine that lacks one fails at once with the
 * package to install, instead of an ENOENT deep in a helper or a daemon that never answers. The unit test
 * test/unit/setup/programs.test.ts checks every entry against the set-up script's list and this machine.
 */
import { requireProgramFrom } from '../../src/lib/programs.js';

export const PROGRAM_PACKAGES: Readonly<Record<string, string>> = {
  ip: 'iproute2', nstat: 'iproute2', bridge: 'iproute2',
  nft: 'nftables',
  sysctl: 'procps',
  unshare: 'util-linux', findmnt: 'util-linux', setpriv: 'util-linux',
  useradd: 'passwd', userdel: 'passwd', groupadd: 'passwd', groupdel: 'passwd',
  openssl: 'openssl',
  curl: 'curl',
  mosquitto: 'mosquitto', mosquitto_passwd: 'mosquitto',
  bird: 'bird2', birdc: 'bird2',
  keepalived: 'keepalived',
  tcpdump: 'tcpdump',
  gobgpd: 'gobgpd', gobgp: 'gobgpd',
  '/usr/lib/frr/bgpd': 'frr', '/usr/lib/frr/zebra': 'frr', '/usr/lib/frr/bfdd': 'frr', vtysh: 'frr',
  chromium: 'chromium',
  promtool: 'prometheus',
  'qemu-system-x86_64': 'qemu-system-x86',
  'systemd-analyze': 'systemd', 'systemd-notify': 'systemd', '/lib/systemd/systemd-sysctl': 'systemd',
  python3: 'python3',
  xz: 'xz-utils',
  'dpkg-deb': 'dpkg', 'apt-get': 'apt',
  mmdebstrap: 'mmdebstrap', file: 'file', umoci: 'umoci', skopeo: 'skopeo', podman: 'podman', runc: 'runc',
  containerd: 'containerd', ctr: 'containerd',
};

const found = new Map<string, string>();

/** The program's path; throws naming the Debian package when it is not installed. */
export function requireProgram(name: string): string {
  const cached = found.get(name);
  if (cached) return cached;
  const pkg = PROGRAM_PACKAGES[name];
  if (pkg === undefined) throw new Error(`requireProgram: ${name} is not in test/helpers/programs.ts (add it with its Debian package, and the package to scripts/setup.sh)`);
  const p = requireProgramFrom(name, pkg);
  found.set(name, p);
  return p;
}

/** requireProgram() for the programs of the map; anything else (node itself, a script path) passes as it is. */
export function checkProgram(cmd: string): void {
  if (Object.hasOwn(PROGRAM_PACKAGES, cmd)) requireProgram(cmd);
}
