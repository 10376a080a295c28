/**
 * Prometheus against a live router and a live agent (the built processes, in namespaces made by the test):
 * the router (web page, history, MQTT to a mosquitto beside it, BFD with n1, probing n2, n3 configured but
 * never up) and n1's agent (BFD, metrics, telemetry). Both /metrics pass `promtool check metrics` with no
 * finding; the series a dashboard needs are there with the values the processes report elsewhere; every
 * query of the Grafana dashboard in dashboards/ names a metric the live router exposes.
 * Needs root (namespaces) and `npm run build` (the processes run dist/).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/netns.js';
import { requireProgram } from '../../helpers/programs.js';
import { metricTypes, promtoolFindings, sampleNames } from '../../helpers/promtool.js';
import { REPO, VipgateRouter } from '../../helpers/vipgate.js';
import { VipgateAgent } from '../../helpers/vipgate-agent.js';
import { lbService, manifests, readyEndpoint, readyNode } from '../../helpers/manifests.js';
import { NODES, ROUTER, seedLab, type SeedLab } from '../router/seed-topology.js';
import { dashboardQueries, metricNamesIn } from './dashboard.js';

const VIP = '172.20.1.1';
const [N1, N2, N3] = NODES;
const BFD = 'bfd: { minRx: 100, minTx: 100, multiplier: 3 }';

describe('metrics of a live router and agent', () => {
  let s: SeedLab;
  let router: VipgateRouter;
  let agent: VipgateAgent;
  let dir: string;

  const curl = (ns: string, url: string): string => s.lab.exec(ns, requireProgram('curl'), ['-sf', '--max-time', '10', url]);
  const routerMetrics = (): string => curl(s.router, `http://${ROUTER}:8080/metrics`);
  const agentMetrics = (): string => curl(s.nodes[N1.name]!, `http://${N1.address}:7473/metrics`);

  beforeAll(async () => {
    s = seedLab([VIP]);
    dir = mkdtempSync(join(tmpdir(), 'vg-metrics-'));
    writeFileSync(join(dir, 'mosquitto.conf'), `listener 1883 ${ROUTER}\nallow_anonymous true\npersistence false\nuser root\n`);
    s.lab.spawn(s.router, requireProgram('mosquitto'), ['-c', join(dir, 'mosquitto.conf')]);
    router = await VipgateRouter.start(s.lab, s.router, `
asn: 64513
routerId: ${ROUTER}
maximumPaths: 4
neighbors:
  - { address: ${N1.address}, group: nodes, ${BFD} }
  - { address: ${N2.address}, group: nodes, probe: { intervalMs: 200 } }
  - { address: ${N3.address}, group: nodes }
groups:
  nodes: { remoteAs: 65001, import: all, export: none, connectRetry: 1 }
web: { address: ${ROUTER}, port: 8080 }
store: { path: ${join(dir, 'history.db')}, sampleSeconds: 1 }
telemetry: { url: "mqtt://${ROUTER}:1883", host: k8s-rtr }
`);
    const work = VipgateAgent.workDir(manifests(readyNode(N1.name), lbService('web', { ip: VIP }), readyEndpoint('web', N1.name)));
    agent = new VipgateAgent(s.lab, s.nodes[N1.name]!, N1.name, work.dir, work.services);
    agent.writeConfig(`
asn: 65001
routerId: ${N1.address}
peers: [{ address: ${ROUTER}, asn: 64513, name: router, connectRetry: 1, ${BFD} }]
pools: [{ name: default, addresses: [172.20.1.0/24] }]
gracefulShutdown: { drainSeconds: 0 }
gracefulRestart: { enabled: false, stateDir: ${join(work.dir, 'state')} }
metrics: { address: ${N1.address} }
telemetry: { url: "mqtt://${ROUTER}:1883" }
`);
    agent.launch();
    await router.waitPeerState(N1.address, 'Established', 30_000);
    await waitFor('BFD up on both sides and the probe answered', () => {
      const r = routerMetrics();
      const a = agentMetrics();
      // the kernel gets the route when the startup hold ends (fib.startupHold: n3 never comes up)
      return r.includes(`vipgate_bfd_session_up{peer="${N1.address}"} 1`) && r.includes(`vipgate_probe_up{address="${N2.address}"} 1`) && r.includes('vipgate_routes_installed 1')
        && r.includes('vipgate_mqtt_connected 1') && a.includes('vipgate_bfd_session_up{peer="router"} 1') ? true : undefined;
    }, 30_000, 250);
  }, 90_000);

  afterAll(async () => {
    await agent?.stop('SIGKILL');
    await router?.dispose();
    await s?.lab.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the router\'s /metrics: promtool finds nothing; sessions, BFD, probes, FIB requests, MQTT, history', () => {
    const text = routerMetrics();
    expect(promtoolFindings(text)).toEqual([]);
    for (const line of [
      `vipgate_bgp_session_up{peer="${N1.address}"} 1`,
      `vipgate_bgp_session_up{peer="${N3.address}"} 0`,
      `vipgate_bgp_prefixes_accepted{peer="${N1.address}"} 1`,
      `vipgate_bgp_peer_info{peer="${N1.address}",address="${N1.address}",remote_as="65001",hostname="${N1.name}"} 1`,
      `vipgate_bfd_session_state{peer="${N1.address}",state="Up"} 1`,
      `vipgate_probe_up{address="${N2.address}"} 1`,
      'vipgate_routes_installed 1',
      'vipgate_mqtt_connected 1',
      'vipgate_history_stopped 0',
    ]) expect(text).toContain(line);
    expect(text).toMatch(/^vipgate_build_info\{version="[^"]+",role="router",nodejs_version="[^"]+"\} 1$/m);
    // one route through one next hop: at least a nexthop object, a group and the route went to the kernel
    for (const [object, op] of [['nexthop', 'add'], ['group', 'add'], ['route', 'replace']]) {
      expect(Number(new RegExp(`^vipgate_fib_operations_total\\{object="${object}",op="${op}"\\} (\\d+)$`, 'm').exec(text)?.[1])).toBeGreaterThanOrEqual(1);
    }
    expect(text).toMatch(/^process_resident_memory_bytes \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
  });

  it('the agent\'s /metrics: promtool finds nothing; its session, BFD, routes and IPAM', () => {
    const text = agentMetrics();
    expect(promtoolFindings(text)).toEqual([]);
    for (const line of [
      'vipgate_bgp_session_up{peer="router"} 1',
      'vipgate_bgp_prefixes_sent{peer="router"} 1',
      'vipgate_bfd_session_up{peer="router"} 1',
      'vipgate_agent_routes_desired{peer="router"} 1',
      'vipgate_agent_synced 1',
      'vipgate_ipam_pool_addresses{pool="default"} 256',
      'vipgate_ipam_pool_assigned_addresses{pool="default"} 1',
    ]) expect(text).toContain(line);
    expect(text).toMatch(/^vipgate_build_info\{version="[^"]+",role="agent",nodejs_version="[^"]+"\} 1$/m);
  });

  it('every query of the Grafana dashboard names metrics the live router exposes', () => {
    // a series present, or its family declared (# TYPE: a counter by error code with no error yet has no series)
    const text = routerMetrics();
    const live = new Set([...sampleNames(text), ...[...metricTypes(text)].flatMap(([n, t]) => (t === 'histogram' ? [`${n}_bucket`, `${n}_sum`, `${n}_count`] : [n]))]);
    const dashboard = JSON.parse(readFileSync(join(REPO, 'dashboards', 'vipgate-router.json'), 'utf8')) as unknown;
    const queries = dashboardQueries(dashboard);
    expect(queries.length).toBeGreaterThanOrEqual(15);
    for (const q of queries) {
      const names = metricNamesIn(q.expr);
      expect(names.length, `${q.panel}: ${q.expr} names no metric`).toBeGreaterThan(0);
      for (const n of names) expect(live.has(n), `${q.panel}: ${n} is not on the live router`).toBe(true);
    }
  });
});
