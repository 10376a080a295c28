/**
 * firmware/'s systemd units, checked by systemd itself: `systemd-analyze verify` (syntax, unknown keys,
 * dependencies, executables) in a root made of firmware/ plus this machine's own systemd units, and
 * `systemd-analyze security --offline` for the router's and the setup page's sandboxes.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../../helpers/vipgate.js';
import { requireProgram } from '../../helpers/programs.js';

const FIRMWARE = join(REPO, 'firmware');
const root = mkdtempSync(join(tmpdir(), 'vipgate-units-'));
cpSync(join(FIRMWARE, 'etc'), join(root, 'etc'), { recursive: true });
cpSync(join(FIRMWARE, 'usr'), join(root, 'usr'), { recursive: true });
cpSync('/lib/systemd/system', join(root, 'lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
// the program the wait-online drop-in runs (the image has it from the same systemd package)
cpSync('/lib/systemd/systemd-networkd-wait-online', join(root, 'lib/systemd/systemd-networkd-wait-online'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function analyze(...args: string[]) {
  const r = spawnSync(requireProgram('systemd-analyze'), [`--root=${root}`, ...args], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr.trim(), stdout: r.stdout };
}

const unit = (name: string) => join(root, 'etc/systemd/system', name);

describe('systemd units', () => {
  it.each(['vipgate-router.service', 'vipgate-config.service', 'vipgate-growroot.service', 'vipgate-boot-update.service', 'vipgate-setup-page.service', 'vipgate-mqtt-users.service', 'systemd-networkd-wait-online.service'])('%s passes systemd-analyze verify without a warning', (name) => {
    const r = analyze('verify', name.startsWith('vipgate') ? unit(name) : name);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('verify catches a mistake (the check is live)', () => {
    const broken = join(root, 'etc/systemd/system/broken.service');
    cpSync(unit('vipgate-router.service'), broken);
    writeFileSync(broken, readFileSync(broken, 'utf8').replace('WatchdogSec=', 'WatchdogSecs='));
    const r = analyze('verify', broken);
    expect(r.stderr).toMatch(/Unknown key 'WatchdogSecs'/);
    rmSync(broken);
  });

  it('the router runs sandboxed: exposure 2.5 or lower in systemd-analyze security', () => {
    const r = analyze('security', '--offline=true', '--threshold=25', unit('vipgate-router.service'));
    expect(r.stdout).toMatch(/Overall exposure level for vipgate-router\.service: [0-2]\.\d/);
    expect(r.status).toBe(0);
  });

  it('the setup page runs sandboxed: exposure 2.0 or lower in systemd-analyze security', () => {
    const r = analyze('security', '--offline=true', '--threshold=20', unit('vipgate-setup-page.service'));
    expect(r.stdout).toMatch(/Overall exposure level for vipgate-setup-page\.service: (?:[01]\.\d|2\.0) /);
    expect(r.status).toBe(0);
  });

  it('the setup page runs only without an installed configuration, yields to the router and may bind port 80 only', () => {
    const text = readFileSync(join(FIRMWARE, 'etc/systemd/system/vipgate-setup-page.service'), 'utf8');
    const value = (key: string) => [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]);
    expect(value('ConditionPathExists')).toEqual(['!/etc/vipgate/vipgate.yaml']);
    expect(value('Conflicts')).toEqual(['vipgate-router.service']);
    expect(value('After').join(' ').split(/\s+/)).toContain('vipgate-config.service');
    expect(value('CapabilityBoundingSet')).toEqual(['CAP_NET_BIND_SERVICE']);
    expect(value('AmbientCapabilities')).toEqual(['CAP_NET_BIND_SERVICE']);
    expect(value('ReadWritePaths')).toEqual([]);
    expect(value('ExecStart')).toEqual(['/usr/bin/vipgate status-page --config-error /run/vipgate/config-error.txt --address 0.0.0.0 --port 80']);
    // not in the boot transaction beside the router (see the unit's comment): config-import.sh starts it
    expect(text).not.toMatch(/^\[Install\]/m);
    expect(readFileSync(join(FIRMWARE, 'usr/lib/vipgate/config-import.sh'), 'utf8')).toMatch(/systemctl --no-block start vipgate-setup-page\.service/);
  });

  it('the router keeps exactly CAP_NET_ADMIN, CAP_NET_BIND_SERVICE and CAP_NET_RAW, with a watchdog', () => {
    const text = readFileSync(join(FIRMWARE, 'etc/systemd/system/vipgate-router.service'), 'utf8');
    const value = (key: string) => [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]);
    const caps = ['CAP_NET_ADMIN', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW'];
    expect(value('CapabilityBoundingSet').join(' ').split(/\s+/).sort()).toEqual(caps);
    expect(value('AmbientCapabilities').join(' ').split(/\s+/).sort()).toEqual(caps);
    expect(value('Type')).toEqual(['notify']);
    expect(value('WatchdogSec')).toEqual(['30s']);
    expect(value('ProtectSystem')).toEqual(['strict']);
    expect(value('ReadWritePaths')).toEqual(['/var/lib/vipgate /run/vipgate']);
  });
});
