/**
 * The agent's container image as a k3s node runs it. The image is built by `npm run agent-image` (once per
 * test run, test/helpers/agent-image.ts), loaded into rootful podman (private storage), and the pod of
 * deploy/daemonset.yaml is run from that file itself (test/helpers/pod.ts): its init container, its
 * securityContext (UID 65532, every capability dropped, no privilege escalation, read-only root), its
 * volumes (the ConfigMap of deploy/config.yaml, the emptyDir, the hostPath state directory), its
 * arguments and env, hostNetwork in a node namespace. In-cluster mode as a pod gets it: the service account
 * token and CA files at /var/run/secrets/kubernetes.io/serviceaccount, KUBERNETES_SERVICE_HOST/PORT pointing
 * at 10.43.0.1:443 (k3s's kubernetes Service address) on the node, where a forwarder brings the test's API
 * server: the fake of fake-apiserver.ts over TLS with a certificate of a CA made here by openssl, answering
 * 401 to any request without the service account's bearer token. The agent lists and watches, wins the
 * Lease, writes the Service's address, peers (BGP + BFD) with a vipgate router in another namespace, and the
 * router's kernel routes the Service IP through the node. Also: `vipgate version` as UID 65532 with every
 * capability dropped and a read-only root; nft runs (the IPVS data plane's SNAT table); no shell.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { routerClient } from '../../../src/control/client.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentImage, type AgentImage } from '../../helpers/agent-image.js';
import { runCli, spawnLogged } from '../../helpers/daemons/process.js';
import { isRoot, Netlab, waitFor } from '../../helpers/netns.js';
import { Containerd } from '../../helpers/containerd.js';
import { Podman, type PodSpec } from '../../helpers/pod.js';
import { makeTestPki } from '../../helpers/tls.js';
import { REPO, VipgateRouter } from '../../helpers/vipgate.js';
import { FakeApiServer } from './fake-apiserver.js';

const API_HOST = '10.43.0.1';
const API_PORT = 443;
const NODE = 'k3s-n1';

type Manifest = { kind: string; metadata: { name: string; namespace?: string }; data?: Record<string, string>; spec?: { template?: { spec: PodSpec } } };

function manifests(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(join(REPO, file), 'utf8')).map((d) => d.toJS() as Manifest).filter(Boolean);
}

describe.runIf(isRoot())('the agent image, run as deploy/daemonset.yaml says, in-cluster over TLS (podman)', () => {
  const lab = new Netlab();
  const dir = mkdtempSync('/var/tmp/vipgate-podman-');
  const podman = new Podman(join(dir, 'podman'));
  let image: AgentImage;
  let router: VipgateRouter | undefined;
  let api: FakeApiServer | undefined;

  beforeAll(async () => {
    image = await agentImage('amd64');
    expect(await podman.load(image.tar)).toContain(image.ref);
  }, 1_800_000);

  afterAll(async () => {
    await podman.dispose();
    await router?.dispose();
    await api?.stop();
    await lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }, 180_000);

  it('runs `vipgate version` as UID 65532 with every capability dropped and a read-only root; nft runs; there is no shell', async () => {
    const locked = ['run', '--rm', '--pull', 'never', '--network', 'none', '--ulimit', 'nofile=4096:4096', '--ulimit', 'nproc=4096:4096',
      '--user', '65532:65532', '--cap-drop', 'ALL', '--read-only', '--read-only-tmpfs=false', '--security-opt', 'no-new-privileges'];
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    expect((await podman.must([...locked, image.ref, 'version'])).trim()).toBe(`vipgate ${pkg.version}`);
    // the same process's own view: its IDs and capability sets
    const self = await podman.must([...locked, '--entrypoint', 'node', image.ref, '-e',
      "const s = require('fs').readFileSync('/proc/self/status', 'utf8'); console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), caps: s.match(/^Cap(Prm|Eff|Bnd|Amb):\\s*(\\w+)$/gm) }))"]);
    const view = JSON.parse(self) as { uid: number; gid: number; caps: string[] };
    expect(view.uid).toBe(65532);
    expect(view.gid).toBe(65532);
    expect(view.caps.map((c) => c.split(/\s+/)[1])).toEqual(['0000000000000000', '0000000000000000', '0000000000000000', '0000000000000000']);
    expect(await podman.must([...locked, '--entrypoint', 'nft', image.ref, '--version'])).toMatch(/^nftables v1\./);
    const sh = await podman.exec([...locked, '--entrypoint', '/bin/sh', image.ref, '-c', 'true']);
    expect(sh.code).not.toBe(0);
    expect(sh.stderr).toMatch(/\/bin\/sh.*no such file/);
    // the OCI config: the labels and the user
    const inspect = JSON.parse(await podman.must(['image', 'inspect', image.ref])) as { Config: { User: string; Labels: Record<string, string> }; Architecture: string }[];
    expect(inspect[0]!.Architecture).toBe('amd64');
    expect(inspect[0]!.Config.User).toBe('65532:65532');
    expect(inspect[0]!.Config.Labels['org.opencontainers.image.version']).toBe(pkg.version);
  }, 180_000);

  it('the two-command install from the router\'s page: the image into podman and containerd, the rendered DaemonSet with its init container, security context and volumes, in-cluster TLS, BGP and BFD to the router, the Service IP routed via the node', async () => {
    // the node, the router on the nodes' LAN, and the API server's address on the node
    const rtr = lab.ns('rtr');
    const n1 = lab.ns('n1');
    lab.link(rtr, ['192.168.10.254/24'], n1, ['192.168.10.10/24']);
    lab.exec(n1, 'ip', ['addr', 'add', `${API_HOST}/32`, 'dev', 'lo']);
    const pki = makeTestPki(dir, { ips: [API_HOST], dns: ['kubernetes.default.svc'] });
    const token = randomBytes(24).toString('base64url');
    api = new FakeApiServer({ tls: pki, token });
    const socket = join(dir, 'api.sock');
    await api.start(socket);
    spawnLogged(lab, n1, process.execPath, [join(REPO, 'dist', 'lab', 'forward.js'), `${API_HOST}:${API_PORT}`, socket], join(dir, 'forward.log'));
    api.put('nodes', { metadata: { name: NODE, labels: { 'kubernetes.io/hostname': NODE } }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
    api.put('services', { metadata: { name: 'web', namespace: 'default' }, spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }], selector: { app: 'web' } } });
    api.put('endpointslices', {
      metadata: { name: 'web-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4', endpoints: [{ addresses: ['10.42.0.5'], conditions: { ready: true }, nodeName: NODE }],
    });

    // the box: the nodes as dynamic neighbors, BFD, the pool in the import policy; the page serving the image
    router = await VipgateRouter.start(lab, rtr, `asn: 64513
routerId: 192.168.10.254
maximumPaths: 4
neighbors:
  - { range: 192.168.10.0/24, group: nodes }
groups:
  nodes:
    remoteAs: 64512
    holdTime: 9
    bfd: { enabled: true, minRx: 300, minTx: 300, multiplier: 3 }
    gracefulRestart: { enabled: true }
    import: { prefixes: ["172.20.1.0/24 le 32"] }
    export: none
web: { address: 192.168.10.254, port: 8080, agentImages: ${dirname(image.tar)} }
`);
    const box = 'http://192.168.10.254:8080';

    // 1. on the node: curl BOX/k3s/vipgate-agent-$(uname -m).tar | k3s ctr images import -, here into podman
    // (the runtime of this test) and into containerd's own ctr (k3s's importer)
    await podman.must(['rmi', '--force', image.ref]);
    const arch = (await runCli('uname', ['-m'])).trim();
    const download = () => lab.spawn(n1, 'curl', ['-fsS', `${box}/k3s/vipgate-agent-${arch}.tar`], { stdio: ['ignore', 'pipe', 'inherit'] }).stdout!;
    expect(await podman.load(download())).toContain(image.ref);
    const ctrd = await Containerd.start(lab, n1, join(dir, 'containerd'));
    expect(await ctrd.import(download())).toContain(image.ref);
    expect(await ctrd.images()).toEqual([{ ref: image.ref, platforms: 'linux/amd64' }]);

    // 2. kubectl apply -f BOX/k3s/agent.yaml: what the page renders is what `vipgate show agent-manifests` prints
    const served = await runCli('curl', ['-fsS', `${box}/k3s/agent.yaml`], n1);
    expect(served).toBe(await runCli(process.execPath, [join(REPO, 'bin', 'vipgate.js'), 'show', 'agent-manifests', '--socket', router.socket]));
    const rendered = parseAllDocuments(served).map((d) => d.toJS() as Manifest).filter(Boolean);
    const daemonset = rendered.find((m) => m.kind === 'DaemonSet')!;
    const configMap = rendered.find((m) => m.kind === 'ConfigMap')!;
    const pod = daemonset.spec!.template!.spec;
    // the rendered DaemonSet is deploy/daemonset.yaml's
    expect(pod).toEqual(manifests('deploy/daemonset.yaml').find((m) => m.kind === 'DaemonSet')!.spec!.template!.spec);
    expect(pod.containers.map((c) => c.image)).toEqual([image.ref]);
    expect(configMap.data!['agent.yaml']).toMatch(/address: 192\.168\.10\.254\n\s+asn: 64513/);

    const node = { name: NODE, netns: n1, root: join(dir, 'node-root') };
    const [agent] = await podman.runPod('vipgate-agent', pod, {
      namespace: daemonset.metadata.namespace!, node, configMaps: { [configMap.metadata.name]: configMap.data! },
      serviceAccount: { token, ca: pki.ca }, apiServer: { host: API_HOST, port: API_PORT },
    });
    const logs = () => podman.logs(agent!);

    // the IPAM leader (the only agent) wrote the address into the Service's status
    const ingress = await waitFor('status.loadBalancer.ingress written by the agent', () => {
      const s = api!.get('services', 'default', 'web') as { status?: { loadBalancer?: { ingress?: { ip: string }[] } } } | undefined;
      return s?.status?.loadBalancer?.ingress?.[0]?.ip;
    }, 60_000).catch(async (e: Error) => { throw new Error(`${e.message}\n${await logs()}`); });
    expect(ingress).toMatch(/^172\.20\.1\.\d+$/);
    expect(api.leases.get('vipgate-system/vipgate-ipam')).toBeDefined();
    // every request carried the service account's token (the server answers 401 otherwise)
    expect(api.requests.length).toBeGreaterThan(3);
    expect(api.requests.filter((r) => !r.authorized)).toEqual([]);
    expect(api.requests.some((r) => r.query['watch'] === 'true')).toBe(true);

    await router.waitPeerState('192.168.10.10', 'Established', 60_000);
    const viaNode = await waitFor(`the router's kernel routes ${ingress} via the node`, async () => {
      const routes = JSON.parse(await runCli('ip', ['-j', 'route', 'show', `${ingress}/32`], rtr)) as { dst: string; gateway?: string; protocol?: string }[];
      return routes.find((r) => r.gateway === '192.168.10.10');
    }, 30_000);
    expect(viaNode.dst).toBe(ingress);
    const bfd = await waitFor('BFD Up between the router and the agent', async () => {
      const v = await routerClient(router!.socket).call('show bfd');
      return v.sessions.find((s) => s.peer === '192.168.10.10' && s.state === 'Up');
    }, 30_000);
    expect(bfd.state).toBe('Up');

    // the kubelet's stop: SIGTERM within terminationGracePeriodSeconds; a rollout (node not cordoned) is a
    // graceful restart, whose marker lands in the hostPath the init container handed to UID 65532
    const stop = await podman.stop(agent!, pod.terminationGracePeriodSeconds ?? 30);
    expect(stop.code).toBe(0);
    const inspect = JSON.parse(await podman.must(['inspect', agent!])) as { State: { ExitCode: number } }[];
    expect(inspect[0]!.State.ExitCode, await logs()).toBe(0);
    expect(await logs()).toMatch(/stop: graceful-restart/);
    const stateDir = join(node.root, 'run', 'vipgate-agent');
    expect(statSync(stateDir).uid).toBe(65532);
    expect(statSync(join(stateDir, 'agent-restart.json')).uid).toBe(65532);

    // the same pod whose ca.crt is another CA's: the client refuses the server's certificate, and not one
    // request reaches the API server
    const seen = api.requests.length;
    const other = makeTestPki(mkdtempSync(join(dir, 'other-ca-')), { ips: [API_HOST] });
    const [refused] = await podman.runPod('vipgate-agent-other-ca', pod, {
      namespace: daemonset.metadata.namespace!, node, configMaps: { [configMap.metadata.name]: configMap.data! },
      serviceAccount: { token, ca: other.ca }, apiServer: { host: API_HOST, port: API_PORT },
    });
    const why = await waitFor('the agent to refuse the API server certificate', async () => {
      const text = await podman.logs(refused!);
      return /self[- ]signed certificate|unable to verify|certificate/i.exec(text)?.[0];
    }, 60_000);
    expect(why).toBeDefined();
    expect(api.requests.length).toBe(seen);
    await podman.stop(refused!, 1);
  }, 600_000);
});
