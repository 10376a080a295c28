/**
 * firmware/usr/lib/vipgate/config-import.sh (vipgate-config.service) run against a temporary root
 * (VIPGATE_ROOT) with the real CLI (`vipgate router --check`, from dist/): what it installs from the boot
 * partition, what it refuses, and the message it leaves in /run/vipgate/config-error.txt.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI, REPO } from '../../helpers/vipgate.js';

const SCRIPT = join(REPO, 'firmware/usr/lib/vipgate/config-import.sh');
const GOOD = readFileSync(join(REPO, 'firmware/boot/firmware/vipgate.yaml'), 'utf8');
const TYPO = GOOD.replace('maximumPaths:', 'maximumPath:');

let root: string;
let bin: string;

beforeAll(() => {
  if (!existsSync(join(REPO, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build`');
});
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'vipgate-import-'));
  mkdirSync(join(root, 'boot/firmware/network'), { recursive: true });
  bin = join(root, 'vipgate');
  writeFileSync(bin, `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(bin, 0o755);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const at = (p: string) => join(root, p);
const write = (p: string, text: string) => writeFileSync(at(p), text);
const read = (p: string) => readFileSync(at(p), 'utf8');
const errorText = () => (existsSync(at('run/vipgate/config-error.txt')) ? read('run/vipgate/config-error.txt') : undefined);

function runImport() {
  const r = spawnSync('bash', [SCRIPT], { env: { ...process.env, VIPGATE_ROOT: root, VIPGATE_BIN: bin }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('config-import.sh', () => {
  it('installs a valid vipgate.yaml and leaves no error', () => {
    write('boot/firmware/vipgate.yaml', GOOD);
    const r = runImport();
    expect(r.status).toBe(0);
    expect(read('etc/vipgate/vipgate.yaml')).toBe(GOOD);
    expect(r.stdout).toMatch(/configuration is valid \(1 neighbors/);
    expect(errorText()).toBeUndefined();
  });

  it('refuses a wrong vipgate.yaml, keeps the last good one and says why', () => {
    write('boot/firmware/vipgate.yaml', GOOD);
    expect(runImport().status).toBe(0);
    write('boot/firmware/vipgate.yaml', TYPO);
    const r = runImport();
    expect(r.status).toBe(1);
    expect(read('etc/vipgate/vipgate.yaml')).toBe(GOOD);
    const msg = errorText()!;
    expect(msg).toMatch(/^vipgate\.yaml \(boot partition\) was not applied:/);
    expect(msg).toMatch(/maximumPath/);
    expect(msg).toMatch(/keeps running with its previous configuration/);
  });

  it('on a first boot with a wrong file, says the router is not running', () => {
    write('boot/firmware/vipgate.yaml', 'asn: [\n');
    expect(runImport().status).toBe(1);
    expect(existsSync(at('etc/vipgate/vipgate.yaml'))).toBe(false);
    expect(errorText()).toMatch(/The router is not running: it has no valid configuration yet/);
  });

  it('clears the error once the file is fixed', () => {
    write('boot/firmware/vipgate.yaml', TYPO);
    runImport();
    expect(errorText()).toBeDefined();
    write('boot/firmware/vipgate.yaml', GOOD);
    expect(runImport().status).toBe(0);
    expect(errorText()).toBeUndefined();
  });

  it('reports a box with no configuration anywhere', () => {
    expect(runImport().status).toBe(1);
    expect(errorText()).toMatch(/There is no vipgate\.yaml on the boot partition/);
  });

  it('imports network files, drops those removed from the boot partition, refuses one without [Match]', () => {
    write('boot/firmware/vipgate.yaml', GOOD);
    write('boot/firmware/network/eth0.network', '[Match]\nName=eth0\n[Network]\nAddress=192.0.2.2/24\n');
    write('boot/firmware/network/eth1.network', '[Match]\nName=eth1\n');
    expect(runImport().status).toBe(0);
    expect(read('etc/systemd/network/10-boot-eth0.network')).toMatch(/Address=192\.0\.2\.2\/24/);
    rmSync(at('boot/firmware/network/eth1.network'));
    write('boot/firmware/network/bad.network', '[Network]\nDHCP=yes\n');
    expect(runImport().status).toBe(1);
    expect(existsSync(at('etc/systemd/network/10-boot-eth1.network'))).toBe(false);
    expect(existsSync(at('etc/systemd/network/10-boot-bad.network'))).toBe(false);
    expect(existsSync(at('etc/systemd/network/10-boot-eth0.network'))).toBe(true);
    expect(errorText()).toMatch(/network\/bad\.network \(boot partition\) was not applied:\nIt has no \[Match\] section/);
  });

  it('sets a valid host name and refuses an invalid one', () => {
    write('boot/firmware/vipgate.yaml', GOOD);
    write('boot/firmware/hostname', 'edge-1\r\n');
    expect(runImport().status).toBe(0);
    expect(read('etc/hostname')).toBe('edge-1\n');
    write('boot/firmware/hostname', '-bad_name');
    expect(runImport().status).toBe(1);
    expect(read('etc/hostname')).toBe('edge-1\n');
    expect(errorText()).toMatch(/"-bad_name" is not a host name/);
  });
});
