/**
 * The agent's Prometheus metrics (src/agent/metrics.ts) from a real Agent fed a snapshot, with IPAM and a
 * stand-in IPVS data plane (this kernel has no IPVS; the VM harness tests the kernel side): sessions,
 * routes wanted, IPAM per pool, IPVS per real server, served on the agent's own listener, and promtool
 * finding nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '../../../src/agent/agent.js';
import { agentMetrics, poolSize, startAgentMetrics, type IpvsStatsSource } from '../../../src/agent/metrics.js';
import type { IpvsDataplaneStats } from '../../../src/agent/ipvs/dataplane.js';
import type { Snapshot } from '../../../src/agent/model.js';
import type { Source } from '../../../src/agent/source/source.js';
import { systemClock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/log.js';
import { vipgateVersion } from '../../../src/lib/version.js';
import { metricTypes, promtoolFindings } from '../../helpers/promtool.js';
import { config, node, svc, slice } from './build.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

const SNAPSHOT: Snapshot = {
  services: [svc('web', { requestedIPs: ['172.20.1.1'] }), svc('api'), svc('big', { requestedIPs: ['10.9.9.9'] })],
  // Cluster Services are announced while they have a ready endpoint somewhere
  slices: [slice('web', { n1: 1 }), slice('api', { n1: 1 })], nodes: [node('n1')],
};

const source = (s: Snapshot): Source => ({ kind: 'file', start: (cb) => { cb(s); return Promise.resolve(); }, stop: () => Promise.resolve() });

async function agent(): Promise<Agent> {
  const a = new Agent({ node: 'n1', config: config(`
asn: 64512
routerId: 10.0.0.1
peers: [{ address: 127.0.0.1, port: 9, asn: 64513, name: rtr }]
pools: [{ name: default, addresses: [172.20.1.0/24] }, { name: six, addresses: ["fd00::/120", "fd00::1:0-fd00::1:f"] }]
`), source: source(SNAPSHOT), clock: systemClock, log: silentLogger() });
  cleanups.push(() => a.stop());
  await a.start();
  return a;
}

const IPVS: IpvsDataplaneStats = {
  interface: 'vipgate-ipvs0', state: 'serving', desired: 2, problems: [], errors: [{ service: 'default/api', error: 'EINVAL' }], reconciles: 4,
  services: [{
    service: 'tcp:172.20.1.1:80', scheduler: 'rr', flags: 0, destinations: [{
      address: '10.42.0.5', port: 8080, weight: 1, activeConns: 2, inactiveConns: 1, persistentConns: 0, conns: 17,
      inPackets: 120, outPackets: 90, inBytes: 9000, outBytes: 64000, cps: 0, inPps: 0, outPps: 0, inBps: 0, outBps: 0,
    }],
  }],
};
const ipvs: IpvsStatsSource = { stats: () => Promise.resolve(IPVS) };

describe('agent metrics', () => {
  it('sessions, routes wanted, IPAM per pool and IPVS per real server', async () => {
    const text = await agentMetrics(await agent(), ipvs).metrics();
    for (const line of [
      `vipgate_build_info{version="${vipgateVersion()}",role="agent",nodejs_version="${process.versions.node}"} 1`,
      'vipgate_bgp_session_up{peer="rtr"} 0',
      'vipgate_bgp_session_state{peer="rtr",state="Established"} 0',
      'vipgate_bgp_established_transitions_total{peer="rtr"} 0',
      'vipgate_agent_routes_desired{peer="rtr"} 2',
      'vipgate_agent_synced 1',
      'vipgate_agent_leader 0',
      'vipgate_ipam_pool_addresses{pool="default"} 256',
      'vipgate_ipam_pool_addresses{pool="six"} 272',
      'vipgate_ipam_pool_assigned_addresses{pool="default"} 2',
      'vipgate_ipam_pool_assigned_addresses{pool="six"} 0',
      'vipgate_ipam_unassigned_services 1',
      'vipgate_ipvs_serving 1',
      'vipgate_ipvs_virtual_services 2',
      'vipgate_ipvs_service_errors 1',
      'vipgate_ipvs_reconcile_failing 0',
      'vipgate_ipvs_reconciles_total 4',
      'vipgate_ipvs_backend_connections_active{service="tcp:172.20.1.1:80",backend="10.42.0.5:8080"} 2',
      'vipgate_ipvs_backend_connections_total{service="tcp:172.20.1.1:80",backend="10.42.0.5:8080"} 17',
      'vipgate_ipvs_backend_outgoing_bytes_total{service="tcp:172.20.1.1:80",backend="10.42.0.5:8080"} 64000',
    ]) expect(text).toContain(line);
    expect(metricTypes(text).get('vipgate_ipvs_backend_incoming_packets_total')).toBe('counter');
    expect(promtoolFindings(text)).toEqual([]);
  });

  it('IPVS turned off while running (ipvs.enabled false at a reload): not serving, nothing wanted, no real servers', async () => {
    const text = await agentMetrics(await agent(), { stats: () => Promise.resolve(undefined) }).metrics();
    for (const line of ['vipgate_ipvs_serving 0', 'vipgate_ipvs_virtual_services 0']) expect(text).toContain(line);
    expect(text).not.toMatch(/^vipgate_ipvs_backend_\w+\{/m);
    expect(promtoolFindings(text)).toEqual([]);
  });

  it('no IPVS series without the IPVS data plane', async () => {
    const text = await agentMetrics(await agent(), undefined).metrics();
    expect(text).not.toContain('vipgate_ipvs_');
    expect(promtoolFindings(text)).toEqual([]);
  });

  it('served at /metrics on its own listener; anything else is 404', async () => {
    const m = await startAgentMetrics(await agent(), undefined, { address: '127.0.0.1', port: 0 });
    cleanups.push(() => m.close());
    const res = await fetch(m.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await res.text()).toContain('vipgate_agent_synced 1');
    expect((await fetch(m.url.replace('/metrics', '/'))).status).toBe(404);
    expect((await fetch(m.url, { method: 'POST' })).status).toBe(405);
  });

  it('pool sizes count inclusive ranges', () => {
    expect(poolSize(config().pools[0]!)).toBe(256 + 256);
  });
});
