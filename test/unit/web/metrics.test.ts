/**
 * The router's /metrics as Prometheus reads it: every series the router keeps (sessions, BFD, probes, FIB
 * kernel requests and refusals, failovers, extra gauges and counters), the standard process/nodejs names
 * unprefixed, vipgate_build_info, and promtool's linter finding nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startWeb, type WebServer } from '../../../src/web/server.js';
import { vipgateVersion } from '../../../src/lib/version.js';
import { FakeRouter } from '../../e2e/fake-router.js';
import { metricTypes, promtoolFindings } from '../../helpers/promtool.js';

const VIP = '172.20.1.1/32';
const servers: WebServer[] = [];
afterEach(async () => { for (const s of servers.splice(0)) await s.close(); });

/** Start the page on `f`, then (events counted from now on) take 10.0.0.13 down, then scrape. */
async function scrape(f: FakeRouter, gauges: Parameters<typeof startWeb>[0]['gauges'] = []): Promise<string> {
  const s = await startWeb({ host: '127.0.0.1', port: 0, source: f, now: () => f.now, gauges });
  servers.push(s);
  f.down('10.0.0.13', 'bfd down', 250);
  const res = await fetch(`${s.url}/metrics`);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

function router(): FakeRouter {
  const f = FakeRouter.withNodes(VIP, [1, 2, 3]);
  f.fibErrors = 3;
  f.kernel = {
    fibOperations: [{ object: 'route', op: 'replace', count: 5 }, { object: 'group', op: 'replace', count: 2 }, { object: 'nexthop', op: 'add', count: 3 }],
    fibKernelErrors: [{ object: 'route', op: 'replace', code: 'ENETUNREACH', count: 2 }],
  };
  const bfd = { remoteState: 'Up', diagnostic: 'none', txIntervalMs: 100, detectionTimeMs: 300 };
  f.bfdView = {
    sessions: [{ peer: '10.0.0.11', state: 'Up', transitions: 3, flaps: 1, ...bfd }, { peer: '10.0.0.13', state: 'Down', transitions: 4, flaps: 2, ...bfd }],
    probes: [{ address: '10.0.0.12', up: false, missed: 3, answered: 0 }],
    services: [{ prefix: '172.20.1.1/32', nexthop: '10.0.0.12', up: false, failed: 3, passed: 0, checks: 9, lastError: '80: ECONNREFUSED' }],
  };
  return f;
}

describe('router metrics', () => {
  it('sessions, BFD, probes, FIB kernel requests and refusals, failovers, extra gauges and counters', async () => {
    const text = await scrape(router(), [
      { name: 'vipgate_history_dropped_rows_total', kind: 'counter', help: 'rows dropped', value: () => 7 },
      { name: 'vipgate_mqtt_queued_messages', help: 'queued', value: () => 4 },
    ]);
    for (const line of [
      'vipgate_bgp_session_state{peer="10.0.0.11",state="Established"} 1',
      'vipgate_bgp_session_state{peer="10.0.0.13",state="Established"} 0',
      'vipgate_bgp_session_state{peer="10.0.0.13",state="Idle"} 1',
      'vipgate_bgp_session_up{peer="10.0.0.12"} 1',
      'vipgate_bgp_session_up{peer="10.0.0.13"} 0',
      'vipgate_bgp_peer_info{peer="10.0.0.11",address="10.0.0.11",remote_as="64512",hostname="node1"} 1',
      'vipgate_bgp_prefixes_accepted{peer="10.0.0.12"} 1',
      'vipgate_bgp_established_transitions_total{peer="10.0.0.11"} 1',
      'vipgate_bgp_messages_received_total{peer="10.0.0.11"} 10',
      'vipgate_bfd_session_state{peer="10.0.0.13",state="Down"} 1',
      'vipgate_bfd_session_state{peer="10.0.0.13",state="Up"} 0',
      'vipgate_bfd_session_up{peer="10.0.0.11"} 1',
      'vipgate_bfd_session_up{peer="10.0.0.13"} 0',
      'vipgate_bfd_session_flaps_total{peer="10.0.0.13"} 2',
      'vipgate_bfd_session_transitions_total{peer="10.0.0.11"} 3',
      'vipgate_bfd_detection_time_seconds{peer="10.0.0.11"} 0.3',
      'vipgate_probe_up{address="10.0.0.12"} 0',
      'vipgate_service_path_up{prefix="172.20.1.1/32",nexthop="10.0.0.12"} 0',
      'vipgate_service_path_checks_total{prefix="172.20.1.1/32",nexthop="10.0.0.12"} 9',
      'vipgate_routes_installed 1',
      'vipgate_fib_operations_total{object="route",op="replace"} 5',
      'vipgate_fib_operations_total{object="group",op="replace"} 2',
      'vipgate_fib_errors_total{object="route",op="replace",code="ENETUNREACH"} 2',
      'vipgate_fib_route_failures_total 3',
      'vipgate_failover_duration_seconds_bucket{le="0.25"} 1',
      'vipgate_failover_duration_seconds_bucket{le="0.1"} 0',
      'vipgate_bgp_state_changes_total{peer="10.0.0.13",to="Idle"} 1',
      'vipgate_history_dropped_rows_total 7',
      'vipgate_mqtt_queued_messages 4',
      `vipgate_build_info{version="${vipgateVersion()}",role="router",nodejs_version="${process.versions.node}"} 1`,
    ]) expect(text).toContain(line);
    const types = metricTypes(text);
    expect(types.get('vipgate_history_dropped_rows_total')).toBe('counter');
    expect(types.get('vipgate_bgp_established_transitions_total')).toBe('counter');
    expect(types.get('vipgate_fib_errors_total')).toBe('counter');
  });

  it('standard process_* and nodejs_* names, without a prefix', async () => {
    const types = metricTypes(await scrape(router()));
    for (const n of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes', 'nodejs_gc_duration_seconds', 'nodejs_version_info', 'nodejs_active_handles']) expect(types.has(n), n).toBe(true);
    expect([...types.keys()].filter((n) => n.startsWith('vipgate_process_') || n.startsWith('vipgate_nodejs_'))).toEqual([]);
    // prom-client's gauges named like counters are left out (sum(nodejs_active_handles) gives the same)
    expect(types.has('nodejs_active_handles_total')).toBe(false);
  });

  it('a peer that goes leaves no series behind', async () => {
    const f = router();
    f.nodes.delete('10.0.0.12');
    const text = await scrape(f);
    expect(text).not.toMatch(/vipgate_bgp_session_up\{peer="10\.0\.0\.12"\}/);
    expect(text).toContain('vipgate_bgp_session_up{peer="10.0.0.11"} 1');
  });

  it('promtool check metrics finds nothing', async () => {
    const text = await scrape(router(), [{ name: 'vipgate_mqtt_dropped_messages_total', kind: 'counter', help: 'dropped', value: () => 1 }]);
    expect(promtoolFindings(text)).toEqual([]);
  });

  it('promtool does find what the old names did wrong (the check can fail)', () => {
    const old = '# HELP vipgate_bgp_established_transitions Times\n# TYPE vipgate_bgp_established_transitions counter\nvipgate_bgp_established_transitions 1\n'
      + '# HELP vipgate_nodejs_active_handles_total Handles\n# TYPE vipgate_nodejs_active_handles_total gauge\nvipgate_nodejs_active_handles_total 3\n';
    const findings = promtoolFindings(old).join('\n');
    expect(findings).toMatch(/counter metrics should have "_total" suffix/);
    expect(findings).toMatch(/non-counter metrics should not have "_total" suffix/);
  });
});
