/**
 * firmware/usr/lib/vipgate/mqtt-users.sh (vipgate-mqtt-users.service) against a temporary root
 * (VIPGATE_ROOT) with the real mosquitto_passwd: the users it makes from the boot partition's list, the
 * passwords it shows once, what it refuses, revokes and leaves alone. That the hashes it writes let the
 * users in, and only to their own node's topics: test/integration/telemetry/firmware-acl.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO } from '../../helpers/vipgate.js';

const MQTT_USERS_SCRIPT = join(REPO, 'firmware/usr/lib/vipgate/mqtt-users.sh');

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'vipgate-mqtt-users-'));
  mkdirSync(join(root, 'boot/firmware'), { recursive: true });
  mkdirSync(join(root, 'etc/mosquitto'), { recursive: true });
  writeFileSync(join(root, 'etc/hostname'), 'vipgate\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const at = (p: string) => join(root, p);
const read = (p: string) => readFileSync(at(p), 'utf8');
const list = (text: string) => writeFileSync(at('boot/firmware/mqtt-users.txt'), text);
const run = () => {
  const r = spawnSync('bash', [MQTT_USERS_SCRIPT], { env: { ...process.env, VIPGATE_ROOT: root }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};
/** user → the hash line's value, from the password file. */
const hashes = () => new Map(read('etc/mosquitto/vipgate.passwd').trim().split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
/** user → password, from the lines the box shows on the boot partition (the last line of a name wins). */
const shown = () => new Map([...read('boot/firmware/mqtt-passwords.txt').matchAll(/^([a-z0-9.-]+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));

describe('mqtt-users.sh', () => {
  it('makes one hashed user per listed node and shows each new password once', () => {
    list('# the cluster\nn1\n\n  n2   # the second node\nn1\nworker-3.lan');
    const r = run();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect([...hashes().keys()]).toEqual(['n1', 'n2', 'worker-3.lan']);
    for (const h of hashes().values()) expect(h).toMatch(/^\$7\$\d+\$/); // PBKDF2-SHA512, mosquitto 2.0's hash
    const passwords = shown();
    expect([...passwords.keys()]).toEqual(['n1', 'n2', 'worker-3.lan']);
    for (const p of passwords.values()) expect(p).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(new Set(passwords.values()).size).toBe(3);
    // no password in clear in /etc, and the password file is root's to write, mosquitto's to read
    for (const p of passwords.values()) expect(read('etc/mosquitto/vipgate.passwd')).not.toContain(p);
    expect(statSync(at('etc/mosquitto/vipgate.passwd')).mode & 0o777).toBe(0o640);
    expect(statSync(at('etc/mosquitto/vipgate.passwd')).uid).toBe(0);
    expect(read('boot/firmware/mqtt-passwords.txt')).toMatch(/DELETE\s+(#\s+)?THIS FILE/);
    expect(r.stdout).toMatch(/added n1\n.*added n2\n.*added worker-3\.lan/s);
  });

  it('changes nothing at the next boot with the same list', () => {
    list('n1\nn2\n');
    expect(run().status).toBe(0);
    const [passwd, passwords] = [read('etc/mosquitto/vipgate.passwd'), read('boot/firmware/mqtt-passwords.txt')];
    const r = run();
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(read('etc/mosquitto/vipgate.passwd')).toBe(passwd);
    expect(read('boot/firmware/mqtt-passwords.txt')).toBe(passwords);
  });

  it('revokes a node taken off the list, adds a new one, keeps the others and hand-made users as they were', () => {
    writeFileSync(at('etc/mosquitto/vipgate.passwd'), 'homeassistant:$7$101$handmade\n');
    list('n1\nn2\n');
    expect(run().status).toBe(0);
    const before = hashes();
    const firstPasswords = shown();
    list('n1\nn3\n');
    const r = run();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/added n3/);
    expect(r.stdout).toMatch(/revoked n2/);
    const after = hashes();
    expect([...after.keys()].sort()).toEqual(['homeassistant', 'n1', 'n3']);
    expect(after.get('n1')).toBe(before.get('n1'));
    expect(after.get('homeassistant')).toBe('$7$101$handmade');
    // the new password is added below the first ones, which stay until the user deletes the file
    expect(shown().get('n1')).toBe(firstPasswords.get('n1'));
    expect(shown().get('n3')).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(read('boot/firmware/mqtt-passwords.txt').match(/^# MQTT passwords/gm)).toHaveLength(2);
    // a node put back on the list gets a new password
    list('n1\nn3\nn2\n');
    expect(run().status).toBe(0);
    expect(shown().get('n2')).not.toBe(firstPasswords.get('n2'));
    expect(hashes().get('n2')).not.toBe(before.get('n2'));
  });

  it('refuses names that are not node names or are the box\'s own, and still applies the rest', () => {
    list('N1\nn/1\nn+1\n#only a comment\nvipgate\ntwo words\n-n1\nn1\n');
    const r = run();
    expect(r.status).toBe(1);
    expect([...hashes().keys()]).toEqual(['n1']);
    expect(r.stderr).toMatch(/line 1: "N1" is not a node name/);
    expect(r.stderr).toMatch(/line 2: "n\/1" is not a node name/);
    expect(r.stderr).toMatch(/line 3: "n\+1" is not a node name/);
    expect(r.stderr).toMatch(/line 5: "vipgate" is this box's name/);
    expect(r.stderr).toMatch(/line 6: "two words": one name per line/);
    expect(r.stderr).toMatch(/line 7: "-n1" is not a node name/);
  });

  it('the list shipped on the card (comments only) makes no user', () => {
    list(readFileSync(join(REPO, 'firmware/boot/firmware/mqtt-users.txt'), 'utf8'));
    const r = run();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(read('etc/mosquitto/vipgate.passwd')).toBe('');
    expect(existsSync(at('boot/firmware/mqtt-passwords.txt'))).toBe(false);
  });

  it('without a list it changes nothing', () => {
    writeFileSync(at('etc/mosquitto/vipgate.passwd'), 'homeassistant:$7$101$handmade\n');
    const r = run();
    expect(r.status).toBe(0);
    expect(read('etc/mosquitto/vipgate.passwd')).toBe('homeassistant:$7$101$handmade\n');
    expect(existsSync(at('boot/firmware/mqtt-passwords.txt'))).toBe(false);
  });
});
