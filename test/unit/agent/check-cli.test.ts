/**
 * `vipgate agent --check` as a user runs it (the built CLI, dist/): exit 0 for a valid configuration with
 * its warnings listed, 3 for an invalid one with every error and warning and its object and field path, 1
 * for a file that cannot be read; MetalLB's objects given as files (--metallb-objects) beside vipgate's
 * settings; --source file:PATH adds what each node announces, and why a Service is not announced.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, REPO } from '../../helpers/vipgate.js';

const dir = mkdtempSync(join(tmpdir(), 'vipgate-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function run(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, 'agent', '--check', ...args], { encoding: 'utf8', cwd: REPO });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const SAMPLES = join(REPO, 'test/fixtures/metallb');

describe('vipgate agent --check', () => {
  it('an invalid vipgate file: exit 3, each error with its field and what is wrong with the value', () => {
    const r = run('--config', file('bad.yaml', 'asn: "sixty"\npeers: []\npools: [{ name: a, addresses: [172.20.1.0/33] }]\n'));
    expect(r.code).toBe(3);
    expect(r.out).toBe('');
    expect(r.err.split('\n')).toEqual([
      `${join(dir, 'bad.yaml')}: configuration is not valid (3 errors, 0 warnings)`,
      '  error asn: must be an AS number 1..4294967295, not "sixty"',
      '  error peers: must have at least 1 entry, found none',
      '  error pools[0].addresses[0]: not a CIDR or an address range: "172.20.1.0/33": prefix length 33 is longer than 32',
      '',
    ]);
  });

  it('a MetalLB sample: exit 0, the warnings named; vrf refused with exit 3', () => {
    const ok = run('--config', join(SAMPLES, 'configsamples/deployment_bgp.yaml'));
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^.*deployment_bgp\.yaml: configuration is valid \(metallb-crds: 1 pool, 2 peers, 1 advertisement; 0 errors, 2 warnings\)\n  warning Deployment\/nginx: not a MetalLB BGP configuration object/);
    const vrf = run('--config', join(SAMPLES, 'configsamples/bgppeer_with_vrf.yaml'));
    expect(vrf.code).toBe(3);
    expect(vrf.err).toContain('  error BGPPeer/peer.spec.vrf: VRFs are not supported');
  });

  it('MetalLB objects as files beside vipgate\'s settings, and what node n1 announces for the Services of --source', () => {
    const objects = file('objects.yaml', `apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: { name: router, namespace: metallb-system }
spec: { myASN: 64512, peerASN: 64513, peerAddress: 192.168.10.254, holdtime: 9s }
`);
    const settings = file('settings.yaml', 'announceClusterWithoutEndpoints: false\n');
    const source = file('cluster.yaml', `apiVersion: v1
kind: Node
metadata: { name: n1 }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { type: LoadBalancer, ports: [{ port: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: idle, namespace: default }
spec: { type: LoadBalancer, loadBalancerIP: 192.168.10.9, ports: [{ port: 80 }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: web-1, namespace: default, labels: { kubernetes.io/service-name: web } }
endpoints: [{ addresses: [10.42.0.1], conditions: { ready: true }, nodeName: n1 }]
`);
    const r = run('--metallb-objects', `${join(SAMPLES, 'configsamples/simple_pool_adv_bgp.yaml')},${objects}`, '--config', settings, '--source', `file:${source}`, '--node', 'n1');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.split('\n').slice(1)).toEqual([
      '  warning BGPPeer/router.spec.holdtime: unknown field, ignored',
      'Peer    Address         AS     BFD (rx/tx)  Other',
      'router  192.168.10.254  64513  off          -',
      'graceful restart: on, 120 s',
      'graceful shutdown: drain 5 s, stop: auto',
      'ipvs: off',
      'telemetry: off',
      'metrics: off',
      'node n1:',
      '  to router: 192.168.10.0/32 (default/web)',
      '  default/idle not announced: noEndpoints: the Service has no ready endpoint on any node',
      '',
    ]);
  });

  it('a file that cannot be read: exit 1; no file given: usage, exit 2', () => {
    const r = run('--config', join(dir, 'missing.yaml'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^vipgate agent: cannot read .*missing\.yaml: ENOENT/);
    expect(run().code).toBe(2);
  });
});
