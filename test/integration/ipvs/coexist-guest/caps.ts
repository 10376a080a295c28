/**
 * What the IPVS agent needs, measured: the agent (file source, one Cluster Service with endpoints on both
 * nodes) started under util-linux's setpriv with a capability set and user as a container runtime would
 * give them, in a mount namespace whose /proc/sys is read-only as a container's is (runc mounts it so), or
 * with the host's /proc/sys/net bind-mounted writable beside it. Each variant reports the data plane's state
 * and reason from `vipgate show agent ipvs`, whether a client got through, and its PATH (no `ip` program in
 * it: the agent needs only node and nft). Between variants the node is reset as `vipgate agent cleanup` does.
 * Last come the DaemonSets of deploy/ as written (../manifest-variant.ts, handed in as manifest-variants.json).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cleanupIpvs } from '../../../../src/agent/ipvs/control.js';
import { silentLogger } from '../../../../src/lib/log.js';
import type { CapVariant } from '../manifest-variant.js';
import { attemptsFrom, result, run, showIpvs, sleep, startAgent, waitUntil, type IpvsView } from './util.js';

type Variant = CapVariant;

const NONROOT = ['--reuid=65532', '--regid=65532', '--clear-groups'];
const NNP = ['--no-new-privs'];
export const VARIANTS: readonly Variant[] = [
  { name: 'nonroot-none', as: 'the default DaemonSet: runAsUser 65532, drop ALL', setpriv: [...NONROOT, '--inh-caps=-all', '--bounding-set=-all', ...NNP], procSys: 'ro' },
  { name: 'nonroot-add-net-admin', as: 'runAsUser 65532, drop ALL, add NET_ADMIN (no ambient capabilities in Kubernetes)',
    setpriv: [...NONROOT, '--inh-caps=-all,+net_admin', '--bounding-set=-all,+net_admin', ...NNP], procSys: 'ro' },
  { name: 'nonroot-ambient-net-admin', as: 'uid 65532 with NET_ADMIN ambient (not expressible in a Pod spec)',
    setpriv: [...NONROOT, '--inh-caps=-all,+net_admin', '--ambient-caps=-all,+net_admin', '--bounding-set=-all,+net_admin', ...NNP], procSys: 'rw' },
  { name: 'root-all-but-net-admin', as: 'root with every capability but NET_ADMIN', setpriv: ['--reuid=0', '--bounding-set=-net_admin', '--inh-caps=-all', ...NNP], procSys: 'rw' },
  { name: 'root-net-admin-ro-proc', as: 'runAsUser 0, drop ALL, add NET_ADMIN, allowPrivilegeEscalation false (/proc/sys read-only)',
    setpriv: ['--reuid=0', '--bounding-set=-all,+net_admin', '--inh-caps=-all', ...NNP], procSys: 'ro' },
  { name: 'root-net-admin-host-proc', as: 'the same plus the host\'s /proc/sys/net mounted writable, ipvs.procSys /host/proc/sys (deploy/daemonset-ipvs.yaml)',
    setpriv: ['--reuid=0', '--bounding-set=-all,+net_admin', '--inh-caps=-all', ...NNP], procSys: 'ro+host' },
  { name: 'root-net-admin-sysctls-preset', as: 'runAsUser 0, NET_ADMIN, /proc/sys read-only, the sysctls already set on the host',
    setpriv: ['--reuid=0', '--bounding-set=-all,+net_admin', '--inh-caps=-all', ...NNP], procSys: 'ro', presetSysctls: true },
];

const DIR = '/tmp/caps';
/** Where the host's /proc/sys/net is mounted in the ro+host variants (deploy/daemonset-ipvs.yaml's place). */
const HOST_NET = '/host/proc/sys/net';
const CLUSTER = `apiVersion: v1
kind: Node
metadata: { name: n1 }
---
apiVersion: v1
kind: Node
metadata: { name: n2 }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec: { type: LoadBalancer, loadBalancerIP: 172.20.1.10, selector: { app: web }, ports: [{ name: http, port: 80, targetPort: 8080, protocol: TCP }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: web-1, namespace: shop, labels: { kubernetes.io/service-name: web } }
addressType: IPv4
ports: [{ name: http, port: 8080, protocol: TCP }]
endpoints:
  - { addresses: [10.42.1.11], nodeName: n1, conditions: { ready: true } }
  - { addresses: [10.42.2.12], nodeName: n2, conditions: { ready: true } }
`;

function config(procSys: string, stateFile: string): string {
  return `asn: 64512
routerId: 10.0.0.1
peers: [{ address: 192.0.2.254, asn: 64513, connectRetry: 60 }]
pools: [{ name: default, addresses: [172.20.1.0/24] }]
gracefulRestart: { stateDir: ${DIR}/gr }
ipvs: { enabled: true, stateFile: ${stateFile}, procSys: ${procSys}, resyncSeconds: 2 }
`;
}

/** The wrapper: a mount namespace with /proc/sys as a container has it, then setpriv, with a PATH without `ip`. */
function wrapper(v: Variant): string[] {
  const at = v.hostNetMount ?? HOST_NET;
  const mounts = [
    'mount --make-rprivate /',
    ...(v.procSys === 'ro+host' ? [`mkdir -p ${at}`, `mount --bind /proc/sys/net ${at}`] : []),
    ...(v.procSys !== 'rw' ? ['mount --bind /proc/sys /proc/sys', 'mount -o remount,bind,ro /proc/sys'] : []),
  ];
  return ['unshare', '-m', 'sh', '-c', `${mounts.join(' && ')}${mounts.length ? ' && ' : ''}PATH=${DIR}/path exec /usr/sbin/setpriv ${v.setpriv.join(' ')} -- "$@"`, 'wrapper'];
}

const SYSCTL_WANTED: Readonly<Record<string, string>> = { 'net/ipv4/conf/all/arp_ignore': '1', 'net/ipv4/conf/all/arp_announce': '2', 'net/ipv4/vs/conntrack': '1' };

export async function measureCapabilities(): Promise<void> {
  mkdirSync(`${DIR}/path`, { recursive: true });
  mkdirSync(`${DIR}/gr`, { recursive: true });
  chmodSync(DIR, 0o1777);
  chmodSync(`${DIR}/gr`, 0o1777);
  // the agent's PATH: node and nft only
  for (const p of ['node', 'nft']) run('ln', ['-sf', `/usr/${p === 'node' ? 'bin' : 'sbin'}/${p}`, `${DIR}/path/${p}`]);
  writeFileSync(`${DIR}/cluster.yaml`, CLUSTER);
  chmodSync(`${DIR}/cluster.yaml`, 0o644);
  const baseline = Object.fromEntries(Object.keys(SYSCTL_WANTED).map((k) => [k, run('cat', [`/proc/sys/${k}`]).out.trim()]));
  const out: unknown[] = [];
  const manifests = existsSync('/payload/manifest-variants.json') ? JSON.parse(readFileSync('/payload/manifest-variants.json', 'utf8')) as Variant[] : [];
  for (const v of [...VARIANTS, ...manifests]) {
    console.log(`capability variant ${v.name}`);
    const id = v.name.replace(/[^\w.-]/g, '_');
    const stateFile = `${DIR}/${id}.state.json`;
    const cfg = `${DIR}/${id}.yaml`;
    writeFileSync(cfg, config(v.procSys === 'ro+host' ? (v.hostNetMount ?? HOST_NET).replace(/\/net$/, '') : '/proc/sys', stateFile));
    chmodSync(cfg, 0o644);
    if (v.presetSysctls) for (const [k, val] of Object.entries(SYSCTL_WANTED)) writeFileSync(`/proc/sys/${k}`, `${val}\n`);
    const socket = `${DIR}/${id}.sock`;
    const agent = startAgent(`${DIR}/${id}.log`, ['--source', `file:${DIR}/cluster.yaml`, '--config', cfg, '--node', 'n1', '--socket', socket], wrapper(v));
    let view: IpvsView | undefined;
    await waitUntil(`${v.name}: a settled IPVS state`, async () => { view = await showIpvs(socket); return view?.state === 'serving' || view?.state === 'failed' || view?.state === 'refused'; });
    // a failure may be retried into success (e.g. a slow start): give it one resync more
    if (view?.state === 'failed') { await sleep(3000); view = await showIpvs(socket); }
    const traffic = view?.state === 'serving' ? attemptsFrom('172.20.1.10', 80, ['10.0.0.2', '10.0.0.3'], 3000) : [];
    const status = run('sh', ['-c', `grep -E '^(Uid|CapEff|CapBnd|CapAmb|NoNewPrivs)' /proc/${agent.pid}/status 2>/dev/null; true`]).out;
    const environ = run('sh', ['-c', `tr '\\0' '\\n' < /proc/${agent.pid}/environ 2>/dev/null | grep ^PATH=; true`]).out.trim();
    const code = await agent.stop();
    // as `vipgate agent cleanup` does (that command itself is run in main.ts), in this process: one bundle load less per variant
    const cleanup = await cleanupIpvs({ log: silentLogger(), stateFile, procSys: '/proc/sys' });
    for (const [k, val] of Object.entries(baseline)) writeFileSync(`/proc/sys/${k}`, `${val}\n`);
    out.push({
      name: v.name, as: v.as, state: view?.state ?? 'no answer', reason: view?.reason, failure: view?.failure, services: view?.services?.length ?? 0,
      traffic, process: status.trim().split('\n'), path: environ, exit: code, cleanup: { removed: cleanup.removed, errors: cleanup.errors, sysctlsRestored: cleanup.sysctlsRestored },
      errors: agent.log().filter((l) => l.level >= 50).map((l) => `${l.msg}: ${String(l['reason'] ?? l['err'] ?? '')}`).slice(0, 5),
    });
  }
  result('capabilities', out);
}
