// The router configuration's optional telemetry, store and web sections: defaults, and errors naming the field.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/error.js';
import { parseRouterConfig } from '../../../src/config/router-config.js';

const HEAD = 'asn: 64513\nrouterId: 192.168.10.254\n';

function problems(yaml: string): string[] {
  try {
    parseRouterConfig(yaml);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  throw new Error('the configuration was accepted');
}

describe('telemetry, store and web config sections', () => {
  it('are off when absent', () => {
    const c = parseRouterConfig(HEAD);
    expect([c.telemetry, c.store, c.web]).toEqual([undefined, undefined, undefined]);
  });

  it('fill their defaults', () => {
    const c = parseRouterConfig(`${HEAD}telemetry: { url: "mqtt://127.0.0.1:1883" }\nstore: {}\nweb: {}\n`);
    expect(c.telemetry).toEqual({ url: 'mqtt://127.0.0.1:1883', site: 'home', coalesceMs: 250, queueLimit: 10_000, homeAssistant: 'homeassistant' });
    expect(c.store).toEqual({ path: '/var/lib/vipgate/history.db', flushMs: 1000, retentionDays: 30, maxSizeMb: 64, sampleSeconds: 60 });
    expect(c.web).toEqual({ address: '127.0.0.1', port: 8080 });
  });

  it('take TLS, credentials, no discovery and an admin token', () => {
    const c = parseRouterConfig(`${HEAD}telemetry:
  url: mqtts://broker.lan:8883
  username: vipgate
  password: s3cret
  tls: { ca: /etc/vipgate/ca.pem }
  homeAssistant: false
web: { address: "::", port: 80, adminToken: "0123456789abcdef" }
`);
    expect(c.telemetry).toMatchObject({ username: 'vipgate', password: 's3cret', tls: { ca: '/etc/vipgate/ca.pem', rejectUnauthorized: true }, homeAssistant: false });
    expect(c.web).toEqual({ address: '::', port: 80, adminToken: '0123456789abcdef' });
  });

  it('name the field of every mistake', () => {
    expect(problems(`${HEAD}telemetry: { url: "http://x" }\nweb: { port: 70000, adminToken: short, color: red }\nstore: { flushMs: 1 }\n`)).toEqual([
      'telemetry.url: must be mqtt://host[:port] or mqtts://host[:port], not "http://x"',
      expect.stringMatching(/^store\.flushMs: /),
      expect.stringMatching(/^web\.port: /),
      expect.stringMatching(/^web\.adminToken: /),
      'web.color: unknown field',
    ]);
  });
});
