/**
 * No secret leaves the router: a run configured with a TCP MD5 password (RFC 2385) per neighbor, an MQTT
 * password and a web admin token, at log level trace, exercised end to end (an MD5 session up and a second
 * MD5 neighbor that never answers, telemetry to a password-protected mosquitto, every web page, an admin
 * login and session resets through the form and the bearer API, a clean stop). Then every output is searched
 * for each secret, as text, hex and base64: the router's and the peer's logs, every MQTT message the broker
 * carried (retained ones included), and every web answer (bodies and headers).
 */
import { writeFileSync, mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, Netlab, waitFor } from '../helpers/netns.js';
import { REPO, VipgateRouter } from '../helpers/vipgate.js';
import { addUser } from '../integration/telemetry/mosquitto.js';

const SECRETS = { md5: 'md5-Secret-7f3a91', md5Absent: 'md5-Other-22c4e0', mqtt: 'mqtt-Secret-91bc07', admin: 'admin-Token-5d2e88aa' } as const;
const RTR = '10.91.0.1';
const PEER = '10.91.0.2';
const ABSENT = '10.91.0.3';
const NETWORK = '198.51.100.0/24';
const MQTT_PORT = 1883;
const WEB_PORT = 8080;

function variants(secret: string): string[] {
  const b = Buffer.from(secret);
  return [secret, b.toString('hex'), b.toString('base64'), b.toString('base64url'), encodeURIComponent(secret)];
}

describe.runIf(isRoot())('secrets never reach a log, an MQTT message or the status page', () => {
  const lab = new Netlab();
  const dir = mkdtempSync(join(tmpdir(), 'vipgate-secrets-'));
  let rtrNs: string;
  let router: VipgateRouter;
  let peer: VipgateRouter;
  const mqtt: string[] = [];

  beforeAll(async () => {
    rtrNs = lab.ns('rtr');
    const peerNs = lab.ns('peer');
    lab.link(rtrNs, [`${RTR}/24`], peerNs, [`${PEER}/24`], 'p');

    const passwd = join(dir, 'passwd');
    addUser(passwd, 'vipgate', SECRETS.mqtt);
    addUser(passwd, 'watcher', 'watcher-pw');
    writeFileSync(join(dir, 'mosquitto.conf'), [
      `listener ${MQTT_PORT} 127.0.0.1`, 'allow_anonymous false', `password_file ${passwd}`, 'persistence false', 'user root',
      `log_dest file ${join(dir, 'mosquitto.log')}`, '',
    ].join('\n'));
    lab.spawn(rtrNs, 'mosquitto', ['-c', join(dir, 'mosquitto.conf')]);
    await waitFor('mosquitto listening', () => (lab.exec(rtrNs, 'ss', ['-ltnH', `sport = :${MQTT_PORT}`]).trim() ? true : undefined), 10_000);
    const sub = lab.spawn(rtrNs, process.execPath, ['--import', 'tsx', join(REPO, 'test/fault/fixtures/mqtt-dump.ts'), `mqtt://127.0.0.1:${MQTT_PORT}`, 'watcher', 'watcher-pw'], { cwd: REPO });
    sub.stdout!.setEncoding('utf8').on('data', (c: string) => mqtt.push(c));
    await waitFor('the MQTT watcher subscribed', () => (mqtt.join('').includes('subscribed') ? true : undefined), 15_000);

    router = await VipgateRouter.start(lab, rtrNs, [
      'asn: 64513', `routerId: ${RTR}`, 'neighbors:',
      `  - { address: ${PEER}, remoteAs: 65001, password: ${SECRETS.md5}, import: all, connectRetry: 1 }`,
      `  - { address: ${ABSENT}, remoteAs: 65003, password: ${SECRETS.md5Absent}, connectRetry: 1 }`,
      `telemetry: { url: "mqtt://127.0.0.1:${MQTT_PORT}", site: lab, host: rtr, username: vipgate, password: ${SECRETS.mqtt}, coalesceMs: 50 }`,
      `web: { address: 127.0.0.1, port: ${WEB_PORT}, adminToken: ${SECRETS.admin} }`, '',
    ].join('\n'), ['--log-level', 'trace']);
    peer = await VipgateRouter.start(lab, peerNs, [
      'asn: 65001', `routerId: ${PEER}`, `networks: [${NETWORK}]`, 'neighbors:',
      `  - { address: ${RTR}, remoteAs: 64513, password: ${SECRETS.md5}, import: none, export: all, connectRetry: 1 }`, '',
    ].join('\n'), ['--no-fib', '--log-level', 'trace']);
  });

  afterAll(async () => {
    await router?.dispose();
    await peer?.dispose();
    await lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs with every secret in use, then none of them appears anywhere', async () => {
    // the secrets are in use: MD5 session up, telemetry through the password-protected broker
    await router.waitPeerState(PEER, 'Established');
    await waitFor('the peer\'s route on MQTT', () => (mqtt.join('').includes('198.51.100.0') ? true : undefined), 20_000);

    const web = JSON.parse(lab.exec(rtrNs, process.execPath, ['--import', 'tsx', join(REPO, 'test/fault/fixtures/web-client.ts'), `http://127.0.0.1:${WEB_PORT}`, SECRETS.admin, NETWORK])) as
      Record<string, { status: number; headers: Record<string, string>; body: string }>;
    expect(web['/']!.status).toBe(200);
    expect(web['/metrics']!.body).toMatch(/\n/);
    expect(web['/admin/login']!.status).toBe(303);
    expect(web['/admin']!.body).toMatch(/Reset all sessions/);
    expect(web['/admin/clear']!.status).toBe(303);
    expect(web['/api/clear']!.status).toBe(200);
    // the resets happened and the session came back (more logs and events to search)
    await router.waitPeerState(PEER, 'Established');
    await router.stop('SIGTERM');
    await peer.stop('SIGTERM');

    const outputs: Record<string, string> = {
      'router log': router.log(), 'peer log': peer.log(), 'MQTT messages': mqtt.join(''),
      'web answers': JSON.stringify(web),
    };
    expect(outputs['router log']).toMatch(/Established/);
    expect(outputs['router log']!.split('\n').length).toBeGreaterThan(20);
    expect(outputs['MQTT messages']).toMatch(/vipgate\/lab\/rtr\//);
    const leaks: string[] = [];
    for (const [where, text] of Object.entries(outputs)) {
      for (const [name, secret] of Object.entries(SECRETS)) {
        for (const v of variants(secret)) if (text.includes(v)) leaks.push(`${name} secret (${v}) in the ${where}`);
      }
    }
    expect(leaks).toEqual([]);
    console.log(`secrets: searched ${Object.entries(outputs).map(([k, v]) => `${k} ${v.length} B`).join(', ')}; `
      + `mosquitto saw ${readFileSync(join(dir, 'mosquitto.log'), 'utf8').split('\n').filter((l) => l.includes('New client connected')).length} client connections`);
  }, 90_000);
});
