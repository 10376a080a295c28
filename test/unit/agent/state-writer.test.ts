/**
 * The state the agent writes into Kubernetes: state-plan.ts (what, from the agent's state: Events on
 * transitions, the allocation annotation under both prefixes, ServiceBGPStatus per announced Service,
 * ConfigurationState) and state-writer.ts (how: a token bucket, the newest write per object, a bounded
 * Event queue, retries with backoff, this node's ServiceBGPStatus objects listed at the start), on a fake
 * clock against a recording StateApi that can fail. update() never waits for a request.
 */
import { describe, expect, it } from 'vitest';
import { bgpStatusName, planState, type BgpStatus, type StateInput } from '../../../src/agent/k8s/state-plan.js';
import { StateWriter, type StateApi } from '../../../src/agent/k8s/state-writer.js';
import type { ServiceReport } from '../../../src/agent/state.js';
import { FakeClock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/log.js';
import { svc } from './build.js';

const VALID = { valid: true, errors: [], warnings: [] };
const report = (name: string, o: Partial<ServiceReport> = {}): ServiceReport => ({
  key: `default/${name}`, service: svc(name, { uid: `uid-${name}` }), ours: true, ips: [], peers: [], localEndpoints: 0, ...o,
});
const input = (services: ServiceReport[], o: Partial<StateInput> = {}): StateInput => ({ node: 'n1', leader: true, services, config: VALID, ...o });

describe('planState', () => {
  it('a new assignment: IPAllocated and both annotations; announced: nodeAssigned and a ServiceBGPStatus', () => {
    const p = planState(input([report('web', { ips: ['172.20.1.1'], pool: 'default', peers: ['r1', 'r2'] })]), undefined);
    expect(p.events.map((e) => `${e.type} ${e.reason}: ${e.message}`)).toEqual([
      'Normal IPAllocated: Assigned IP ["172.20.1.1"]',
      'Normal nodeAssigned: announcing from node "n1" with protocol "bgp" to r1, r2',
    ]);
    expect(p.events[0]).toMatchObject({ namespace: 'default', name: 'web', uid: 'uid-web' });
    expect([...p.annotations.values()]).toEqual([{ namespace: 'default', name: 'web', set: { 'metallb.io/ip-allocated-from-pool': 'default', 'metallb.universe.tf/ip-allocated-from-pool': 'default' } }]);
    expect([...p.bgpStatuses]).toEqual([[bgpStatusName('default', 'web', 'n1'), {
      labels: { 'metallb.io/node': 'n1', 'metallb.io/service-name': 'web', 'metallb.io/service-namespace': 'default' },
      status: { node: 'n1', serviceName: 'web', serviceNamespace: 'default', peers: ['r1', 'r2'] },
    }]]);
    expect([...p.configStates.keys()]).toEqual(['speaker-n1', 'controller']);
  });

  it('an adopted address is no allocation; a follower writes neither annotations nor allocation Events nor the controller state', () => {
    const adopted = report('web', { ips: ['172.20.1.1'], pool: 'default', service: svc('web', { ingressIPs: ['172.20.1.1'], allocatedFrom: { 'metallb.io/ip-allocated-from-pool': 'default', 'metallb.universe.tf/ip-allocated-from-pool': 'default' } }) });
    expect(planState(input([adopted]), undefined)).toMatchObject({ events: [], annotations: new Map() });
    const follower = planState(input([report('web', { ips: ['172.20.1.1'], pool: 'default', failure: undefined })], { leader: false }), undefined);
    expect([follower.events, follower.annotations.size, [...follower.configStates.keys()]]).toEqual([[], 0, ['speaker-n1']]);
  });

  it('AllocationFailed once per reason (Warning); a withdrawal gives nodeWithdrawn with the reason, the annotation goes', () => {
    const failed = report('bad', { failure: 'no free address of family IPv4 in "default"', service: svc('bad', { allocatedFrom: { 'metallb.io/ip-allocated-from-pool': 'old' } }) });
    const first = input([failed, report('web', { ips: ['172.20.1.1'], pool: 'default', peers: ['r1'] })]);
    const p1 = planState(first, undefined);
    expect(p1.events.filter((e) => e.type === 'Warning').map((e) => e.message)).toEqual(['Failed to allocate IP for "default/bad": no free address of family IPv4 in "default"']);
    expect(p1.annotations.get('default/bad')?.set).toEqual({ 'metallb.io/ip-allocated-from-pool': null });
    const second = input([failed, report('web', { ips: ['172.20.1.1'], pool: 'default', reason: 'noEndpoints: the Service has no ready endpoint on any node' })]);
    const p2 = planState(second, first);
    expect(p2.events.map((e) => `${e.reason}: ${e.message}`)).toEqual(['nodeWithdrawn: withdrawn from node "n1": noEndpoints: the Service has no ready endpoint on any node']);
    expect(p2.bgpStatuses.size).toBe(0);
    expect(planState(input([]), second).events).toEqual([]);
    expect(planState(input([]), first).events.map((e) => e.message)).toEqual(['withdrawn from node "n1": the Service is gone']);
  });

  it('ConfigurationState: Invalid with the errors as errorSummary and a False condition', () => {
    const p = planState(input([], { config: { valid: false, errors: ['BGPPeer/r.spec.peerASN: required', 'peers: none'], warnings: [] } }), undefined);
    expect(p.configStates.get('speaker-n1')).toEqual({
      labels: { 'metallb.io/component-type': 'speaker', 'metallb.io/node-name': 'n1' },
      status: { result: 'Invalid', errorSummary: 'BGPPeer/r.spec.peerASN: required\npeers: none', condition: { type: 'configReconcilerValid', status: 'False', reason: 'ConfigurationError', message: 'BGPPeer/r.spec.peerASN: required\npeers: none' } },
    });
  });
});

/** A StateApi that records each call and fails while `down` is set. */
function recordingApi(existing: [string, BgpStatus][] = []) {
  const calls: string[] = [];
  const state = { down: false, listFails: 0 };
  const call = (what: string): Promise<void> => {
    if (state.down) return Promise.reject(new Error('connect ECONNREFUSED'));
    calls.push(what);
    return Promise.resolve();
  };
  const api: StateApi = {
    createEvent: (e) => call(`event ${e.name} ${e.reason}`),
    patchServiceAnnotations: (_ns, name, set) => call(`annotate ${name} ${JSON.stringify(set)}`),
    listServiceBGPStatuses: () => (state.listFails-- > 0 ? Promise.reject(new Error('403')) : Promise.resolve(new Map(existing))),
    putServiceBGPStatus: (name, _l, s) => call(`bgp ${name} ${s.peers.join(',')}`),
    deleteServiceBGPStatus: (name) => call(`delete ${name}`),
    putConfigurationState: (name, _l, s) => call(`config ${name} ${s.result}`),
  };
  return { api, calls, state };
}

async function advance(clock: FakeClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 10) {
    clock.advance(10);
    for (let i = 0; i < 5; i++) await Promise.resolve();
  }
}

describe('StateWriter', () => {
  it('writes at most the burst at once, then writesPerSecond', async () => {
    const clock = new FakeClock(0);
    const { api, calls } = recordingApi();
    const w = new StateWriter(api, 'n1', clock, silentLogger(), { writesPerSecond: 5, burst: 5 });
    w.start();
    w.update(input(Array.from({ length: 20 }, (_, i) => report(`s${i}`, { peers: ['r1'] })), { leader: false }));
    await advance(clock, 10);
    expect(calls).toHaveLength(5);
    await advance(clock, 1000);
    expect(calls).toHaveLength(10);
    await advance(clock, 8000);
    // 20 Events, 20 ServiceBGPStatus, 1 ConfigurationState
    expect(calls).toHaveLength(41);
    expect(w.stats).toMatchObject({ writes: 41, failures: 0, queued: 0 });
  });

  it('update() does not wait; while the API server is away the newest write per object waits, retried with backoff', async () => {
    const clock = new FakeClock(0);
    const { api, calls, state } = recordingApi();
    const w = new StateWriter(api, 'n1', clock, silentLogger(), { writesPerSecond: 100, burst: 100 });
    w.start();
    state.down = true;
    await advance(clock, 10);
    for (const peers of [['r1'], ['r1', 'r2'], ['r2']]) {
      w.update(input([report('web', { peers })], { leader: false }));
      await advance(clock, 3000);
    }
    expect(calls).toEqual([]);
    expect(w.stats.failures).toBeGreaterThan(0);
    state.down = false;
    await advance(clock, 31_000);
    const name = bgpStatusName('default', 'web', 'n1');
    expect(calls.filter((c) => c.startsWith('bgp '))).toEqual([`bgp ${name} r2`]);
    expect(calls.filter((c) => c.startsWith('event ')).length).toBe(3);
  });

  it('at the start, this node\'s ServiceBGPStatus objects are listed: a stale one is deleted, an unchanged one not written again', async () => {
    const clock = new FakeClock(0);
    const keep = bgpStatusName('default', 'web', 'n1');
    const { api, calls, state } = recordingApi([[keep, { node: 'n1', serviceName: 'web', serviceNamespace: 'default', peers: ['r1'] }], ['bgp-stale', { node: 'n1', serviceName: 'old', serviceNamespace: 'default', peers: ['r1'] }]]);
    state.listFails = 1;
    const w = new StateWriter(api, 'n1', clock, silentLogger(), { writesPerSecond: 100, burst: 100 });
    w.start();
    w.update(input([report('web', { peers: ['r1'] })], { leader: false }));
    await advance(clock, 500);
    // the list failed once: no ServiceBGPStatus write yet
    expect(calls.filter((c) => c.startsWith('bgp') || c.startsWith('delete'))).toEqual([]);
    await advance(clock, 1500);
    expect(calls.filter((c) => c.startsWith('bgp') || c.startsWith('delete'))).toEqual(['delete bgp-stale']);
  });

  it('Events wait in a bounded queue: the oldest are dropped and counted', async () => {
    const clock = new FakeClock(0);
    const { api, calls, state } = recordingApi();
    const w = new StateWriter(api, 'n1', clock, silentLogger(), { writesPerSecond: 100, burst: 100, maxEvents: 4 });
    state.down = true;
    w.update(input(Array.from({ length: 10 }, (_, i) => report(`s${i}`, { peers: ['r1'] })), { leader: false }));
    expect(w.stats.droppedEvents).toBe(6);
    state.down = false;
    await advance(clock, 5000);
    expect(calls.filter((c) => c.startsWith('event')).map((c) => c.split(' ')[1])).toEqual(['s6', 's7', 's8', 's9']);
  });
});
