/**
 * A node agent's MQTT telemetry against a real mosquitto on a free loopback port: a real Agent fed a
 * snapshot publishes its summary and one retained topic per Service (addresses, policy, local endpoints,
 * the peers it is announced to); a Service that goes is cleared; a retained Service left on the broker by an
 * earlier run is cleared on connect; a session state change is an event; a clean stop says "offline".
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectAsync } from 'mqtt';
import { Agent } from '../../../src/agent/agent.js';
import type { Snapshot } from '../../../src/agent/model.js';
import type { Source } from '../../../src/agent/source/source.js';
import { agentStatusSource } from '../../../src/agent/telemetry.js';
import { systemClock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/log.js';
import { AgentTelemetry, type AgentPeerState } from '../../../src/telemetry/agent-publisher.js';
import { config, node, slice, svc } from '../../unit/agent/build.js';
import { stopChild } from '../../helpers/daemons/process.js';
import { CLI } from '../../helpers/vipgate.js';
import { Mosquitto } from './mosquitto.js';
import { Watcher } from './watcher.js';
import { waitFor } from '../../helpers/netns.js';
import { lbService, manifests, readyEndpoints, readyNode } from '../../helpers/manifests.js';

const BASE = 'vipgate/home/n1';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

async function broker(): Promise<Mosquitto> {
  const b = await Mosquitto.start();
  cleanups.push(() => b.dispose());
  return b;
}

async function watcher(url: string): Promise<Watcher> {
  const w = await Watcher.connect(url, ['vipgate/#']);
  cleanups.push(() => w.close());
  return w;
}

/** A source whose snapshots the test pushes. */
function pushSource(first: Snapshot): Source & { push(s: Snapshot): void } {
  let on: ((s: Snapshot) => void) | undefined;
  return {
    kind: 'file',
    start: (cb) => { on = cb; cb(first); return Promise.resolve(); },
    stop: () => Promise.resolve(),
    push: (s) => on?.(s),
  };
}

describe('agent MQTT telemetry with mosquitto', () => {
  it('summary and one retained topic per Service; a Service that goes and a stale one are cleared; offline on stop', async () => {
    const b = await broker();
    // what an earlier run left retained on the broker
    const old = await connectAsync(b.url, { protocolVersion: 5 });
    await old.publishAsync(`${BASE}/services/default_gone`, JSON.stringify({ service: 'default/gone' }), { qos: 1, retain: true });
    await old.endAsync();

    const first: Snapshot = {
      services: [svc('web', { requestedIPs: ['172.20.1.1'] }), svc('db', { requestedIPs: ['172.20.1.2'], externalTrafficPolicy: 'Local' })],
      slices: [slice('db', { n1: 2, n2: 1 }), slice('web', { n2: 1 })],
      nodes: [node('n1'), node('n2')],
    };
    const source = pushSource(first);
    const agent = new Agent({ node: 'n1', config: config(`
asn: 64512
routerId: 10.0.0.1
peers: [{ address: 127.0.0.1, port: 9, asn: 64513, name: rtr }]
pools: [{ name: default, addresses: [172.20.1.0/24] }]
`), source, clock: systemClock, log: silentLogger() });
    cleanups.push(() => agent.stop());
    await agent.start();

    const w = await watcher(b.url);
    const t = new AgentTelemetry({ url: b.url, site: 'home', node: 'n1', intervalMs: 50 }, agentStatusSource(agent, 'n1'), systemClock, silentLogger());
    cleanups.push(() => t.stop());
    t.start();

    await w.waitFor(`${BASE}/status`, (p) => p === 'online');
    const web = await w.waitFor(`${BASE}/services/default_web`, (p) => p !== '');
    expect(JSON.parse(web.payload)).toEqual({ service: 'default/web', ips: ['172.20.1.1'], trafficPolicy: 'Cluster', localEndpoints: 0, announcedTo: ['rtr'] });
    expect(web.retain).toBe(false); // a live message; retained copies are for later subscribers
    const db = await w.waitFor(`${BASE}/services/default_db`, (p) => p !== '');
    expect(JSON.parse(db.payload)).toEqual({ service: 'default/db', ips: ['172.20.1.2'], trafficPolicy: 'Local', localEndpoints: 2, announcedTo: ['rtr'] });
    const summary = await w.waitFor(`${BASE}/agent`, (p) => p !== '');
    expect(JSON.parse(summary.payload)).toMatchObject({ node: 'n1', synced: true, peers: [{ name: 'rtr', address: '127.0.0.1' }] });
    await w.waitFor(`${BASE}/services/default_gone`, (p) => p === '');

    source.push({ ...first, services: [first.services[1]!] });
    await w.waitFor(`${BASE}/services/default_web`, (p) => p === '');
    // unchanged topics are not sent again
    expect(w.all(`${BASE}/services/default_db`)).toHaveLength(1);

    await t.stop();
    await w.waitFor(`${BASE}/status`, (p) => p === 'offline');
  }, 30_000);

  it('`vipgate agent` with a telemetry section publishes through the same code, as its node\'s MQTT user (the built CLI on loopback)', async () => {
    const b = await Mosquitto.start({ users: { n1: 'secret-of-n1', reader: 'r' } });
    cleanups.push(() => b.dispose());
    const w = await Watcher.connect(b.url, ['vipgate/#'], { username: 'reader', password: 'r' });
    cleanups.push(() => w.close());
    const dir = mkdtempSync(join(tmpdir(), 'vipgate-agent-mqtt-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'services.yaml'), manifests(readyNode('n1'), lbService('web', { ip: '172.20.1.1' }), readyEndpoints('web', 'n1')));
    writeFileSync(join(dir, 'agent.yaml'), `
asn: 64512
routerId: 10.0.0.1
peers: [{ address: 127.0.0.1, port: 9, asn: 64513, name: rtr }]
pools: [{ name: default, addresses: [172.20.1.0/24] }]
telemetry: { url: "${b.url}", site: home, intervalMs: 100, passwordFile: "${join(dir, 'mqtt-{node}')}" }
`);
    writeFileSync(join(dir, 'mqtt-n1'), 'secret-of-n1\n');
    const child = spawn(process.execPath, [CLI, 'agent', '--source', `file:${join(dir, 'services.yaml')}`, '--config', join(dir, 'agent.yaml'), '--node', 'n1', '--socket', join(dir, 'agent.sock')], { stdio: 'ignore' });
    cleanups.push(() => stopChild(child, 5000));
    await w.waitFor(`${BASE}/status`, (p) => p === 'online');
    const web = await w.waitFor(`${BASE}/services/default_web`, (p) => p !== '');
    expect(JSON.parse(web.payload)).toMatchObject({ service: 'default/web', ips: ['172.20.1.1'], announcedTo: ['rtr'] });
    await stopChild(child, 10_000);
    await w.waitFor(`${BASE}/status`, (p) => p === 'offline');
  }, 30_000);

  it('a session\'s state change and its BFD session\'s are events; the summary carries the BFD state', async () => {
    const b = await broker();
    const w = await watcher(b.url);
    const peers: AgentPeerState[] = [{ name: 'rtr', address: '192.168.10.254', state: 'Established', bfd: { state: 'Up', diagnostic: 'None' } }];
    const t = new AgentTelemetry({ url: b.url, site: 'home', node: 'n1', intervalMs: 50 }, { summary: () => Promise.resolve({ peers }), services: () => [] }, systemClock, silentLogger());
    cleanups.push(() => t.stop());
    t.start();
    const first = await w.waitFor(`${BASE}/agent`, (p) => p.includes('Established'));
    expect(JSON.parse(first.payload)).toMatchObject({ peers: [{ name: 'rtr', bfd: { state: 'Up' } }] });
    peers[0] = { ...peers[0]!, state: 'Idle', bfd: { state: 'Down', diagnostic: 'Control Detection Time Expired' } };
    await w.waitFor(`${BASE}/agent`, (p) => p.includes('"Down"'));
    await waitFor('two events', () => (w.all(`${BASE}/events`).length >= 2 ? true : undefined), 10_000);
    expect(w.all(`${BASE}/events`).map((e) => JSON.parse(e.payload) as object)).toEqual([
      expect.objectContaining({ type: 'peer', node: 'n1', peer: 'rtr', from: 'Established', to: 'Idle' }),
      expect.objectContaining({ type: 'bfd', node: 'n1', peer: 'rtr', from: 'Up', to: 'Down', diagnostic: 'Control Detection Time Expired' }),
    ]);
  }, 30_000);
});
