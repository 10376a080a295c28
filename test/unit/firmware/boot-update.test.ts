/**
 * firmware/usr/lib/vipgate/boot-update.sh in a temporary root (VIPGATE_ROOT) with a stand-in update.sh
 * (VIPGATE_UPDATE) that records its arguments and exits as the test says: what reaches update.sh, what
 * happens to the bundle, and what the user reads on the card (update/RESULT.txt) and the status page
 * (/run/vipgate/config-error.txt).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO } from '../../helpers/vipgate.js';

const SCRIPT = join(REPO, 'firmware/usr/lib/vipgate/boot-update.sh');
let root: string;
let updateDir: string;

function fakeUpdate(exit: number, message: string): string {
  const file = join(root, 'fake-update.sh');
  writeFileSync(file, `#!/bin/bash\necho "$*" >> ${join(root, 'calls')}\necho "${message}" >&2\nexit ${exit}\n`);
  chmodSync(file, 0o755);
  return file;
}

function run(exit = 0, message = 'vipgate 0.2.0 is running from slot b') {
  const r = spawnSync('bash', [SCRIPT], { encoding: 'utf8', env: { ...process.env, VIPGATE_ROOT: root, VIPGATE_UPDATE: fakeUpdate(exit, message) } });
  return { status: r.status, stderr: r.stderr };
}
const calls = () => (existsSync(join(root, 'calls')) ? readFileSync(join(root, 'calls'), 'utf8').trim().split('\n') : []);
const result = () => readFileSync(join(updateDir, 'RESULT.txt'), 'utf8');
const errorFile = 'run/vipgate/config-error.txt';

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'vipgate-boot-update-'));
  updateDir = join(root, 'boot/firmware/update');
  mkdirSync(updateDir, { recursive: true });
  writeFileSync(join(updateDir, 'README.txt'), 'how to');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('boot-update.sh', () => {
  it('does nothing without a bundle', () => {
    expect(run().status).toBe(0);
    expect(calls()).toEqual([]);
    expect(readdirSync(updateDir)).toEqual(['README.txt']);
  });

  it('applies the bundle with the checksum from its .sha256, then deletes both and says so on the card', () => {
    const bundle = join(updateDir, 'vipgate-0.2.0-arm64-app.tar.gz');
    writeFileSync(bundle, 'bundle');
    writeFileSync(`${bundle}.sha256`, `${'ab'.repeat(32)}  vipgate-0.2.0-arm64-app.tar.gz\n`);
    expect(run().status).toBe(0);
    expect(calls()).toEqual([`${bundle} --sha256 ${'ab'.repeat(32)}`]);
    expect(readdirSync(updateDir).sort()).toEqual(['README.txt', 'RESULT.txt']);
    expect(result()).toBe('update/vipgate-0.2.0-arm64-app.tar.gz was applied:\nvipgate 0.2.0 is running from slot b\n');
    expect(existsSync(join(root, errorFile))).toBe(false);
  });

  it('a failed update keeps the bundle as .failed (tried once), and the reason reaches the card and the status page', () => {
    const bundle = join(updateDir, 'vipgate-0.2.0-arm64-app.tar.gz');
    writeFileSync(bundle, 'bundle');
    mkdirSync(join(root, 'run/vipgate'), { recursive: true });
    writeFileSync(join(root, errorFile), 'vipgate.yaml (boot partition) was not applied:\nx\n\n');
    const r = run(1, 'vipgate 0.2.0 is not healthy after 90s: rolling back to slot a');
    expect(r.status).toBe(1);
    expect(calls()).toEqual([bundle]);
    expect(readdirSync(updateDir).sort()).toEqual(['README.txt', 'RESULT.txt', 'vipgate-0.2.0-arm64-app.tar.gz.failed']);
    expect(result()).toMatch(/^update\/vipgate-0\.2\.0-arm64-app\.tar\.gz \(boot partition\) was not applied \(renamed to .*\.failed\):\nvipgate 0\.2\.0 is not healthy/);
    // appended after what the config import wrote at this boot
    expect(readFileSync(join(root, errorFile), 'utf8')).toMatch(/^vipgate\.yaml \(boot partition\) was not applied:\nx\n\nupdate\/vipgate-0\.2\.0.*not applied.*\n.*rolling back to slot a\n\n$/);
    // the next boot leaves the failed bundle alone
    expect(run().status).toBe(0);
    expect(calls()).toHaveLength(1);
  });

  it('refuses two bundles at once and installs neither', () => {
    writeFileSync(join(updateDir, 'vipgate-0.2.0-arm64-app.tar.gz'), 'a');
    writeFileSync(join(updateDir, 'vipgate-0.3.0-arm64-app.tar.gz'), 'b');
    expect(run().status).toBe(2);
    expect(calls()).toEqual([]);
    expect(result()).toMatch(/holds 2 bundles \(vipgate-0\.2\.0-arm64-app\.tar\.gz vipgate-0\.3\.0-arm64-app\.tar\.gz\)/);
    expect(readFileSync(join(root, errorFile), 'utf8')).toMatch(/Leave only the one to install/);
  });
});
