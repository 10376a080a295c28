/**
 * firmware/etc/mosquitto as the image lays it out (image/overlay.sh creates an empty password file, mode
 * 0640, root:mosquitto, for each password_file a conf.d file names): the real mosquitto loads it and opens the loopback listener
 * the router publishes to, inside a network namespace of its own (unshare -n), so no port of this
 * machine is touched.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../../helpers/vipgate.js';

const SRC = join(REPO, 'firmware/etc/mosquitto');
const dir = mkdtempSync(join(tmpdir(), 'vipgate-mosquitto-'));
// mosquitto started as root drops to its own user before writing the pid file
chmodSync(dir, 0o1777);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The group mosquitto runs as after dropping root (Debian's package creates it). */
const mosquittoGid = Number(/^mosquitto:[^:]*:(\d+):/m.exec(readFileSync('/etc/group', 'utf8'))?.[1] ?? NaN);

/** The configuration tree with /etc/mosquitto/ moved to the temp dir, as overlay.sh would leave it. */
function layOut(): string {
  cpSync(SRC, dir, { recursive: true });
  const relocate = (f: string) => writeFileSync(f, readFileSync(f, 'utf8').replaceAll('/etc/mosquitto/', `${dir}/`)
    .replace(/^pid_file .*$/m, `pid_file ${join(dir, 'pid')}`));
  relocate(join(dir, 'mosquitto.conf'));
  for (const f of readdirSync(join(dir, 'conf.d'))) {
    relocate(join(dir, 'conf.d', f));
    for (const m of readFileSync(join(dir, 'conf.d', f), 'utf8').matchAll(/^password_file\s+(\S+)$/gm)) {
      writeFileSync(m[1]!, '', { mode: 0o640 });
      chownSync(m[1]!, 0, mosquittoGid);
    }
  }
  return join(dir, 'mosquitto.conf');
}

describe('mosquitto configuration', () => {
  it('keeps nothing on the card and logs to the journal', () => {
    const main = readFileSync(join(SRC, 'mosquitto.conf'), 'utf8');
    expect(main).toMatch(/^persistence false$/m);
    expect(main).toMatch(/^log_dest stderr$/m);
    expect(main).toMatch(/^include_dir \/etc\/mosquitto\/conf\.d$/m);
  });

  it('loads without an error and listens on 127.0.0.1:1883 for the router', () => {
    const conf = layOut();
    // ss, in the same namespace, lists the listening sockets once port 1883 is open; then mosquitto stops
    const script = 'mosquitto -c "$0" & pid=$!; for i in $(seq 50); do ss -Hltn | grep -q 127.0.0.1:1883 && break; sleep 0.1; done; ss -Hltn; kill $pid; wait $pid';
    const r = spawnSync('unshare', ['--net', 'sh', '-c', `ip link set lo up; ${script}`, conf], { encoding: 'utf8', timeout: 30_000 });
    expect({ status: r.status, stderr: r.stderr }).toMatchObject({ status: 0 });
    expect(r.stderr).not.toMatch(/Error/);
    const listeners = r.stdout.trim().split('\n').map((l) => l.split(/\s+/)[3]);
    expect(listeners).toContain('127.0.0.1:1883');
  });
});
