/**
 * Service health through each node without sockets: the ServiceGate takes one next hop out of one route only,
 * and ServiceHealth decides on a fake clock from checks the test answers: `fall` failed rounds take the path
 * out, `rise` passes bring it back, other routes and next hops are untouched, and every check leaves from a
 * local port of its next hop's slot (the policy rule that sends it through that node).
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/log.js';
import { parsePrefix } from '../../../src/lib/address.js';
import { ServiceGate } from '../../../src/probe/gate.js';
import type { FibChange } from '../../../src/lib/nexthop.js';
import { PathSlots } from '../../../src/probe/path-routes.js';
import { ServiceHealth, type ServiceCheckConfig } from '../../../src/probe/service-health.js';
import type { CheckTarget } from '../../../src/probe/service-check.js';

const A = { address: '10.0.0.1', weight: 1 };
const B = { address: '10.0.0.2', weight: 1 };
const set = (p: string, nexthops = [A, B]): FibChange => ({ op: 'set', prefix: parsePrefix(p), nexthops });
const hopsOf = (changes: FibChange[]) => changes.map((c) => (c.op === 'set' ? c.nexthops.map((h) => h.address).join() : 'delete'));

describe('ServiceGate', () => {
  it('takes a next hop out of one route only, keeps a route whose every next hop is out, and gives the full set back', () => {
    const gate = new ServiceGate((p) => p.len === 32);
    expect(hopsOf(gate.filter([set('172.20.1.1/32'), set('172.20.1.2/32'), set('172.20.0.0/24')]))).toEqual(['10.0.0.1,10.0.0.2', '10.0.0.1,10.0.0.2', '10.0.0.1,10.0.0.2']);
    expect(hopsOf(gate.mark('172.20.1.1/32', B.address, true))).toEqual(['10.0.0.1']);
    // the same next hop stays in the other route, and a new set for the marked route is filtered too
    expect(hopsOf(gate.filter([set('172.20.1.2/32'), set('172.20.1.1/32', [A, B, { address: '10.0.0.3', weight: 2 }])]))).toEqual(['10.0.0.1,10.0.0.2', '10.0.0.1,10.0.0.3']);
    expect(hopsOf(gate.mark('172.20.1.1/32', A.address, true))).toEqual(['10.0.0.3']);
    expect(hopsOf(gate.mark('172.20.1.1/32', '10.0.0.3', true))).toEqual(['10.0.0.1,10.0.0.2,10.0.0.3']);
    expect(gate.mark('172.20.1.1/32', '10.0.0.3', true)).toEqual([]);
    expect(hopsOf(gate.mark('172.20.1.1/32', A.address, false))).toEqual(['10.0.0.1']);
    // a route withdrawn is forgotten, and so are its marks
    gate.filter([{ op: 'delete', prefix: parsePrefix('172.20.1.1/32') }]);
    gate.prune();
    expect(gate.isOut('172.20.1.1/32', B.address)).toBe(false);
    expect([...gate.routes()].map(([k]) => k)).toEqual(['172.20.1.2/32']);
  });
});

const CHECK: ServiceCheckConfig = { prefixes: ['172.20.1.0/24'], ports: [80, 443], check: 'http', path: '/healthz', intervalMs: 1000, timeoutMs: 300, fall: 2, rise: 3 };

/** One round a check interval after the last (no timer is scheduled: start() is not called here). */
async function round(h: ReturnType<typeof harness>): Promise<void> {
  h.clock.advance(CHECK.intervalMs);
  await h.health.round();
}

function harness(configs: readonly ServiceCheckConfig[] = [CHECK]) {
  const clock = new FakeClock(0);
  const applied: FibChange[][] = [];
  const ipBatches: string[] = [];
  const checks: CheckTarget[] = [];
  /** Which checks fail; the check says through which next hop it ran only by its local port (slot). */
  const state = { fails: (_t: CheckTarget): boolean => false };
  const slots = new PathSlots({ sourcePorts: 61000, portsPerSlot: 2, table: 61000, rulePriority: 500 }, async (f, lines) => { ipBatches.push(`-${f}\n${lines.join('\n')}\n`); });
  const health = new ServiceHealth({ checks: configs, sourcePorts: 61000, portsPerSlot: 2, table: 61000, rulePriority: 500 }, {
    clock, log: silentLogger(), slots,
    apply: async (c) => { applied.push(c); },
    check: async (t) => { checks.push(t); return state.fails(t) ? { ok: false, reason: 'ECONNREFUSED' } : { ok: true }; },
  });
  return { clock, applied, ipBatches, checks, state, health };
}

describe('ServiceHealth', () => {
  it('out after `fall` failed rounds through that next hop only, back after `rise` passes', async () => {
    const h = harness();
    h.health.gate.filter([set('172.20.1.1/32'), set('172.20.1.2/32'), set('172.20.2.1/32')]);
    await round(h);
    // 2 routes in range x 2 next hops x 2 ports; 172.20.2.1 is outside the range
    expect(h.checks.map((c) => `${c.address}:${c.port}`).sort()).toEqual(['172.20.1.1:443', '172.20.1.1:443', '172.20.1.1:80', '172.20.1.1:80', '172.20.1.2:443', '172.20.1.2:443', '172.20.1.2:80', '172.20.1.2:80']);
    expect(h.checks.every((c) => c.kind === 'http' && c.path === '/healthz' && c.timeoutMs === 300)).toBe(true);
    // each next hop's checks leave from its own slot's ports, routed by one rule per slot
    expect(h.ipBatches.filter((b) => b.includes('rule add')).sort()).toEqual([
      '-4\nrule del priority 500\nroute replace default via 10.0.0.1 table 61000\nrule add priority 500 ipproto tcp sport 61000-61001 lookup 61000\n',
      '-4\nrule del priority 501\nroute replace default via 10.0.0.2 table 61001\nrule add priority 501 ipproto tcp sport 61002-61003 lookup 61001\n',
    ]);
    expect(h.applied).toEqual([]);

    // 172.20.1.1:443 fails through B's slot (ports 61002-61003) only
    h.state.fails = (t) => t.address === '172.20.1.1' && t.port === 443 && t.localPort >= 61002;
    await round(h);
    expect(h.applied).toEqual([]);
    expect(h.health.view().find((v) => v.prefix === '172.20.1.1/32' && v.nexthop === B.address)).toMatchObject({ up: true, failed: 1 });
    await round(h);
    expect(h.applied.map(hopsOf)).toEqual([['10.0.0.1']]);
    expect(h.health.view().filter((v) => !v.up)).toEqual([expect.objectContaining({ prefix: '172.20.1.1/32', nexthop: B.address, failed: 2, lastError: '443: ECONNREFUSED' })]);

    h.state.fails = () => false;
    await round(h);
    await round(h);
    expect(h.applied).toHaveLength(1);
    await round(h);
    expect(h.applied.map(hopsOf)).toEqual([['10.0.0.1'], ['10.0.0.1,10.0.0.2']]);
    expect(h.health.view().every((v) => v.up)).toBe(true);
  });

  it('rounds follow the clock, and close removes every slot\'s rule and table', async () => {
    const h = harness();
    await h.health.start();
    h.health.gate.filter([set('172.20.1.1/32', [A])]);
    h.clock.advance(999);
    await Promise.resolve();
    expect(h.checks).toHaveLength(0);
    h.clock.advance(1);
    for (let i = 0; i < 20 && h.checks.length < 2; i++) await new Promise((r) => setImmediate(r));
    expect(h.checks.map((c) => c.port)).toEqual([80, 443]);
    await h.health.close();
    const [v4, v6] = h.ipBatches.slice(-2);
    expect(v4).toMatch(/^-4\nrule del priority 500\nroute flush table 61000\n/);
    // at most 1024 slots (here 2,268 would fit the ports)
    expect(v6).toMatch(/^-6\n[^]*rule del priority 1523\nroute flush table 62023\n$/);
  });

  it('each path is checked at its own check\'s interval, rounds at the shortest', async () => {
    const slow: ServiceCheckConfig = { ...CHECK, prefixes: ['172.20.2.0/24'], ports: [80], intervalMs: 3000 };
    const h = harness([{ ...CHECK, ports: [80] }, slow]);
    h.health.gate.filter([set('172.20.1.1/32', [A]), set('172.20.2.1/32', [A])]);
    for (let i = 0; i < 6; i++) await round(h);
    const per = (a: string) => h.checks.filter((c) => c.address === a).length;
    expect([per('172.20.1.1'), per('172.20.2.1')]).toEqual([6, 2]);
  });
});
