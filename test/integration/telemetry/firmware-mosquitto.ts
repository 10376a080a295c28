/**
 * The box's broker configuration as shipped (firmware/etc/mosquitto: conf.d/vipgate.conf and the ACL files
 * it names) in a real mosquitto: the loopback and LAN listeners moved to free loopback ports, the password
 * and ACL files to the broker's own directory (the ACL files copied unchanged), users added by the test.
 */
import { copyFileSync, readFileSync } from 'node:fs';
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

export async function startFirmwareBroker(users: Readonly<Record<string, string>>): Promise<FirmwareBroker> {
  const text = readFileSync(join(FIRMWARE, 'conf.d/vipgate.conf'), 'utf8');
  const lanPort = await freePort();
  const broker = await Mosquitto.start({
    config: (port, dir) => {
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
