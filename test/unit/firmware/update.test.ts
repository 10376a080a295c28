/**
 * firmware/usr/lib/vipgate/update.sh on a temporary /opt/vipgate (VIPGATE_OPT) with stand-in releases:
 * each release's node/bin/node is a shell script standing in for Node, so that a release can accept or
 * reject the configuration; restart and health check are commands the test controls.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO } from '../../helpers/vipgate.js';

const SCRIPT = join(REPO, 'firmware/usr/lib/vipgate/update.sh');
let dir: string;
let opt: string;

/** A release directory: VERSION, app/bin/vipgate.js, and a "node" that accepts the config or not. */
function release(into: string, version: string, acceptsConfig = true) {
  mkdirSync(join(into, 'node/bin'), { recursive: true });
  mkdirSync(join(into, 'app/bin'), { recursive: true });
  writeFileSync(join(into, 'VERSION'), version);
  writeFileSync(join(into, 'app/bin/vipgate.js'), '');
  writeFileSync(join(into, 'node/bin/node'), acceptsConfig ? '#!/bin/sh\necho "$5: configuration is valid"\n' : '#!/bin/sh\necho "$5: asn: required" >&2; exit 3\n');
  chmodSync(join(into, 'node/bin/node'), 0o755);
}

function bundle(version: string, acceptsConfig = true): string {
  const src = join(dir, `src-${version}`);
  release(src, version, acceptsConfig);
  const file = join(dir, `vipgate-${version}-arm64-app.tar.gz`);
  expect(spawnSync('tar', ['-czf', file, '-C', src, '.']).status).toBe(0);
  return file;
}

/** `restartIf`: a shell condition the restart (counted either way) must meet to succeed. */
function update(args: string[], healthy: boolean, restartIf = 'true') {
  const r = spawnSync('bash', [SCRIPT, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env, VIPGATE_OPT: opt, VIPGATE_CONFIG: join(dir, 'vipgate.yaml'),
      VIPGATE_RESTART: `echo restart >> ${join(dir, 'restarts')}; ${restartIf}`,
      VIPGATE_HEALTH: healthy ? 'true' : 'false', VIPGATE_HEALTH_TIMEOUT: '1',
    },
  });
  return { status: r.status, stderr: r.stderr };
}
const current = () => readlinkSync(join(opt, 'current'));
const restarts = () => (existsSync(join(dir, 'restarts')) ? readFileSync(join(dir, 'restarts'), 'utf8').split('\n').filter(Boolean).length : 0);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vipgate-update-'));
  opt = join(dir, 'opt');
  release(join(opt, 'a'), '1.0.0');
  symlinkSync('a', join(opt, 'current'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('update.sh', () => {
  it('installs into the other slot, switches and keeps the old slot for rollback', () => {
    const r = update([bundle('1.1.0')], true);
    expect(r.stderr).toMatch(/vipgate 1\.1\.0 is running from slot b/);
    expect(r.status).toBe(0);
    expect(current()).toBe('b');
    expect(readFileSync(join(opt, 'b/VERSION'), 'utf8')).toBe('1.1.0');
    expect(readFileSync(join(opt, 'a/VERSION'), 'utf8')).toBe('1.0.0');
    expect(restarts()).toBe(1);
    // the next update goes to slot a again
    expect(update([bundle('1.2.0')], true).status).toBe(0);
    expect(current()).toBe('a');
    expect(readFileSync(join(opt, 'a/VERSION'), 'utf8')).toBe('1.2.0');
  });

  it('rolls back to the old slot when the new release is not healthy', () => {
    const r = update([bundle('1.1.0')], false);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/not healthy after 1s: rolling back to slot a/);
    expect(current()).toBe('a');
    expect(restarts()).toBe(2);
  });

  it('rolls back at once when the router does not start on the new release (the restart fails)', () => {
    const r = update([bundle('1.1.0')], true, `[ "$(readlink ${join(opt, 'current')})" = a ]`);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/vipgate 1\.1\.0 did not start: rolling back to slot a/);
    expect(r.stderr).not.toMatch(/not healthy/);
    expect(current()).toBe('a');
    expect(restarts()).toBe(2);
  });

  it('changes nothing when the new release rejects the running configuration', () => {
    const r = update([bundle('2.0.0', false)], true);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/rejects .*vipgate\.yaml, nothing changed:\n.*asn: required/);
    expect(current()).toBe('a');
    expect(existsSync(join(opt, 'b'))).toBe(false);
    expect(restarts()).toBe(0);
  });

  it('refuses a bundle whose checksum does not match, or that is not a release', () => {
    const file = bundle('1.1.0');
    expect(update([file, '--sha256', '0'.repeat(64)], true).status).toBe(2);
    const junk = join(dir, 'junk.tar.gz');
    expect(spawnSync('tar', ['-czf', junk, '-C', dir, 'vipgate-1.1.0-arm64-app.tar.gz']).status).toBe(0);
    expect(update([junk], true).stderr).toMatch(/not a vipgate app bundle/);
    expect(current()).toBe('a');
    expect(restarts()).toBe(0);
  });

  it('--rollback switches to the other slot', () => {
    expect(update([bundle('1.1.0')], true).status).toBe(0);
    const r = update(['--rollback'], true);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/rolled back from slot b to slot a \(1\.0\.0\)/);
    expect(current()).toBe('a');
  });
});
