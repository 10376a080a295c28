/**
 * The router's view of the node agents through a real mosquitto on a free loopback port: the router's
 * publisher connection (MqttTelemetry) also feeds a ClusterView, which an AgentTelemetry fills (summary,
 * Services, a Service that goes, "offline" on stop); hostile raw publishes (not JSON, a Service payload over
 * its limit, a 2 MiB message past the connection's MQTT 5 maximum packet size, which the broker does not
 * deliver) are ignored and counted while the router keeps publishing; after a broker restart the view
 * starts again from what the agent republishes.
 */
import { connectAsync } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/log.js';
import { AgentTelemetry, type AgentServiceState } from '../../../src/telemetry/agent-publisher.js';
import { CLUSTER_LIMITS, watchCluster, type ClusterView } from '../../../src/telemetry/cluster-view.js';
import { startTelemetry } from '../../../src/telemetry/publisher.js';
import { FakeRouter } from '../../e2e/fake-router.js';
import { waitFor } from '../../helpers/netns.js';
import { Mosquitto } from './mosquitto.js';
import { Watcher } from './watcher.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

/** An agent whose state the test sets. */
function agentState() {
  const state = {
    peers: [{ name: 'rtr', address: '127.0.0.1', state: 'Established' }],
    services: [
      { service: 'default/web', ips: ['172.20.1.1'], trafficPolicy: 'Cluster', localEndpoints: 2, announcedTo: ['rtr'] },
      { service: 'default/db', ips: ['172.20.1.2'], trafficPolicy: 'Local', localEndpoints: 1, announcedTo: ['rtr'] },
    ] as AgentServiceState[],
  };
  const source = {
    summary: () => Promise.resolve({ node: 'node1', synced: true, leader: true, stopMode: 'graceful', peers: state.peers, assignments: {}, failures: {} }),
    services: () => state.services,
  };
  return { state, source };
}

async function routerWithView(url: string): Promise<ClusterView> {
  const t = await startTelemetry({
    url, site: 'home', host: 'pi', coalesceMs: 20, reconnectMs: 200, maximumPacketSize: CLUSTER_LIMITS.maxAgentBytes + 4096,
  }, FakeRouter.withNodes('172.20.1.1/32', [1]), systemClock, silentLogger());
  cleanups.push(() => t.stop());
  return watchCluster(t, 'home', 'pi');
}

const node = (v: ClusterView, name: string) => v.report().nodes.find((n) => n.node === name);

describe('cluster view with mosquitto', () => {
  it('an agent\'s reports reach the router\'s view; hostile publishes are ignored and counted; a broker restart starts it again', async () => {
    const b = await Mosquitto.start();
    cleanups.push(() => b.dispose());
    const view = await routerWithView(b.url);
    const { state, source } = agentState();
    const agent = new AgentTelemetry({ url: b.url, site: 'home', node: 'node1', intervalMs: 50, reconnectMs: 200 }, source, systemClock, silentLogger());
    cleanups.push(() => agent.stop());
    agent.start();

    const first = await waitFor('node1 in the router\'s view', () => {
      const n = node(view, 'node1');
      return n?.status === 'online' && n.agent && n.services.length === 2 ? n : undefined;
    }, 15_000);
    expect(first.agent).toMatchObject({ synced: true, leader: true, stopMode: 'graceful', peers: [{ name: 'rtr', address: '127.0.0.1', state: 'Established' }] });
    expect(first.services.map((s) => `${s.service} ${s.ips.join()} ${s.trafficPolicy} ${s.localEndpoints} ${s.announcedTo.join()}`))
      .toEqual(['default/db 172.20.1.2 Local 1 rtr', 'default/web 172.20.1.1 Cluster 2 rtr']);
    // the router's own status topic is not a node
    expect(view.report().nodes.map((n) => n.node)).toEqual(['node1']);

    state.services = state.services.slice(0, 1);
    await waitFor('default/db gone from the view', () => (node(view, 'node1')?.services.length === 1 || undefined), 15_000);

    const w = await Watcher.connect(b.url, ['vipgate/home/pi/summary']);
    cleanups.push(() => w.close());
    const evil = await connectAsync(b.url, { protocolVersion: 5 });
    cleanups.push(() => evil.endAsync(true));
    await evil.publishAsync('vipgate/home/evil/agent', '{"synced": tru', { qos: 1, retain: true });
    await evil.publishAsync('vipgate/home/evil/services/x', JSON.stringify({ service: 'x'.repeat(20_000) }), { qos: 1, retain: true });
    await evil.publishAsync('vipgate/home/evil/agent', Buffer.alloc(2 * 1024 * 1024, 0x7b), { qos: 1, retain: true });
    await evil.publishAsync('vipgate/home/evil/status', 'sometimes', { qos: 1, retain: true });
    const ignored = await waitFor('the hostile messages counted', () => {
      const r = view.report().ignored;
      return r.malformed === 2 && r.oversized === 1 ? r : undefined;
    }, 15_000);
    expect(ignored.overLimit).toBe(0);
    expect(node(view, 'evil')).toBeUndefined();
    // the router's connection is still up and publishing
    await w.waitFor('vipgate/home/pi/summary', (p) => JSON.parse(p).peers === 1);
    expect(view.report().connected).toBe(true);

    await b.stop();
    await waitFor('the router sees the broker gone', () => (!view.report().connected || undefined), 15_000);
    await b.launch();
    // the broker lost its retained messages (no persistence): the view starts again from what the agent republishes
    const again = await waitFor('node1 back after the broker restart', () => {
      const r = view.report();
      return r.connected && node(view, 'node1')?.status === 'online' && node(view, 'node1')?.services.length === 1 ? r : undefined;
    }, 30_000);
    expect(again.nodes.map((n) => n.node)).toEqual(['node1']);

    await agent.stop();
    await waitFor('node1 offline in the view', () => (node(view, 'node1')?.status === 'offline' || undefined), 15_000);
  });
});
