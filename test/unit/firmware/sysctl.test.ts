/**
 * firmware/etc/sysctl.d/90-vipgate.conf applied by the real `sysctl -p` in a fresh network namespace
 * (every key in it is per namespace), then read back: the kernel accepts every key and value.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../../helpers/vipgate.js';

const FILE = join(REPO, 'firmware/etc/sysctl.d/90-vipgate.conf');

/** key = value lines of a sysctl.d file (sysctl.d(5): # and ; start comments). */
function entries(text: string): [string, string][] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#') && !l.startsWith(';'))
    .map((l) => {
      const m = /^([\w.-]+)\s*=\s*(\S+)$/.exec(l);
      if (!m) throw new Error(`not a "key = value" line: ${l}`);
      return [m[1]!, m[2]!];
    });
}

describe('sysctl.d/90-vipgate.conf', () => {
  const wanted = entries(readFileSync(FILE, 'utf8'));

  it('sets forwarding, L4 ECMP hashing, loose rp_filter and nexthop_compat_mode=0', () => {
    expect(Object.fromEntries(wanted)).toMatchObject({
      'net.ipv4.ip_forward': '1',
      'net.ipv4.fib_multipath_hash_policy': '1',
      'net.ipv4.conf.all.rp_filter': '2',
      'net.ipv4.nexthop_compat_mode': '0',
    });
  });

  it('is accepted by the kernel, key by key, in a new network namespace', () => {
    const keys = wanted.map(([k]) => k);
    const r = spawnSync('unshare', ['--net', 'sh', '-c', 'sysctl -q -p "$0" && sysctl -n "$@"', FILE, ...keys], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(wanted.map(([, v]) => v));
  });
});
