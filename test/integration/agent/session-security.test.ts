/**
 * The agent's session socket against the vipgate router, in namespaces made by the test:
 * - TCP MD5 (RFC 2385): `peers[].password` signs the agent's segments from the first SYN; with the router's
 *   key the session comes up, with another key it stays down and the router's kernel counts the bad
 *   signatures (TcpExtTCPMD5Failure);
 * - ebgpMultihop: a node one router hop away cannot peer with the single-hop default (the agent sends with
 *   TTL 1: the middle namespace drops the SYN and counts ICMP Time Exceeded), and peers with
 *   `ebgpMultihop: true` (TTL 255, as MetalLB's ebgpMultiHop).
 * Needs root (namespaces) and `npm run build` (the processes run dist/).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, Netlab, waitFor } from '../../helpers/netns.js';
import { VipgateRouter } from '../../helpers/vipgate.js';
import { VipgateAgent } from '../../helpers/vipgate-agent.js';
import { readyEndpoints } from '../../helpers/manifests.js';

const RTR = { near: '10.84.0.1', far: '10.85.0.1' };
const NEAR = '10.84.0.2';
const FAR = '10.86.0.2';
const KEY = 'md5-secret-one';

const ROUTER = `
asn: 64513
routerId: ${RTR.near}
listen: { address: 0.0.0.0 }
neighbors:
  - { address: ${NEAR}, remoteAs: 65001, import: all, export: none, connectRetry: 1, password: ${KEY} }
  - { address: ${FAR}, remoteAs: 65001, import: all, export: none, connectRetry: 1, ebgpMultihop: 2 }
`;

const SERVICES = `apiVersion: v1
kind: Node
metadata: { name: near }
---
apiVersion: v1
kind: Node
metadata: { name: far }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { type: LoadBalancer, loadBalancerIP: 172.20.1.1, ports: [{ port: 80, protocol: TCP }], selector: { app: web } }
---
${readyEndpoints('web', 'near')}
`;

// the BGP identifier is set: left to the agent, it is the first IPv4 address of a running interface, and the
// test's veth may not have its carrier yet when the agent starts
const agentYaml = (router: string, session: string): string => `
asn: 65001
routerId: ${router === RTR.near ? NEAR : FAR}
peers: [{ address: ${router}, asn: 64513, name: rtr, connectRetry: 1${session} }]
pools: [{ name: default, addresses: [172.20.1.0/24] }]
gracefulShutdown: { drainSeconds: 0 }
`;

function counter(lab: Netlab, ns: string, name: string): number {
  const m = new RegExp(`${name}\\s+(\\d+)`).exec(lab.exec(ns, 'nstat', ['-az', name]));
  return m ? Number(m[1]) : 0;
}

describe.runIf(isRoot())('agent sessions: TCP MD5 and ebgpMultihop against the vipgate router', () => {
  const lab = new Netlab();
  const work = VipgateAgent.workDir(SERVICES);
  let router: VipgateRouter;
  let near: VipgateAgent;
  let far: VipgateAgent;
  let rtr: string;
  let mid: string;

  beforeAll(async () => {
    rtr = lab.ns('rtr');
    const nearNs = lab.ns('near');
    mid = lab.ns('mid');
    const farNs = lab.ns('far');
    lab.link(rtr, [`${RTR.near}/24`], nearNs, [`${NEAR}/24`], 'n');
    lab.link(rtr, [`${RTR.far}/24`], mid, ['10.85.0.2/24'], 'm');
    lab.link(mid, ['10.86.0.1/24'], farNs, [`${FAR}/24`], 'f');
    lab.exec(mid, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    lab.exec(rtr, 'ip', ['route', 'add', '10.86.0.0/24', 'via', '10.85.0.2']);
    lab.exec(farNs, 'ip', ['route', 'add', 'default', 'via', '10.86.0.1']);
    router = await VipgateRouter.start(lab, rtr, ROUTER, ['--no-fib']);
    near = new VipgateAgent(lab, nearNs, 'near', work.dir, work.services);
    far = new VipgateAgent(lab, farNs, 'far', work.dir, work.services);
  }, 60_000);

  afterAll(async () => {
    for (const a of [near, far]) await a?.stop('SIGKILL', 1000).catch(() => undefined);
    await router?.dispose().catch(() => undefined);
    await lab.cleanup();
    work.remove();
  });

  const routeFrom = (peer: string) => waitFor(`172.20.1.1/32 from ${peer}`, async () =>
    ((await router.table('172.20.1.1/32')).paths.some((p) => p.peer === peer) ? true : undefined), 20_000, 100)
    .catch((e: Error) => { throw new Error(`${e.message}\n${near.tail()}\n${far.tail()}\n${router.log().split('\n').slice(-15).join('\n')}`); });

  it('TCP MD5: a wrong key keeps the session down (the router counts bad signatures), the right key brings it up', async () => {
    const before = counter(lab, rtr, 'TcpExtTCPMD5Failure');
    near.writeConfig(agentYaml(RTR.near, ', password: not-the-key'));
    near.launch();
    await waitFor('bad signatures counted by the router', () => (counter(lab, rtr, 'TcpExtTCPMD5Failure') > before + 1 ? true : undefined), 20_000, 100);
    expect((await router.peer(NEAR))?.state).not.toBe('Established');
    expect((await near.view()).peers[0]?.state).not.toBe('Established');
    await near.stop('SIGKILL');

    near.writeConfig(agentYaml(RTR.near, `, password: ${KEY}`));
    near.launch();
    await routeFrom(NEAR);
    expect((await near.view()).peers[0]?.state).toBe('Established');
  }, 60_000);

  it('one hop away: the single-hop default (TTL 1) never reaches the router, ebgpMultihop: true does', async () => {
    const before = counter(lab, mid, 'IcmpOutTimeExcds');
    far.writeConfig(agentYaml(RTR.far, ''));
    far.launch();
    await waitFor('the middle namespace drops the TTL 1 SYNs', () => (counter(lab, mid, 'IcmpOutTimeExcds') > before + 1 ? true : undefined), 20_000, 100);
    expect((await router.peer(FAR))?.state).not.toBe('Established');
    await far.stop('SIGKILL');

    far.writeConfig(agentYaml(RTR.far, ', ebgpMultihop: true'));
    far.launch();
    await routeFrom(FAR);
    expect((await far.view()).peers[0]?.state).toBe('Established');
  }, 60_000);
});
