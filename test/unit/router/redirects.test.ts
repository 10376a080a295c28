/**
 * redirectingInterfaces() over a /proc/sys tree written by the test: an interface is named when it forwards
 * and conf/all or its own send_redirects is 1 (the kernel ORs the two), never when it does not forward, and
 * loopback, all and default are not interfaces; the warning names the sysctl lines that stop it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { redirectingInterfaces, redirectWarning } from '../../../src/router/redirects.js';

let root: string | undefined;
afterEach(() => { if (root) rmSync(root, { recursive: true, force: true }); root = undefined; });

/** conf/NAME/{forwarding,send_redirects} for each [name, forwarding, send_redirects]. */
function procSys(entries: [string, number, number][]): string {
  root = mkdtempSync(join(tmpdir(), 'vg-redirects-'));
  for (const [name, fwd, send] of entries) {
    const dir = join(root, 'net/ipv4/conf', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'forwarding'), `${fwd}\n`);
    writeFileSync(join(dir, 'send_redirects'), `${send}\n`);
  }
  return root;
}

describe('redirectingInterfaces', () => {
  it('ORs conf/all with the interface, for forwarding interfaces only', () => {
    const dir = procSys([['all', 1, 0], ['default', 1, 1], ['lo', 1, 1], ['eth0', 1, 1], ['eth1', 1, 0], ['wlan0', 0, 1]]);
    expect(redirectingInterfaces(dir)).toEqual([{ name: 'eth0', all: false, own: true }]);
  });

  it('names every forwarding interface when conf/all is on, even one whose own value is 0', () => {
    const dir = procSys([['all', 1, 1], ['default', 1, 0], ['lo', 1, 0], ['eth1', 1, 0], ['eth0', 1, 0], ['wlan0', 0, 0]]);
    expect(redirectingInterfaces(dir).map((i) => i.name)).toEqual(['eth0', 'eth1']);
  });

  it('nothing when all and every interface are off, or when there is no such tree', () => {
    expect(redirectingInterfaces(procSys([['all', 1, 0], ['default', 1, 0], ['eth0', 1, 0]]))).toEqual([]);
    expect(redirectingInterfaces('/nonexistent-vipgate-proc')).toEqual([]);
  });

  it('the warning says what happens and which sysctls stop it', () => {
    expect(redirectWarning({ name: 'eth0', all: true, own: true })).toBe(
      'eth0 forwards IPv4 with send_redirects on: a client on eth0\'s own network is sent ICMP redirects to the nodes and bypasses ECMP, weights and failover; '
      + 'set net.ipv4.conf.all.send_redirects=0 and net.ipv4.conf.eth0.send_redirects=0 (firmware/etc/sysctl.d/90-vipgate.conf does)');
    expect(redirectWarning({ name: 'eth0', all: false, own: true })).toMatch(/; set net\.ipv4\.conf\.eth0\.send_redirects=0 \(/);
  });
});
