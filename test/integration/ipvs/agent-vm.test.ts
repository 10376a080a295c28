/**
 * The agent programs IPVS, end to end on a real IPVS kernel: qemu boots Debian's linux-image-amd64
 * (test/vm) and the guest (agent-guest/main.ts) runs vipgate agent's composition with a file source and
 * the IPVS data plane on node n1. Asserted from what the guest saw: `ipvsadm -Ln` shows exactly the
 * Cluster Service (both endpoints, wrr with the annotated weight) and the Local Service (only n1's ready
 * endpoint, ClientIP affinity as persistence 900 s); the Service IPs sit on vipgate-ipvs0 with strict
 * ARP; client connections land as wrr 2:1 says; editing the file (an endpoint gone, the scheduler
 * changed to sh with its port flag) and deleting a Service are reconciled; the agent's stop leaves the
 * kernel as it is, and a second agent adopts it (a client connection held across the restart still
 * works; the second agent writes only the Service that came back). If the VM cannot boot, the test fails with qemu's output: it is never skipped.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { IP_VS_SVC_F_PERSISTENT } from '../../../src/wire/netlink/ipvs/constants.js';
import { REPO_ROOT } from '../../vm/image.js';
import { guestPayload } from '../../vm/payload.js';
import { runInVm, type VmRun } from '../../vm/qemu.js';
import { listing } from './ipvsadm.js';

interface KernelState {
  reached?: boolean;
  ipvsadm: string;
  dump: { key: { address: string; port: number }; scheduler: string; flags: number; timeout: number; netmaskLength: number }[];
  addresses: string[];
}

let vm: VmRun;
const result = <T>(name: string): T => {
  if (!vm.results.has(name)) throw new Error(`the guest reported no "${name}"; console tail:\n${vm.console.slice(-3000)}`);
  return vm.results.get(name) as T;
};

const count = (xs: readonly string[]): Record<string, number> => xs.reduce<Record<string, number>>((m, x) => ({ ...m, [x]: (m[x] ?? 0) + 1 }), {});

const LOCAL = { 'TCP 172.20.1.11:81 rr persistent 900': ['10.1.0.13:8080 Masq 1'] };

describe('vipgate agent programs IPVS (qemu, Debian linux-image-amd64)', () => {
  beforeAll(async () => {
    const files = await guestPayload(join(REPO_ROOT, 'test/integration/ipvs/agent-guest/main.ts'), {
      'test.sh': readFileSync(join(REPO_ROOT, 'test/integration/ipvs/guest/test.sh')),
    }, { commonJs: true });
    vm = await runInVm({ files, timeoutMs: 420_000 });
    console.log(`agent IPVS VM: ready after ${vm.bootMs} ms, whole run ${vm.totalMs} ms`);
  }, 600_000);

  it('runs the scenario to the end', () => {
    expect(vm.timedOut).toBe(false);
    expect(vm.modulesFailed).toEqual([]);
    expect(vm.results.get('error')).toBeUndefined();
    expect(vm.exitStatus).toBe(0);
  });

  it('programs the Cluster and the Local Service from the file, with the annotation\'s scheduler and weight', () => {
    const r = result<KernelState & { arp: unknown; webLanded: string[]; localLanded: string[] }>('started');
    expect(r.reached).toBe(true);
    expect(listing(r.ipvsadm)).toEqual({
      'TCP 172.20.1.10:80 wrr': ['10.1.0.11:8080 Masq 2', '10.1.0.12:8080 Masq 1'],
      ...LOCAL,
    });
    // ClientIP affinity: persistence per client address (/32) for the Service's timeout
    const local = r.dump.find((s) => s.key.port === 81)!;
    expect(local.flags & IP_VS_SVC_F_PERSISTENT).toBe(IP_VS_SVC_F_PERSISTENT);
    expect([local.timeout, local.netmaskLength]).toEqual([900, 32]);
    expect([...r.addresses].sort()).toEqual(['172.20.1.10/32', '172.20.1.11/32']);
    expect(r.arp).toEqual({ ignore: '1', announce: '2' });
    // wrr with weights 2:1: every cycle of three goes 2 to 10.1.0.11 and 1 to 10.1.0.12
    expect(count(r.webLanded)).toEqual({ '10.1.0.11': 4, '10.1.0.12': 2 });
    expect(count(r.localLanded)).toEqual({ '10.1.0.13': 3 });
  });

  it('reconciles an edit of the file: the endpoint removed, the scheduler changed', () => {
    const r = result<KernelState & { webLanded: string[] }>('edited');
    expect(r.reached).toBe(true);
    expect(listing(r.ipvsadm)).toEqual({ 'TCP 172.20.1.10:80 sh (sh-port)': ['10.1.0.11:8080 Masq 2'], ...LOCAL });
    expect(count(r.webLanded)).toEqual({ '10.1.0.11': 4 });
  });

  it('removes a deleted Service and its address, and leaves the other alone', () => {
    const r = result<KernelState>('removed');
    expect(r.reached).toBe(true);
    expect(listing(r.ipvsadm)).toEqual(LOCAL);
    expect(r.addresses).toEqual(['172.20.1.11/32']);
  });

  it('stops cleanly and leaves the kernel as it is', () => {
    const r = result<KernelState & { code: unknown }>('stopped');
    expect(r.code).toBe(0);
    expect(listing(r.ipvsadm)).toEqual(LOCAL);
    expect(r.addresses).toEqual(['172.20.1.11/32']);
  });

  it('a restarted agent adopts the kernel: a connection open across the restart still works, only what changed is written', () => {
    const r = result<KernelState & { code: unknown; survived: string; reconciles: { created: string[]; updated: string[]; removed: string[]; destinationChanges: number }[] }>('restarted');
    expect(r.reached).toBe(true);
    expect(JSON.parse(r.survived)).toEqual({ before: '10.1.0.13', echoed: true });
    expect(r.code).toBe(0);
    expect(listing(r.ipvsadm)).toEqual({ 'TCP 172.20.1.10:80 wrr': ['10.1.0.11:8080 Masq 2', '10.1.0.12:8080 Masq 1'], ...LOCAL });
    // the Local Service was adopted as it was; only the Service back in the file was created
    expect({
      created: r.reconciles.flatMap((x) => x.created), updated: r.reconciles.flatMap((x) => x.updated),
      removed: r.reconciles.flatMap((x) => x.removed), destinationChanges: r.reconciles.reduce((n, x) => n + x.destinationChanges, 0),
    }).toEqual({ created: ['tcp:172.20.1.10:80'], updated: [], removed: [], destinationChanges: 2 });
  });

  it('logs each reconcile and no problem of its own', () => {
    const r = result<{ problems: unknown[]; ipvs: string[] }>('agent-log');
    expect(r.problems).toEqual([]);
    expect(r.ipvs).toContain('IPVS reconciled');
  });
});
