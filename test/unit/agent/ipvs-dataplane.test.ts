/**
 * The IPVS data plane's scheduling (src/agent/ipvs/dataplane.ts) against a recording programmer on a fake
 * clock: one reconcile at a time with the latest apply winning, unchanged sets not re-sent but resynced,
 * whole failures retried with backoff and never thrown into the caller, per-Service errors logged once,
 * close() with and without teardown; the states (serving, refused for kube-ipvs0, an old API server or one
 * that drops ipMode, failed while IPVS cannot be opened) and, with the Kubernetes source, only ipMode Proxy
 * ingress IPs programmed. (The kernel side is tested in the VM: test/integration/ipvs.)
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { DesiredVirtualService } from '../../../src/agent/ipvs/desired.js';
import { startIpvsDataplane, type IpvsDataplaneOptions, type Programmer } from '../../../src/agent/ipvs/dataplane.js';
import type { ReconcileReport, TeardownReport } from '../../../src/agent/ipvs/programmer.js';
import type { Snapshot } from '../../../src/agent/model.js';
import { parseManifests } from '../../../src/agent/source/file.js';
import { FakeClock } from '../../../src/lib/clock.js';

const EMPTY: ReconcileReport = { created: [], updated: [], removed: [], destinationChanges: 0, errors: [] };

/** A programmer whose reconciles finish when the test says so. */
class RecordingProgrammer implements Programmer {
  readonly calls: (readonly DesiredVirtualService[])[] = [];
  private waiting: { resolve: (r: ReconcileReport) => void; reject: (e: Error) => void }[] = [];
  teardowns = 0;
  closed = false;
  /** kube-proxy's kube-ipvs0 exists. */
  kubeIpvs0 = false;

  reconcile(desired: readonly DesiredVirtualService[]): Promise<ReconcileReport> {
    this.calls.push(desired);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }
  /** Finish the oldest reconcile in flight. */
  finish(r: ReconcileReport | Error = EMPTY): void {
    const w = this.waiting.shift();
    if (!w) throw new Error('no reconcile in flight');
    if (r instanceof Error) w.reject(r); else w.resolve(r);
  }
  get inFlight(): number { return this.waiting.length; }
  async stats(): Promise<[]> { return []; }
  async teardown(): Promise<TeardownReport> {
    this.teardowns++;
    return { ...EMPTY, removed: ['tcp:172.20.1.10:80'], addresses: ['172.20.1.10'], interfaceRemoved: true, nftTableRemoved: true, sysctlsRestored: [] };
  }
  async kubeProxyIpvs(): Promise<boolean> { return this.kubeIpvs0; }
  close(): void { this.closed = true; }
}

function snapshot(endpoints: string[], scheduler = 'rr'): Snapshot {
  return parseManifests(`
kind: Node
metadata: { name: n1 }
---
kind: Service
metadata: { name: web, annotations: { vipgate.io/ipvs-scheduler: ${scheduler} } }
spec: { type: LoadBalancer, ports: [{ port: 80, targetPort: 8080 }] }
status: { loadBalancer: { ingress: [{ ip: 172.20.1.10 }] } }
---
kind: EndpointSlice
metadata: { name: web-1, labels: { kubernetes.io/service-name: web } }
endpoints: [${endpoints.map((a) => `{ addresses: [${a}] }`).join(', ')}]
`);
}

async function setup(over: Partial<IpvsDataplaneOptions> = {}, prog = new RecordingProgrammer()) {
  const logs: { level: number; msg: string; [k: string]: unknown }[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => { logs.push(JSON.parse(line) as typeof logs[number]); } });
  const clock = new FakeClock();
  const serving: boolean[] = [];
  const dp = startIpvsDataplane({ log, node: 'n1', clock, open: async () => prog, onServingChanged: (s) => serving.push(s), ...over });
  await dp.settled();
  /** Let promise callbacks run (the data plane's loop continues in microtasks). */
  const flush = async (): Promise<void> => { for (let i = 0; i < 10; i++) await Promise.resolve(); };
  const dests = (i: number): string[] => prog.calls[i]!.flatMap((s) => s.destinations.map((d) => d.address));
  return { logs, clock, prog, dp, flush, dests, serving };
}

describe('IPVS data plane', () => {
  it('runs one reconcile at a time and then only the latest of the applies that came meanwhile', async () => {
    const { prog, dp, flush, dests } = await setup();
    dp.apply(snapshot(['10.1.0.11']));
    await flush();
    expect(prog.inFlight).toBe(1);
    dp.apply(snapshot(['10.1.0.11', '10.1.0.12']));
    dp.apply(snapshot(['10.1.0.13']));
    await flush();
    expect(prog.calls).toHaveLength(1);
    prog.finish();
    await flush();
    expect(prog.calls).toHaveLength(2);
    expect(dests(0)).toEqual(['10.1.0.11']);
    expect(dests(1)).toEqual(['10.1.0.13']);
    prog.finish();
    await dp.settled();
    expect(prog.inFlight).toBe(0);
  });

  it('does not resend an unchanged set, but reconciles it again every resyncMs', async () => {
    const { prog, dp, flush, clock } = await setup({ resyncMs: 5000 });
    dp.apply(snapshot(['10.1.0.11']));
    await flush();
    prog.finish();
    await dp.settled();
    dp.apply(snapshot(['10.1.0.11']));
    await dp.settled();
    expect(prog.calls).toHaveLength(1);
    clock.advance(4999);
    await flush();
    expect(prog.calls).toHaveLength(1);
    clock.advance(1);
    await flush();
    expect(prog.calls).toHaveLength(2);
    expect(prog.calls[1]).toEqual(prog.calls[0]);
    prog.finish();
    await dp.settled();
  });

  it('logs a failed reconcile, never throws to the caller, and retries after 1 s doubling', async () => {
    const { prog, dp, flush, clock, logs } = await setup({ resyncMs: 0 });
    expect(() => dp.apply(snapshot(['10.1.0.11']))).not.toThrow();
    await flush();
    prog.finish(new Error('ip addr add 172.20.1.10/32 dev vipgate-ipvs0: Operation not permitted'));
    await dp.settled();
    expect(logs.filter((l) => l.msg === 'IPVS reconcile failed; retrying').map((l) => l['retryMs'])).toEqual([1000]);
    expect((await dp.stats()).failure).toMatch(/Operation not permitted/);
    clock.advance(999);
    await flush();
    expect(prog.calls).toHaveLength(1);
    clock.advance(1);
    await flush();
    expect(prog.calls).toHaveLength(2);
    prog.finish(new Error('still failing'));
    await dp.settled();
    expect(logs.filter((l) => l.msg === 'IPVS reconcile failed; retrying').map((l) => l['retryMs'])).toEqual([1000, 2000]);
    clock.advance(2000);
    await flush();
    prog.finish();
    await dp.settled();
    expect(prog.calls).toHaveLength(3);
    expect((await dp.stats()).failure).toBeUndefined();
    // once it worked, the same set is not sent again
    dp.apply(snapshot(['10.1.0.11']));
    await dp.settled();
    expect(prog.calls).toHaveLength(3);
  });

  it('logs a Service\'s error once while it lasts and says when it clears', async () => {
    const { prog, dp, flush, logs } = await setup({ resyncMs: 0 });
    const error = { service: 'default/web tcp:172.20.1.10:80', error: 'IPVS newService: ENOENT (scheduler or persistence engine not found)' };
    dp.apply(snapshot(['10.1.0.11'], 'twos'));
    await flush();
    prog.finish({ ...EMPTY, errors: [error] });
    await dp.settled();
    dp.apply(snapshot(['10.1.0.12'], 'twos'));
    await flush();
    prog.finish({ ...EMPTY, errors: [error] });
    await dp.settled();
    expect(logs.filter((l) => l.msg === 'IPVS: cannot program this Service')).toHaveLength(1);
    expect((await dp.stats()).errors).toEqual([error]);
    dp.apply(snapshot(['10.1.0.12'], 'wlc'));
    await flush();
    prog.finish({ ...EMPTY, created: ['tcp:172.20.1.10:80'], destinationChanges: 1 });
    await dp.settled();
    expect(logs.filter((l) => l.msg === 'IPVS: Service programmed again').map((l) => l['service'])).toEqual([error.service]);
    expect(logs.find((l) => l.msg === 'IPVS reconciled')).toMatchObject({ created: ['tcp:172.20.1.10:80'], destinationChanges: 1 });
    expect((await dp.stats()).errors).toEqual([]);
  });

  it('reports annotation problems in stats and logs them when they change', async () => {
    const { prog, dp, flush, logs } = await setup({ resyncMs: 0 });
    dp.apply(snapshot(['10.1.0.11'], 'fastest'));
    dp.apply(snapshot(['10.1.0.12'], 'fastest'));
    await flush();
    expect(logs.filter((l) => l.msg === 'IPVS: Service annotation or address problem')).toHaveLength(1);
    const st = await dp.stats();
    expect(st.problems[0]).toMatch(/unknown scheduler "fastest"/);
    expect(st.desired).toBe(1);
    prog.finish();
    await flush();
    prog.finish();
    await dp.settled();
    expect(prog.calls).toHaveLength(2);
    expect(prog.calls.at(-1)![0]!.scheduler).toBe('rr');
  });

  it('close() waits for the reconcile in flight and keeps the kernel as it is; teardown removes ours', async () => {
    const kept = await setup();
    kept.dp.apply(snapshot(['10.1.0.11']));
    await kept.flush();
    const closing = kept.dp.close();
    await kept.flush();
    expect(kept.prog.closed).toBe(false);
    kept.prog.finish();
    await closing;
    expect(kept.prog.closed).toBe(true);
    expect(kept.prog.teardowns).toBe(0);
    kept.dp.apply(snapshot(['10.1.0.12']));
    await kept.flush();
    expect(kept.prog.calls).toHaveLength(1);

    const torn = await setup();
    await torn.dp.close({ teardown: true });
    expect(torn.prog.teardowns).toBe(1);
    expect(torn.prog.closed).toBe(true);
    expect(torn.logs.find((l) => l.msg === 'IPVS reconciled')).toMatchObject({ removed: ['tcp:172.20.1.10:80'] });
  });

  it('is serving after the first reconcile and tells the agent; kube-ipvs0 makes it refuse and remove ours, checked again at each resync', async () => {
    const { prog, dp, flush, clock, serving, logs } = await setup({ resyncMs: 5000 });
    expect(dp.state).toBe('starting');
    dp.apply(snapshot(['10.1.0.11']));
    await flush();
    prog.finish();
    await dp.settled();
    expect([dp.state, serving]).toEqual(['serving', [true]]);
    prog.kubeIpvs0 = true;
    clock.advance(5000);
    await flush();
    expect(prog.calls.at(-1)).toEqual([]);
    prog.finish();
    await dp.settled();
    expect(dp.state).toBe('refused');
    expect(dp.reason).toMatch(/kube-proxy runs in IPVS mode on this node \(kube-ipvs0 exists\)/);
    expect(serving).toEqual([true, false]);
    expect(logs.filter((l) => l.msg.startsWith('IPVS refused'))).toHaveLength(1);
    expect((await dp.stats())).toMatchObject({ state: 'refused', reason: dp.reason });
    prog.kubeIpvs0 = false;
    clock.advance(5000);
    await flush();
    expect(prog.calls.at(-1)!.map((d) => d.key.address)).toEqual(['172.20.1.10']);
    prog.finish();
    await dp.settled();
    expect([dp.state, serving]).toEqual(['serving', [true, false, true]]);
  });

  it('is failed while IPVS cannot be opened, retrying after 1 s doubling, then serves what was applied meanwhile', async () => {
    const prog = new RecordingProgrammer();
    let attempts = 0;
    const { dp, flush, clock, logs } = await setup({ resyncMs: 0, open: async () => {
      if (++attempts < 3) throw new Error('IPVS resolve: ENOENT (the kernel has no IPVS generic netlink family: load the ip_vs module)');
      return prog;
    } }, prog);
    expect([dp.state, dp.reason]).toEqual(['failed', expect.stringMatching(/load the ip_vs module/)]);
    dp.apply(snapshot(['10.1.0.11']));
    clock.advance(1000);
    await flush();
    expect(attempts).toBe(2);
    clock.advance(1999);
    await flush();
    expect(attempts).toBe(2);
    clock.advance(1);
    await flush();
    expect(attempts).toBe(3);
    expect(prog.calls).toHaveLength(1);
    prog.finish();
    await dp.settled();
    expect(dp.state).toBe('serving');
    // the same reason is logged once while it lasts
    expect(logs.filter((l) => l.msg === 'IPVS failed')).toHaveLength(1);
    expect(logs.filter((l) => l.msg === 'IPVS data plane started')).toHaveLength(1);
  });

  it('with the Kubernetes source programs only ingress IPs whose status says ipMode Proxy', async () => {
    const { prog, dp, flush } = await setup({ resyncMs: 0, apiServerVersion: () => ({ major: 1, minor: 31, gitVersion: 'v1.31.4+k3s1' }) });
    dp.apply(kubeSnapshot({ '172.20.1.10': 'Proxy', '172.20.1.20': 'VIP' }));
    await flush();
    expect(prog.calls[0]!.map((d) => d.key.address)).toEqual(['172.20.1.10']);
    prog.finish();
    await dp.settled();
    expect(dp.state).toBe('serving');
  });

  for (const [title, version, modes, reason] of [
    ['an unknown API server version', undefined, { '172.20.1.10': 'Proxy' }, /version is not known yet/],
    ['Kubernetes 1.29', { major: 1, minor: 29, gitVersion: 'v1.29.9+k3s1' }, { '172.20.1.10': 'VIP' }, /Kubernetes v1\.29\.9\+k3s1 is older than 1\.30: status\.loadBalancer\.ingress\[\]\.ipMode/],
    ['an API server that drops ipMode (gate off)', { major: 1, minor: 31, gitVersion: 'v1.31.0' }, {}, /keeps no status\.loadBalancer\.ingress\[\]\.ipMode \(shop\/web has none\): its LoadBalancerIPMode feature gate is off/],
  ] as const) {
    it(`refuses with ${title}, and says why`, async () => {
      const { prog, dp, flush, serving } = await setup({ resyncMs: 0, apiServerVersion: () => version });
      dp.apply(kubeSnapshot(modes));
      await flush();
      expect(prog.calls[0]).toEqual([]);
      prog.finish();
      await dp.settled();
      expect(dp.state).toBe('refused');
      expect(dp.reason).toMatch(reason);
      expect(serving).toEqual([]);
    });
  }

  it('close({ teardown }) with IPVS never opened opens it for the cleanup and tears down what is recorded', async () => {
    const prog = new RecordingProgrammer();
    let opens = 0;
    const { dp } = await setup({ resyncMs: 0, open: async () => { if (++opens === 1) throw new Error('EPERM'); return prog; } }, prog);
    expect(dp.state).toBe('failed');
    const report = await dp.close({ teardown: true });
    expect([opens, prog.teardowns, prog.closed, report?.interfaceRemoved]).toEqual([2, 1, true, true]);
  });
});

/** Two LoadBalancer Services of the Kubernetes source with the ingress ipModes given (shop/web 172.20.1.10, shop/api 172.20.1.20). */
function kubeSnapshot(modes: Readonly<Record<string, string>>): Snapshot {
  const svc = (name: string, ip: string): string => `
kind: Service
metadata: { name: ${name}, namespace: shop }
spec: { type: LoadBalancer, ports: [{ port: 80, targetPort: 8080 }] }
status: { loadBalancer: { ingress: [{ ip: ${ip}${modes[ip] ? `, ipMode: ${modes[ip]}` : ''} }] } }
---
kind: EndpointSlice
metadata: { name: ${name}-1, namespace: shop, labels: { kubernetes.io/service-name: ${name} } }
endpoints: [{ addresses: [10.1.0.11] }]
---`;
  return parseManifests(`kind: Node\nmetadata: { name: n1 }\n---${svc('web', '172.20.1.10')}${svc('api', '172.20.1.20')}`);
}
