/**
 * The box's broker configuration as shipped (firmware/etc/mosquitto: conf.d/vipgate.conf and the ACL files
 * it names) in a real mosquitto: the loopback and LAN listeners moved to free loopback ports, the password
 * and ACL files to the broker's own directory (the ACL files copied unchanged), users added by the test,
 * and node agents' users made by the box's own script (firmware/usr/lib/vipgate/mqtt-users.sh).
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../../helpers/vipgate.js';
import { addUser, freePort, Mosquitto } from './mosquitto.js';

const FIRMWARE = join(REPO, 'firmware/etc/mosquitto');

export interface FirmwareBroker {
  readonly broker: Mosquitto;
  /** The router's listener (loopback on the box). */
  readonly localUrl: string;
  /** The LAN listener. */
  readonly lanUrl: string;
  /** conf.d/vipgate.conf as shipped. */
  readonly text: string;
}

/** What mqtt-users.sh made from a list of node names: its password file's lines and the passwords it showed. */
export interface AgentUsers {
  readonly passwd: string;
  readonly passwords: ReadonlyMap<string, string>;
}

/** Runs mqtt-users.sh in a temporary root (the box named `host`) on `nodes` as mqtt-users.txt. */
export function makeAgentUsers(nodes: readonly string[], host = 'vipgate'): AgentUsers {
  const root = mkdtempSync(join(tmpdir(), 'vipgate-acl-users-'));
  try {
    mkdirSync(join(root, 'boot/firmware'), { recursive: true });
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(join(root, 'etc/hostname'), `${host}\n`);
    writeFileSync(join(root, 'boot/firmware/mqtt-users.txt'), `${nodes.join('\n')}\n`);
    const r = spawnSync('bash', [join(REPO, 'firmware/usr/lib/vipgate/mqtt-users.sh')], { env: { ...process.env, VIPGATE_ROOT: root }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mqtt-users.sh exited ${r.status}: ${r.stderr}`);
    const shown = readFileSync(join(root, 'boot/firmware/mqtt-passwords.txt'), 'utf8');
    return {
      passwd: readFileSync(join(root, 'etc/mosquitto/vipgate.passwd'), 'utf8'),
      passwords: new Map([...shown.matchAll(/^(\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!])),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export async function startFirmwareBroker(users: Readonly<Record<string, string>>, agents?: AgentUsers): Promise<FirmwareBroker> {
  const text = readFileSync(join(FIRMWARE, 'conf.d/vipgate.conf'), 'utf8');
  const lanPort = await freePort();
  const broker = await Mosquitto.start({
    config: (port, dir) => {
      if (agents) appendFileSync(join(dir, 'vipgate.passwd'), agents.passwd);
      for (const [u, p] of Object.entries(users)) addUser(join(dir, 'vipgate.passwd'), u, p);
      for (const acl of text.matchAll(/^acl_file \/etc\/mosquitto\/(\S+)$/gm)) copyFileSync(join(FIRMWARE, acl[1]!), join(dir, acl[1]!));
      return `user root\npersistence false\nlog_dest file ${join(dir, 'mosquitto.log')}\nlog_type all\n${text
        .replace(/^listener 1883 127\.0\.0\.1$/m, `listener ${port} 127.0.0.1`)
        .replace(/^listener 1884$/m, `listener ${lanPort} 127.0.0.1`)
        .replaceAll('/etc/mosquitto/', `${dir}/`)}`;
    },
  });
  return { broker, localUrl: broker.url, lanUrl: `mqtt://127.0.0.1:${lanPort}`, text };
}
