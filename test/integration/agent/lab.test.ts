/**
 * The seed's topology in namespaces made by the test: three k3s "nodes" (192.168.10.10, .101, .102 and
 * fd00:10::/64 addresses), each running `vipgate agent --source file:services.yaml` (AS 64512); the
 * vipgate router (AS 64513, 192.168.10.254, dynamic neighbors from the LAN, ECMP into its kernel) and
 * BIRD 2 as a second router (192.168.10.253, `merge paths on`). Everything is real except the cluster,
 * which is the watched manifest file. Checks, in the routers' kernel tables (`ip -j route` / `ip -j
 * nexthop`): a Cluster Service from all three nodes with equal weights; a Local dual-stack Service only
 * from nodes with ready endpoints, weighted by their number through the link bandwidth community
 * (3:1 → 191:64); editing the EndpointSlice in the file moves next hops and weights; deleting the
 * Service withdraws it; an agent stopped with SIGTERM takes its node out at once (GRACEFUL_SHUTDOWN,
 * then withdrawn with Cease after a 1 s drain).
 * Needs root (namespaces) and `npm run build` (the processes run dist/).
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { Netlab, waitFor } from '../../helpers/netns.js';
import { BirdDaemon } from '../../helpers/daemons/bird.js';
import { decodeLinkBandwidth, waitRoute } from '../../helpers/daemons/types.js';
import { spawnLogged, stopChild, tailLog } from '../../helpers/daemons/process.js';
import { CLI, VipgateRouter } from '../../helpers/vipgate.js';
import { agentClient } from '../../../src/agent/commands.js';
import { kernelHops } from './kernel-hops.js';

const NODES = [
  { name: 'n1', v4: '192.168.10.10', v6: 'fd00:10::10' },
  { name: 'n2', v4: '192.168.10.101', v6: 'fd00:10::101' },
  { name: 'n3', v4: '192.168.10.102', v6: 'fd00:10::102' },
] as const;

const ROUTER = `
asn: 64513
routerId: 192.168.10.254
maximumPaths: 4
listen: { address: "::" }
neighbors:
  - { range: 192.168.10.0/24, remoteAs: 64512, holdTime: 9, import: all, export: none, families: [ipv4, ipv6] }
`;

const AGENT = `
asn: 64512
peers:
  - { address: 192.168.10.254, asn: 64513, holdTime: 9, connectRetry: 1, name: vipgate }
  - { address: 192.168.10.253, asn: 64513, holdTime: 9, connectRetry: 1, name: bird }
pools:
  - { name: default, addresses: [172.20.1.0/24, "fd00:172:20::/120"], avoidBuggyIPs: true }
gracefulShutdown: { drainSeconds: 1 }
`;

function endpoints(perNode: Record<string, number>): string {
  return Object.entries(perNode).flatMap(([n, k]) => Array.from({ length: k }, (_, i) =>
    `  - { addresses: ["10.42.${NODES.findIndex((x) => x.name === n)}.${i + 10}"], conditions: { ready: true }, nodeName: ${n} }`)).join('\n');
}

function endpointSlice(service: string, perNode: Record<string, number>): string {
  return `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${service}-x1, namespace: default, labels: { kubernetes.io/service-name: ${service} } }
addressType: IPv4
endpoints:
${endpoints(perNode)}`;
}

function manifests(apiEndpoints: Record<string, number>, withApi = true): string {
  const nodes = NODES.map((n) => `apiVersion: v1\nkind: Node\nmetadata: { name: ${n.name} }\nstatus: { conditions: [{ type: Ready, status: "True" }] }`);
  const web = `apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { type: LoadBalancer, loadBalancerIP: 172.20.1.1, ports: [{ port: 80, protocol: TCP }], selector: { app: web } }
---
${endpointSlice('web', { n1: 1 })}`;
  const api = `apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: default
  annotations: { metallb.universe.tf/loadBalancerIPs: "172.20.1.2,fd00:172:20::2" }
spec: { type: LoadBalancer, externalTrafficPolicy: Local, ipFamilyPolicy: RequireDualStack, ipFamilies: [IPv4, IPv6], ports: [{ port: 443, protocol: TCP }], selector: { app: api } }
---
${endpointSlice('api', apiEndpoints)}`;
  return [...nodes, web, ...(withApi ? [api] : [])].join('\n---\n');
}

describe('three agents (file source), the vipgate router and BIRD', () => {
  let lab: Netlab;
  let router: VipgateRouter;
  let bird: BirdDaemon;
  let dir: string;
  const agents: { child: ChildProcess; log: string; socket: string }[] = [];
  const servicesFile = (): string => join(dir, 'services.yaml');

  /** Replace the watched file the way editors and kubectl-like tools do: write aside, rename over. */
  function writeServices(text: string): void {
    const tmp = join(dir, '.services.yaml.tmp');
    writeFileSync(tmp, text);
    renameSync(tmp, servicesFile());
  }

  beforeAll(async () => {
    lab = new Netlab();
    dir = mkdtempSync(join(tmpdir(), 'vipgate-agent-lab-'));
    const seg = lab.segment('lan');
    const rt = lab.ns('rt');
    const bd = lab.ns('bird');
    seg.attach(rt, ['192.168.10.254/24', 'fd00:10::254/64'], 'rt');
    seg.attach(bd, ['192.168.10.253/24', 'fd00:10::253/64'], 'bd');
    const nodeNs = NODES.map((n) => { const ns = lab.ns(n.name); seg.attach(ns, [`${n.v4}/24`, `${n.v6}/64`], n.name); return ns; });
    router = await VipgateRouter.start(lab, rt, ROUTER);
    bird = await BirdDaemon.start(lab, bd, {
      routerId: '192.168.10.253', as: 64513, kernel: true,
      neighbors: NODES.map((n) => ({ address: n.v4, as: 64512, passive: true, holdTime: 9, families: ['ipv4', 'ipv6'] })),
    });
    writeFileSync(join(dir, 'agent.yaml'), AGENT);
    writeServices(manifests({ n1: 3, n2: 1 }));
    NODES.forEach((n, i) => {
      const log = join(dir, `${n.name}.log`);
      const socket = join(dir, `${n.name}.sock`);
      const child = spawnLogged(lab, nodeNs[i]!, process.execPath, [CLI, 'agent', '--source', `file:${servicesFile()}`, '--config', join(dir, 'agent.yaml'), '--node', n.name, '--socket', socket], log);
      agents.push({ child, log, socket });
    });
  }, 60_000);

  afterAll(async () => {
    for (const a of agents) await stopChild(a.child, 2000, 'SIGKILL').catch(() => undefined);
    await bird?.stop().catch(() => undefined);
    await router?.dispose().catch(() => undefined);
    await lab?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const logs = (): string => agents.map((a, i) => `--- ${NODES[i]!.name}\n${tailLog(a.log, 20)}`).join('\n') + `\n--- router\n${router.log().split('\n').slice(-20).join('\n')}`;
  const waitHops = (ns: string, prefix: string, want: string[]): Promise<string[]> =>
    waitFor(`${prefix} in ${ns} via ${want.join(' ')}`, async () => {
      const got = await kernelHops(ns, prefix);
      return JSON.stringify(got) === JSON.stringify(want) ? got : undefined;
    }, 30_000, 200).catch((e: Error) => { throw new Error(`${e.message}\n${logs()}`); });

  it('each agent syncs once, peers with both routers and announces from its own address', async () => {
    for (const [i, a] of agents.entries()) {
      const s = await waitFor(`agent ${NODES[i]!.name} sessions up`, async () => {
        const v = await agentClient(a.socket).call('show agent', {}, 2000).catch(() => undefined);
        return v && v.peers.length === 2 && v.peers.every((p) => p.state === 'Established') ? v : undefined;
      }, 30_000).catch((e: Error) => { throw new Error(`${e.message}\n${logs()}`); });
      expect(s.synced).toBe(true);
      expect(s.assignments).toEqual({ 'default/api': ['172.20.1.2', 'fd00:172:20::2'], 'default/web': ['172.20.1.1'] });
    }
  });

  it('Cluster: all three nodes, equal weights; Local: 3:1 by ready endpoints, IPv4 and IPv6', async () => {
    const rt = router.ns;
    expect(await waitHops(rt, '172.20.1.1', ['192.168.10.10*1', '192.168.10.101*1', '192.168.10.102*1'])).toHaveLength(3);
    // 255 x 3/4 and 255 x 1/4 (multipath.ts bandwidthWeights)
    await waitHops(rt, '172.20.1.2', ['192.168.10.10*191', '192.168.10.101*64']);
    await waitHops(rt, 'fd00:172:20::2', ['fd00:10::10*191', 'fd00:10::101*64']);
    // BIRD, the second router, got the same paths with the link bandwidth community (3 and 1 Gbit/s)
    const viaBird = await waitFor('BIRD: both Local paths', async () => {
      const paths = (await bird.routes()).filter((r) => r.prefix === '172.20.1.2/32');
      return paths.length === 2 ? paths : undefined;
    }, 30_000);
    const bw = Object.fromEntries(viaBird.map((r) => [r.nextHops[0], r.extCommunities.map(decodeLinkBandwidth).find((x) => x)?.bytesPerSecond]));
    expect(bw).toEqual({ '192.168.10.10': 375_000_000, '192.168.10.101': 125_000_000 });
    expect(viaBird.every((r) => JSON.stringify(r.asPath) === '[64512]')).toBe(true);
    await waitHops(bird.ns, '172.20.1.1', ['192.168.10.10*1', '192.168.10.101*1', '192.168.10.102*1']);
  });

  it('an EndpointSlice change in the watched file moves next hops and weights', async () => {
    writeServices(manifests({ n2: 1, n3: 3 }));
    await waitHops(router.ns, '172.20.1.2', ['192.168.10.101*64', '192.168.10.102*191']);
    await waitHops(router.ns, 'fd00:172:20::2', ['fd00:10::101*64', 'fd00:10::102*191']);
    await waitRoute(bird, '172.20.1.2/32', NODES[2].v4);
    // the Cluster Service did not move
    expect(await kernelHops(router.ns, '172.20.1.1')).toEqual(['192.168.10.10*1', '192.168.10.101*1', '192.168.10.102*1']);
  });

  it('a Service deleted while announced is withdrawn everywhere', async () => {
    writeServices(manifests({}, false));
    await waitHops(router.ns, '172.20.1.2', []);
    await waitHops(router.ns, 'fd00:172:20::2', []);
    await waitHops(bird.ns, '172.20.1.2', []);
    expect(await kernelHops(router.ns, '172.20.1.1')).toHaveLength(3);
  });

  it('an agent stopped with SIGTERM takes its node out of the ECMP set at once (GRACEFUL_SHUTDOWN then Cease, not hold timer)', async () => {
    await stopChild(agents[0]!.child, 5000, 'SIGTERM');
    expect(agents[0]!.child.exitCode).toBe(0);
    await waitHops(router.ns, '172.20.1.1', ['192.168.10.101*1', '192.168.10.102*1']);
  });
});
