/**
 * firmware/etc/mosquitto: the real mosquitto loads the image's configuration (with its conf.d) and
 * listens on loopback only, inside a network namespace of its own (unshare -n), so no port of this
 * machine is touched.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../../helpers/vipgate.js';

const dir = mkdtempSync(join(tmpdir(), 'vipgate-mosquitto-'));
// mosquitto started as root drops to its own user before writing the pid file
chmodSync(dir, 0o1777);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mosquitto configuration', () => {
  it('loads, keeps nothing on disk and listens on 127.0.0.1:1883 only', async () => {
    const main = readFileSync(join(REPO, 'firmware/etc/mosquitto/mosquitto.conf'), 'utf8');
    expect(main).toMatch(/^persistence false$/m);
    expect(main).toMatch(/^log_dest stderr$/m);
    // the same file, with its include_dir and pid file pointing into the repository / a temp dir
    const conf = join(dir, 'mosquitto.conf');
    writeFileSync(conf, main
      .replace(/^include_dir .*$/m, `include_dir ${join(REPO, 'firmware/etc/mosquitto/conf.d')}`)
      .replace(/^pid_file .*$/m, `pid_file ${join(dir, 'pid')}`));
    // ss, in the same namespace, lists the listening sockets once port 1883 is open; then mosquitto stops
    const script = `mosquitto -c "$0" & pid=$!; for i in $(seq 50); do ss -Hltn | grep -q 1883 && break; sleep 0.1; done; ss -Hltn; kill $pid; wait $pid`;
    const child = spawn('unshare', ['--net', 'sh', '-c', `ip link set lo up; ${script}`, conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ code, err }).toMatchObject({ code: 0 });
    expect(err).toMatch(/Loading config file .*conf\.d\/vipgate-local\.conf/);
    expect(err).not.toMatch(/Error/);
    const listeners = out.trim().split('\n').map((l) => l.split(/\s+/)[3]);
    expect(listeners).toEqual(['127.0.0.1:1883']);
  });
});
