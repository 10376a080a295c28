/**
 * The box's broker configuration (firmware/etc/mosquitto/conf.d/vipgate.conf) in a real mosquitto, its
 * ports moved to free loopback ports: the router's loopback listener takes anonymous clients, the LAN
 * listener only clients with a password from the password file.
 */
import { connectAsync } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { startFirmwareBroker } from './firmware-mosquitto.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => { for (const c of cleanups) await c(); });

describe('firmware mosquitto config', () => {
  it('anonymous on the loopback listener, password on the LAN listener', async () => {
    const { broker, text, lanUrl: lan } = await startFirmwareBroker({ homeassistant: 'ha-password-1' });
    expect(text).toMatch(/^listener 1883 127\.0\.0\.1$/m);
    expect(text).toMatch(/^listener 1884$/m);
    cleanups.push(() => broker.dispose());
    const local = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
    await local.endAsync();
    await expect(connectAsync(lan, { protocolVersion: 5, reconnectPeriod: 0 })).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
    await expect(connectAsync(lan, { protocolVersion: 5, reconnectPeriod: 0, username: 'homeassistant', password: 'wrong' })).rejects.toThrow();
    const ha = await connectAsync(lan, { protocolVersion: 5, reconnectPeriod: 0, username: 'homeassistant', password: 'ha-password-1' });
    expect(ha.connected).toBe(true);
    await ha.endAsync();
  });
});
