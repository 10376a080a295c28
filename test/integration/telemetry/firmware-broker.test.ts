/**
 * The box's broker configuration (firmware/etc/mosquitto/conf.d/vipgate.conf) in a real mosquitto, its
 * ports moved to free loopback ports: the router's loopback listener takes anonymous clients, the LAN
 * listener only clients with a password from the password file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../../helpers/vipgate.js';
import { addUser, freePort, Mosquitto } from './mosquitto.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => { for (const c of cleanups) await c(); });

describe('firmware mosquitto config', () => {
  it('anonymous on the loopback listener, password on the LAN listener', async () => {
    const text = readFileSync(join(REPO, 'firmware/etc/mosquitto/conf.d/vipgate.conf'), 'utf8');
    expect(text).toMatch(/^listener 1883 127\.0\.0\.1$/m);
    expect(text).toMatch(/^listener 1884$/m);
    const lanPort = await freePort();
    const broker = await Mosquitto.start({
      config: (port, dir) => {
        addUser(join(dir, 'passwd'), 'homeassistant', 'ha-password-1');
        return `user root\npersistence false\nlog_dest file ${join(dir, 'mosquitto.log')}\n${text
          .replace(/^listener 1883 127\.0\.0\.1$/m, `listener ${port} 127.0.0.1`)
          .replace(/^listener 1884$/m, `listener ${lanPort} 127.0.0.1`)
          .replaceAll('/etc/mosquitto/vipgate.passwd', join(dir, 'passwd'))}`;
      },
    });
    cleanups.push(() => broker.dispose());
    const local = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
    await local.endAsync();
    const lan = `mqtt://127.0.0.1:${lanPort}`;
    await expect(connectAsync(lan, { protocolVersion: 5, reconnectPeriod: 0 })).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
    await expect(connectAsync(lan, { protocolVersion: 5, reconnectPeriod: 0, username: 'homeassistant', password: 'wrong' })).rejects.toThrow();
    const ha = await connectAsync(lan, { protocolVersion: 5, reconnectPeriod: 0, username: 'homeassistant', password: 'ha-password-1' });
    expect(ha.connected).toBe(true);
    await ha.endAsync();
  });
});
