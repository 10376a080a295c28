/**
 * firmware/etc/sysctl.d/90-vipgate.conf applied by the real `sysctl -p` and by systemd-sysctl (what the box
 * runs at boot) in a fresh network namespace (every key in it is per namespace), then read back: the kernel
 * accepts every key and value, and the redirect settings hold for an interface that existed before the
 * file was applied with its own send_redirects written to 1 (the kernel ORs conf/all/send_redirects with the
 * interface's own value, and conf/default reaches an existing interface only while its own value was never
 * written) as well as for one created after.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../../helpers/vipgate.js';
import { requireProgram } from '../../helpers/programs.js';

const FILE = join(REPO, 'firmware/etc/sysctl.d/90-vipgate.conf');

/** key = value lines of a sysctl.d file (sysctl.d(5): # and ; start comments, * globs a path component). */
function entries(text: string): [string, string][] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#') && !l.startsWith(';'))
    .map((l) => {
      const m = /^([\w.*-]+)\s*=\s*(\S+)$/.exec(l);
      if (!m) throw new Error(`not a "key = value" line: ${l}`);
      return [m[1]!, m[2]!];
    });
}

/**
 * In a new network namespace: a veth pair made first with its own redirect settings written to 1 (as a network
 * manager or an earlier sysctl.d line may), the file applied by `apply` ($0 is the file), then `after`.
 */
function inFreshNamespace(apply: string, after: string): { stdout: string; stderr: string; status: number | null } {
  const old = 'ip link add old0 type veth peer name old1 && for k in ipv4/conf/old0/send_redirects ipv4/conf/old0/accept_redirects ipv6/conf/old0/accept_redirects; do echo 1 > /proc/sys/net/$k; done';
  return spawnSync('unshare', ['--net', 'sh', '-c', `${old} && ${apply} && ip link add new0 type veth peer name new1 && ${after}`, FILE], { encoding: 'utf8' });
}

/** Prints "IFACE send accept accept6" for all, default, the interface made before and the one made after. */
const REDIRECTS = 'for i in all default old0 new0; do echo $i $(cat /proc/sys/net/ipv4/conf/$i/send_redirects /proc/sys/net/ipv4/conf/$i/accept_redirects /proc/sys/net/ipv6/conf/$i/accept_redirects); done';

describe('sysctl.d/90-vipgate.conf', () => {
  const wanted = entries(readFileSync(FILE, 'utf8'));

  it('sets forwarding, L4 ECMP hashing, loose rp_filter, nexthop_compat_mode=0 and no redirects', () => {
    expect(Object.fromEntries(wanted)).toMatchObject({
      'net.ipv4.ip_forward': '1',
      'net.ipv4.fib_multipath_hash_policy': '1',
      'net.ipv4.conf.all.rp_filter': '2',
      'net.ipv4.nexthop_compat_mode': '0',
      'net.ipv4.conf.all.send_redirects': '0',
      'net.ipv4.conf.default.send_redirects': '0',
      'net.ipv4.conf.*.send_redirects': '0',
      'net.ipv4.conf.all.accept_redirects': '0',
      'net.ipv6.conf.all.accept_redirects': '0',
    });
  });

  it('is accepted by the kernel, key by key, in a new network namespace', () => {
    const keys = wanted.map(([k]) => k).filter((k) => !k.includes('*'));
    const r = spawnSync('unshare', ['--net', 'sh', '-c', 'sysctl -q -p "$0" && sysctl -n "$@"', FILE, ...keys], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(wanted.filter(([k]) => !k.includes('*')).map(([, v]) => v));
  });

  const noRedirects = ['all 0 0 0', 'default 0 0 0', 'old0 0 0 0', 'new0 0 0 0'];

  it('systemd-sysctl (the boot-time service) turns redirects off on an interface that already existed', () => {
    const bin = requireProgram('/lib/systemd/systemd-sysctl');
    const r = inFreshNamespace(`${bin} "$0"`, REDIRECTS);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(noRedirects);
  });

  it('sysctl -p does the same (the globbed keys reach existing interfaces)', () => {
    const r = inFreshNamespace('sysctl -q -p "$0"', REDIRECTS);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(noRedirects);
  });

  it('without the glob, that interface keeps send_redirects on (what the glob line is for)', () => {
    const r = inFreshNamespace('sysctl -q -w net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0', REDIRECTS);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')[2]).toBe('old0 1 1 1');
  });
});
