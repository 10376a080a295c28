/**
 * IPVS on a real IPVS kernel: this machine's kernel has none, so the test boots Debian's linux-image-amd64
 * under qemu (test/vm) and runs test/integration/ipvs/guest inside it. It asserts what the guest saw:
 * ipvsadm's own netlink requests (captured on nlmon) are byte for byte what our encoder writes; each
 * scheduler, programmed by IpvsProgrammer from Service-like input with the scheduler annotation, shows in
 * `ipvsadm -Ln` exactly as asked, and 16 bounded connections from a client namespace land on the real
 * servers exactly where the TypeScript scheduler model predicts; a scheduler change keeps an established
 * connection; a removed Service leaves nothing of ours behind and someone else's virtual service is untouched.
 * If the VM cannot boot, the test fails with qemu's output: it is never skipped.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../vm/image.js';
import { guestPayload } from '../../vm/payload.js';
import { runInVm, type VmRun } from '../../vm/qemu.js';

interface SchedResult {
  scheduler: string; port: number; ipvsadm: string; held: boolean; listOrder: string[];
  actual: string[]; predicted: (string | null)[];
  report: { created: string[]; updated: string[]; removed: string[]; errors: unknown[] };
  kernelConns: { address: string; conns: number; active: number; inactive: number }[];
}
interface CaptureCase { name: string; ran: string; ipvsadm: string | null; ours: string }

const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'sh', 'sh:port', 'dh', 'sed', 'nq', 'mh', 'mh:port,fallback'];
/** ipvsadm -Ln's flag words for the annotation's flags. */
const FLAG_WORDS: Record<string, string> = { 'sh:port': 'sh-port', 'mh:port,fallback': 'mh-fallback,mh-port' };
const WEIGHTS: Record<string, number> = { '10.1.0.11': 3, '10.1.0.12': 1, '10.1.0.13': 2, '10.1.0.14': 1 };

let vm: VmRun;
const result = <T>(name: string): T => {
  if (!vm.results.has(name)) throw new Error(`the guest reported no "${name}"; console tail:\n${vm.console.slice(-3000)}`);
  return vm.results.get(name) as T;
};

describe('IPVS in a VM (qemu, Debian linux-image-amd64)', () => {
  beforeAll(async () => {
    const files = await guestPayload(join(REPO_ROOT, 'test/integration/ipvs/guest/main.ts'), {
      'test.sh': readFileSync(join(REPO_ROOT, 'test/integration/ipvs/guest/test.sh')),
    });
    vm = await runInVm({ files, timeoutMs: 300_000 });
    console.log(`IPVS VM: ready after ${vm.bootMs} ms (guest uptime ${vm.readyUptime} s), whole run ${vm.totalMs} ms`);
  }, 600_000);

  it('boots, loads every module and runs the scenarios to the end', () => {
    expect(vm.timedOut).toBe(false);
    expect(vm.modulesFailed).toEqual([]);
    expect(vm.results.get('error')).toBeUndefined();
    expect(vm.exitStatus).toBe(0);
    expect(result<{ version: number }>('info').version).toBe(0x010201);
  });

  it('encodes requests exactly as ipvsadm sends them (captured on nlmon)', () => {
    const { cases } = result<{ cases: CaptureCase[] }>('capture');
    expect(cases.length).toBeGreaterThan(15);
    for (const c of cases) {
      expect(c.ran, c.name).toBe('ok');
      expect(c.ipvsadm, `${c.name}: nothing captured`).not.toBeNull();
      expect(c.ours, c.name).toBe(c.ipvsadm);
    }
  });

  it('sets strict ARP', () => {
    expect(result('strict-arp')).toEqual({ arpIgnore: '1', arpAnnounce: '2' });
  });

  for (const sched of SCHEDULERS) {
    it(`programs ${sched}: ipvsadm -Ln shows it and traffic lands where the model predicts`, () => {
      const r = result<SchedResult>(`sched-${sched}`);
      expect(r.report.errors).toEqual([]);
      expect(r.report.created).toEqual([`tcp:10.96.0.10:${r.port}`]);
      const name = sched.split(':')[0]!;
      const header = r.ipvsadm.split('\n').find((l) => l.startsWith('TCP'))!;
      expect(header.trim().split(/\s+/)).toEqual(['TCP', `10.96.0.10:${r.port}`, name, ...(FLAG_WORDS[sched] ? [`(${FLAG_WORDS[sched]})`] : [])]);
      const dests = r.ipvsadm.split('\n').filter((l) => l.trim().startsWith('->') && !l.includes('RemoteAddress'))
        .map((l) => l.trim().split(/\s+/).slice(1, 4));
      expect(dests.sort()).toEqual(Object.entries(WEIGHTS).map(([a, w]) => [`${a}:8080`, 'Masq', String(w)]).sort());
      expect(r.actual).toHaveLength(16);
      expect(r.predicted).toEqual(r.actual);
      // the kernel's connection table agrees with where the client says it landed (the conns statistic
      // itself is refreshed by the 2-second estimator, so it may lag)
      const landed = (a: string): number => r.actual.filter((x) => x === a).length;
      for (const k of r.kernelConns) expect(k.active + k.inactive, k.address).toBe(landed(k.address));
    });
  }

  it('reports a scheduler the kernel lacks (twos is not in Debian 6.1) with its meaning, and goes on', () => {
    const r = result<{ errors: { service: string; error: string }[]; created: string[] }>('twos');
    expect(r.created).toEqual([]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.error).toMatch(/newService: ENOENT \(scheduler or persistence engine not found/);
  });

  it('changes the scheduler without dropping an established connection', () => {
    const r = result<{ report: SchedResult['report']; schedulerNow: string; connectionsDuring: string; survived: string }>('scheduler-change');
    expect(r.report.updated).toEqual(['tcp:10.96.0.10:9000']);
    expect(r.report.created).toEqual([]);
    expect(r.schedulerNow).toBe('wlc');
    expect(r.connectionsDuring).toMatch(/ESTABLISHED\s+10\.0\.0\.2:\d+\s+10\.96\.0\.10:9000/);
    expect(JSON.parse(r.survived)).toMatchObject({ echoed: true });
  });

  it('leaves nothing behind when the Services are gone, and never touches a foreign virtual service', () => {
    const r = result<{ remaining: unknown[]; addresses: string[]; ipvsadm: string }>('removal');
    expect(r.remaining).toEqual([{ protocol: 'tcp', address: '10.200.9.9', port: 80 }]);
    expect(r.addresses).toEqual([]);
    expect(r.ipvsadm).not.toContain('10.96.0.10');
    expect(r.ipvsadm).toMatch(/TCP {2}10\.200\.9\.9:80 rr\n {2}-> 10\.1\.0\.11:8080\s+Masq\s+1/);
  });
});
