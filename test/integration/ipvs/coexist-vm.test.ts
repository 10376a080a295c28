/**
 * IPVS beside kube-proxy, on a real IPVS kernel: qemu boots Debian's linux-image-amd64 (test/vm) and the guest
 * (coexist-guest/) runs the real `vipgate agent` (its CLI, bundled) on node n1 with the Kubernetes source
 * against the test's fake API server, with kube-proxy's iptables rules (shaped as kubernetes'
 * proxier_test.go expects them, coexist-guest/kube-proxy-rules.ts) written for each Service's status as
 * kube-proxy would. Topology: a client, n1, a second node n2 whose pod's default route goes n2 -> another
 * router -> the client (never through n1). Asserted from what the guest saw:
 * - the agent, IPAM leader, writes ipMode Proxy; kube-proxy then writes no rule for those IPs, and IPVS
 *   serves them (its counters move, kube-proxy's do not);
 * - Cluster: both pods answer; each saw n1's address (SNAT); without the agent's SNAT rule the remote
 *   pod's SYN-ACK reaches the client by the other router (captured) and those connections fail; the agent's
 *   resync puts the rule back and they work again;
 * - Local: the local pod sees the client's own address; loadBalancerSourceRanges: a source outside is
 *   dropped (counted), one inside answered; a Service leaving takes its virtual service, address and rule;
 * - Kubernetes 1.29: refused and said so; ipMode VIP; kube-proxy's rule takes the packet (its counters move)
 *   even past a virtual service an older agent would have made for the IP (its counters stay 0), which the
 *   refused agent leaves alone; kube-ipvs0: refused, ipMode VIP, our virtual services gone, shown by
 *   `vipgate show agent ipvs` and in the `show agent` summary the MQTT telemetry publishes;
 * - teardown by ipvs.enabled false (live), by `vipgate agent cleanup` after a kill -9, and by the node's
 *   deletion: ipvsadm -Ln, the nft tables, the sysctls and the interfaces as before the agent ran, someone
 *   else's virtual service untouched;
 * - capabilities: the agent under setpriv (user, capability sets, read-only /proc/sys) and the two
 *   DaemonSets of deploy/ as written: what fails, with which error, and what is enough.
 * If the VM cannot boot, the test fails with qemu's output: it is never skipped.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../vm/image.js';
import { guestPayload } from '../../vm/payload.js';
import { runInVm, type VmRun } from '../../vm/qemu.js';
import { listing, stats } from './ipvsadm.js';
import { variantFromDaemonSet } from './manifest-variant.js';

interface Attempt { source: string; greeting?: string; error?: string }
interface NodeState { ipvsadm: string; nftTables: string; sysctls: Record<string, string>; interface: boolean }

let vm: VmRun;
const result = <T>(name: string): T => {
  if (!vm.results.has(name)) throw new Error(`the guest reported no "${name}"; console tail:\n${vm.console.slice(-4000)}`);
  return vm.results.get(name) as T;
};
/** "pod address/the client address it saw" per attempt, or "failed". */
const seen = (xs: readonly Attempt[]): string[] => xs.map((a) => (a.greeting ? a.greeting.replace(' ', '/') : 'failed'));
const count = (xs: readonly string[]): Record<string, number> => xs.reduce<Record<string, number>>((m, x) => ({ ...m, [x]: (m[x] ?? 0) + 1 }), {});
/** The iptables-save -c packet counter of the first rule containing `text`. */
const packets = (save: string, text: string): number => Number(/^\[(\d+):/.exec(save.split('\n').find((l) => l.includes(text)) ?? '')?.[1] ?? NaN);

const FOREIGN = { 'TCP 10.200.9.9:80 rr': ['10.42.2.12:8080 Masq 1'] };
const POD1_VIA_N1 = '10.42.1.11/10.42.1.1';
const POD2_VIA_N1 = '10.42.2.12/192.168.10.10';

describe('IPVS beside kube-proxy (qemu, Debian linux-image-amd64)', () => {
  beforeAll(async () => {
    const manifests = ['deploy/daemonset.yaml', 'deploy/daemonset-ipvs.yaml'].map((f) => variantFromDaemonSet(join(REPO_ROOT, f)));
    const files = await guestPayload(join(REPO_ROOT, 'test/integration/ipvs/coexist-guest/main.ts'), {
      'test.sh': readFileSync(join(REPO_ROOT, 'test/integration/ipvs/coexist-guest/topology.sh')),
      'manifest-variants.json': new TextEncoder().encode(JSON.stringify(manifests)),
    }, { commonJs: true, bundles: {
      'vm/cli/vipgate.mjs': join(REPO_ROOT, 'test/integration/ipvs/coexist-guest/vipgate-cli.ts'),
      'vm/traffic/traffic.mjs': join(REPO_ROOT, 'test/integration/ipvs/coexist-guest/traffic.ts'),
    } });
    vm = await runInVm({ files, timeoutMs: 1_500_000, onLine: (l) => { if (process.env['VM_LOG']) console.log(l); } });
    console.log(`coexistence VM: ready after ${vm.bootMs} ms, whole run ${vm.totalMs} ms`);
  }, 1_600_000);

  it('runs every scenario to the end', () => {
    expect(vm.timedOut).toBe(false);
    expect(vm.modulesFailed).toEqual([]);
    expect(vm.results.get('error')).toBeUndefined();
    expect(vm.exitStatus).toBe(0);
  });

  it('writes ipMode Proxy and serves with IPVS: kube-proxy writes no rule for those IPs', () => {
    const r = result<{ reached: boolean; ingress: Record<string, unknown>; ipvsadm: string; kubeProxyRules: string; nft: string; show: { state: string } }>('proxy');
    expect(r.reached).toBe(true);
    expect(r.ingress).toEqual({
      web: [{ ip: '172.20.1.10', ipMode: 'Proxy' }], local: [{ ip: '172.20.1.11', ipMode: 'Proxy' }], ranged: [{ ip: '172.20.1.12', ipMode: 'Proxy' }],
    });
    expect(r.show.state).toBe('serving');
    expect(listing(r.ipvsadm)).toEqual({
      'TCP 172.20.1.10:80 rr': ['10.42.1.11:8080 Masq 1', '10.42.2.12:8080 Masq 1'],
      'TCP 172.20.1.11:80 rr': ['10.42.1.11:8080 Masq 1'],
      'TCP 172.20.1.12:80 rr': ['10.42.1.11:8080 Masq 1'],
      ...FOREIGN,
    });
    expect(r.kubeProxyRules).not.toContain('loadbalancer IP');
    expect(r.kubeProxyRules).toContain('"shop/web:http cluster IP" -m tcp -p tcp -d 10.43.0.10 --dport 80');
    expect(r.nft).toMatch(/elements = \{ 172\.20\.1\.10, 172\.20\.1\.12 \}/);
  });

  it('Cluster: both pods answer, each seeing n1 (SNAT); Local: the pod sees the client; a source outside loadBalancerSourceRanges is dropped', () => {
    const r = result<{ web: Attempt[]; local: Attempt[]; inside: Attempt[]; outside: Attempt[]; ipvsStats: string; natCounters: string; dropRule: string }>('traffic');
    expect(count(seen(r.web))).toEqual({ [POD1_VIA_N1]: 3, [POD2_VIA_N1]: 3 });
    expect(seen(r.local)).toEqual(['10.42.1.11/10.0.0.2', '10.42.1.11/10.0.0.3', '10.42.1.11/10.0.0.4']);
    expect(seen(r.inside)).toEqual([POD1_VIA_N1]);
    expect(seen(r.outside)).toEqual(['failed']);
    expect(r.outside[0]!.error).toMatch(/no greeting .* within 2000 ms/);
    const drop = (JSON.parse(r.dropRule) as { nftables: { rule?: { comment?: string; expr: { counter?: { packets: number } }[] } }[] }).nftables
      .find((x) => x.rule?.comment === 'shop/ranged loadBalancerSourceRanges')!;
    expect(drop.rule!.expr.find((e) => e.counter)!.counter!.packets).toBeGreaterThan(0);
    // the packets went through IPVS, not kube-proxy's DNAT
    const s = stats(r.ipvsStats);
    expect([s['TCP 172.20.1.10:80']!.conns, s['TCP 172.20.1.11:80']!.conns, s['TCP 172.20.1.12:80']!.conns]).toEqual([6, 3, 1]);
    expect(packets(r.natCounters, '-j DNAT --to-destination 10.42.2.12:8080')).toBe(0);
  });

  it('without the SNAT rule the remote pod answers the client past n1 and the connection fails; the agent puts the rule back', () => {
    const r = result<{ broken: Attempt[]; flushedTable: string; restored: boolean; fixed: Attempt[]; capture: string[] }>('no-snat');
    expect(r.flushedTable).not.toContain('masquerade');
    // rr alternates: the remote pod's connections fail, the local pod's work and it sees the client's own address
    expect(seen(r.broken)).toEqual(['failed', '10.42.1.11/10.0.0.3', 'failed', '10.42.1.11/10.0.0.5']);
    // the remote pod's SYN-ACK arrives at the client over the other router (k1), from the pod's own address
    const synAcks = r.capture.filter((l) => /IP 10\.42\.2\.12\.8080 > 10\.0\.0\.[24]\.\d+: Flags \[S\.\]/.test(l));
    expect(new Set(synAcks.map((l) => /> (10\.0\.0\.\d)/.exec(l)![1]))).toEqual(new Set(['10.0.0.2', '10.0.0.4']));
    expect(r.restored).toBe(true);
    expect(count(seen(r.fixed))).toEqual({ [POD1_VIA_N1]: 2, [POD2_VIA_N1]: 2 });
  });

  it('a Service leaving takes its virtual service, its address and its filter rule', () => {
    const r = result<{ gone: boolean; ipvsadm: string; nft: string; addresses: string }>('service-left');
    expect(r.gone).toBe(true);
    expect(Object.keys(listing(r.ipvsadm)).sort()).toEqual(['TCP 10.200.9.9:80 rr', 'TCP 172.20.1.10:80 rr', 'TCP 172.20.1.11:80 rr']);
    expect(r.nft).not.toContain('172.20.1.12');
    expect(r.addresses).not.toContain('172.20.1.12');
  });

  it('Kubernetes 1.29: refused with the reason, ipMode VIP, and kube-proxy\'s rule takes the packet even past an old-style virtual service', () => {
    const r = result<{ refused: boolean; show: { state: string; reason: string }; ingress: unknown; kubeProxyRules: string; web: Attempt[];
      ipvsStats: string; countersBefore: string; countersAfter: string; stillThere: string }>('vip');
    expect(r.refused).toBe(true);
    expect(r.show).toMatchObject({ state: 'refused', reason: expect.stringMatching(/^Kubernetes v1\.29\.9\+k3s1 is older than 1\.30: status\.loadBalancer\.ingress\[\]\.ipMode/) });
    expect(r.ingress).toEqual([{ ip: '172.20.1.10', ipMode: 'VIP' }]);
    expect(r.kubeProxyRules).toContain('-A KUBE-SERVICES -m comment --comment "shop/web:http loadbalancer IP" -m tcp -p tcp -d 172.20.1.10 --dport 80 -j KUBE-EXT-');
    expect(r.web.every((a) => a.greeting !== undefined)).toBe(true);
    const lb = '"shop/web:http loadbalancer IP"';
    expect(packets(r.countersAfter, lb) - packets(r.countersBefore, lb)).toBe(4);
    const s = stats(r.ipvsStats)['TCP 172.20.1.10:80']!;
    expect([s.conns, s.inPkts]).toEqual([0, 0]);
    // the refused agent left that virtual service (not its own) alone
    expect(listing(r.stillThere)['TCP 172.20.1.10:80 rr']).toEqual(['10.42.1.11:8080 Masq 1']);
  });

  it('kube-ipvs0 (kube-proxy in IPVS mode): refused, said in show agent ipvs and the summary, ipMode VIP, our virtual services gone', () => {
    const r = result<{ serving: boolean; refused: boolean; text: string; summary: unknown; whileRefused: string; ingressWhileRefused: unknown; back: boolean }>('kube-ipvs0');
    expect([r.serving, r.refused, r.back]).toEqual([true, true, true]);
    expect(r.text.split('\n')[0]).toBe('IPVS refused: kube-proxy runs in IPVS mode on this node (kube-ipvs0 exists): it owns the IPVS table and binds the Service IPs itself');
    expect(r.summary).toEqual({ state: 'refused', reason: expect.stringContaining('kube-ipvs0 exists') });
    expect(listing(r.whileRefused)).toEqual(FOREIGN);
    expect(r.ingressWhileRefused).toEqual([{ ip: '172.20.1.10', ipMode: 'VIP' }]);
  });

  it('teardown by ipvs.enabled false, by vipgate agent cleanup after a kill, and by the node\'s deletion leaves the node as it was', () => {
    const before = result<NodeState>('before');
    expect(before.sysctls).toEqual({ 'net/ipv4/conf/all/arp_ignore': '0', 'net/ipv4/conf/all/arp_announce': '1', 'net/ipv4/vs/conntrack': '0' });
    expect(listing(before.ipvsadm)).toEqual(FOREIGN);
    const off = result<{ off: boolean; after: NodeState; state: unknown; web: Attempt[] }>('teardown-disabled');
    expect(off.off).toBe(true);
    expect(off.after).toEqual(before);
    expect(off.state).toEqual({ enabled: false });
    // kube-proxy serves the IP again (ipMode VIP): nothing is lost by turning IPVS off
    expect(off.web.every((a) => a.greeting !== undefined)).toBe(true);
    const cleanup = result<{ again: boolean; during: NodeState; cleanup: { code: number; out: string }; after: NodeState; record: boolean }>('teardown-cleanup');
    expect(cleanup.again).toBe(true);
    expect(cleanup.during.sysctls).toEqual({ 'net/ipv4/conf/all/arp_ignore': '1', 'net/ipv4/conf/all/arp_announce': '2', 'net/ipv4/vs/conntrack': '1' });
    expect(cleanup.during.nftTables).toContain('table inet vipgate-agent');
    expect(cleanup.cleanup.code).toBe(0);
    expect(cleanup.cleanup.out).toMatch(/virtual services removed: tcp:172\.20\.1\.1[01]:80, tcp:172\.20\.1\.1[01]:80\n/);
    expect(cleanup.cleanup.out).toContain('sysctls restored: net.ipv4.conf.all.arp_ignore=0, net.ipv4.conf.all.arp_announce=1, net.ipv4.vs.conntrack=0');
    expect([cleanup.after, cleanup.record]).toEqual([before, false]);
    const deleted = result<{ serving: boolean; code: unknown; after: NodeState; record: boolean }>('teardown-node-deleted');
    expect([deleted.serving, deleted.code, deleted.after, deleted.record]).toEqual([true, 0, before, false]);
  });

  it('capabilities: NET_ADMIN effective (root, as Kubernetes grants it) and a writable net.* sysctl tree; no `ip` program', () => {
    const caps = new Map(result<{ name: string; state: string; reason?: string; traffic: Attempt[]; process: string[]; path: string }[]>('capabilities').map((c) => [c.name, c]));
    const eperm = /^add dummy link vipgate-ipvs0: EPERM/;
    for (const failing of ['nonroot-none', 'nonroot-add-net-admin', 'root-all-but-net-admin', 'deploy/daemonset.yaml']) {
      expect({ name: failing, state: caps.get(failing)?.state, reason: caps.get(failing)?.reason }).toEqual({ name: failing, state: 'failed', reason: expect.stringMatching(eperm) });
    }
    // Kubernetes' add: [NET_ADMIN] for a non-root user: in the bounding set, not effective
    expect(caps.get('nonroot-add-net-admin')!.process).toEqual(expect.arrayContaining(['CapEff:\t0000000000000000', 'CapBnd:\t0000000000001000']));
    expect(caps.get('root-net-admin-ro-proc')).toMatchObject({ state: 'failed', reason: expect.stringMatching(/^cannot write net\.ipv4\.conf\.all\.arp_ignore .*EROFS/) });
    for (const serving of ['nonroot-ambient-net-admin', 'root-net-admin-host-proc', 'root-net-admin-sysctls-preset', 'deploy/daemonset-ipvs.yaml']) {
      const c = caps.get(serving);
      expect({ name: serving, state: c?.state, answered: c?.traffic.length === 2 && c.traffic.every((a) => a.greeting !== undefined) })
        .toEqual({ name: serving, state: 'serving', answered: true });
    }
    // the manifest's process: uid 0, NET_ADMIN (bit 12) and nothing else, no_new_privs; PATH with node and nft only
    expect(caps.get('deploy/daemonset-ipvs.yaml')!.process).toEqual(['Uid:\t0\t0\t0\t0', 'CapEff:\t0000000000001000', 'CapBnd:\t0000000000001000', 'CapAmb:\t0000000000000000', 'NoNewPrivs:\t1']);
    expect(caps.get('deploy/daemonset-ipvs.yaml')!.path).toBe('PATH=/tmp/caps/path');
  });
});
