/**
 * The configuration files the image ships are valid for the router's own parser: the vipgate.yaml the
 * user edits on the boot partition, and the examples in firmware/etc/vipgate.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/error.js';
import { parseRouterConfig } from '../../../src/config/router-config.js';
import { REPO } from '../../helpers/vipgate.js';

const files = ['boot/firmware/vipgate.yaml', 'etc/vipgate/router.example.yaml', 'etc/vipgate/seed.example.yaml'];

describe('shipped router configurations', () => {
  it.each(files)('firmware/%s parses with parseRouterConfig', (f) => {
    const cfg = parseRouterConfig(readFileSync(join(REPO, 'firmware', f), 'utf8'), f);
    expect(cfg.asn).toBeGreaterThan(0);
    expect(cfg.neighbors.length).toBeGreaterThan(0);
  });

  it('the boot partition template puts the control socket where the unit allows writes (/run/vipgate)', () => {
    const cfg = parseRouterConfig(readFileSync(join(REPO, 'firmware/boot/firmware/vipgate.yaml'), 'utf8'));
    expect(cfg.control.socket.startsWith('/run/vipgate/')).toBe(true);
  });

  it('the boot partition template turns the status page on for the LAN, the MQTT output to the local broker, the history on the card', () => {
    const cfg = parseRouterConfig(readFileSync(join(REPO, 'firmware/boot/firmware/vipgate.yaml'), 'utf8'));
    expect(cfg.web).toMatchObject({ address: '0.0.0.0', port: 80 });
    // the broker's anonymous listener is loopback only (firmware/etc/mosquitto/conf.d/vipgate.conf)
    const mosquitto = readFileSync(join(REPO, 'firmware/etc/mosquitto/conf.d/vipgate.conf'), 'utf8');
    const url = new URL(cfg.telemetry!.url);
    expect(mosquitto).toMatch(new RegExp(`^listener ${url.port} ${url.hostname.replaceAll('.', '\\.')}\\nallow_anonymous true$`, 'm'));
    expect(cfg.store!.path.startsWith('/var/lib/vipgate/')).toBe(true);
  });

  it('the template with a typo is refused, naming the field', () => {
    const text = readFileSync(join(REPO, 'firmware/boot/firmware/vipgate.yaml'), 'utf8').replace('maximumPaths:', 'maximumPath:');
    expect(() => parseRouterConfig(text)).toThrow(ConfigError);
    expect(() => parseRouterConfig(text)).toThrow(/maximumPath/);
  });
});
