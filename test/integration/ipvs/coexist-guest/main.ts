/**
 * The program run inside the VM by coexist-vm.test.ts (bundled with esbuild; the topology and pods come from
 * ./topology.sh, the clients and pods from ./traffic.ts): the scenarios, printed as "@@RESULT name json"
 * lines for the host test. Scenarios, one after another on node n1 (the VM's root namespace): the vipgate agent (its real CLI, bundled)
 * with the Kubernetes source against the fake API server and kube-proxy's iptables rules played by
 * ./kube-proxy-rules.ts: ipMode Proxy written and IPVS serving; Cluster with a remote pod (SNAT shown
 * needed by removing it); Local keeps the client address; loadBalancerSourceRanges; a Service leaving; an
 * API server 1.29 (refused, ipMode VIP, kube-proxy's DNAT takes the packet even past an old-style virtual
 * service); kube-ipvs0 (refused); teardown by ipvs.enabled false, by `vipgate agent cleanup` after a kill,
 * and by the node's deletion, each compared with the node's state before the agent ran; then the
 * capability measurement (./caps.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { measureCapabilities } from './caps.js';
import { Cluster, POD1, POD2 } from './cluster.js';
import { attemptsFrom, nodeState, result, run, sh, showIpvs, sleep, startAgent, VIPGATE, waitUntil, type AgentRun } from './util.js';

const KUBECONFIG = '/tmp/kubeconfig';
const CONFIG = '/tmp/agent/agent.yaml';
const STATE = '/var/lib/vipgate/ipvs-state.json';
const SOCKET = '/tmp/agent.sock';
const SIX = ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6', '10.0.0.7'];

/** The agent's settings file, written the way a ConfigMap update lands (a new file moved into place). */
function writeConfig(ipvsEnabled: boolean): void {
  mkdirSync('/tmp/agent', { recursive: true });
  writeFileSync(`${CONFIG}.tmp`, `asn: 64512
routerId: 10.0.0.1
peers: [{ address: 192.0.2.254, asn: 64513, connectRetry: 60 }]
pools: [{ name: default, addresses: [172.20.1.0/24] }]
gracefulRestart: { stateDir: /tmp/agent/gr }
ipvs: { enabled: ${ipvsEnabled}, stateFile: ${STATE}, resyncSeconds: 2 }
`);
  renameSync(`${CONFIG}.tmp`, CONFIG);
}

let logs = 0;
function agent(): AgentRun {
  return startAgent(`/tmp/agent/agent${++logs}.log`, ['--source', `kubernetes:${KUBECONFIG}`, '--config', CONFIG, '--node', 'n1', '--socket', SOCKET]);
}

const ipvsadm = (): string => sh('ipvsadm', ['-Ln']);
const ipvsStats = (): string => sh('ipvsadm', ['-Ln', '--stats']);
const natCounters = (): string => sh('iptables-save', ['-c', '-t', 'nat']);
const agentTable = (): string => run('nft', ['list', 'table', 'inet', 'vipgate-agent']).out;
const state = async (): Promise<string | undefined> => (await showIpvs(SOCKET))?.state;

/** Wait until the agent serves and every live Service's status says ipMode Proxy and IPVS has `services` virtual services. */
async function servingProxy(c: Cluster, vips: readonly string[]): Promise<boolean> {
  return waitUntil('IPVS serving with ipMode Proxy', async () => c.allModes('Proxy')
    && vips.every((v) => ipvsadm().includes(`${v}:80`)) && await state() === 'serving');
}

async function proxyMode(c: Cluster): Promise<void> {
  const reached = await servingProxy(c, ['172.20.1.10', '172.20.1.11', '172.20.1.12']);
  const rules = c.syncKubeProxy();
  result('proxy', {
    reached, ingress: Object.fromEntries(['web', 'local', 'ranged'].map((n) => [n, c.ingress(n)])),
    ipvsadm: ipvsadm(), kubeProxyRules: rules, nft: agentTable(), show: await showIpvs(SOCKET),
    addresses: run('/usr/sbin/ip', ['-4', '-o', 'addr', 'show', 'dev', 'vipgate-ipvs0']).out,
  });
  // Cluster: endpoints on both nodes, every connection answered, SNATed to the node's address towards each pod
  const web = attemptsFrom('172.20.1.10', 80, SIX);
  // Local: the one pod on this node, and it sees the client's own address
  const local = attemptsFrom('172.20.1.11', 80, SIX.slice(0, 3));
  // loadBalancerSourceRanges 10.0.0.0/29: 10.0.0.2 is inside, 10.0.0.9 outside
  const inside = attemptsFrom('172.20.1.12', 80, ['10.0.0.2']);
  const outside = attemptsFrom('172.20.1.12', 80, ['10.0.0.9'], 2000);
  result('traffic', {
    web, local, inside, outside, ipvsStats: ipvsStats(), natCounters: natCounters(),
    dropRule: run('nft', ['-j', 'list', 'chain', 'inet', 'vipgate-agent', 'prerouting']).out,
  });
}

/**
 * Without the agent's SNAT rule the remote pod answers the client straight back, past n1: those connections
 * fail. The agent is frozen (SIGSTOP) meanwhile, or its resync would put the rule back within 2 s.
 */
async function withoutSnat(a: AgentRun): Promise<void> {
  process.kill(a.pid, 'SIGSTOP');
  sh('nft', ['flush', 'chain', 'inet', 'vipgate-agent', 'postrouting']);
  const dump = spawn('/usr/sbin/ip', ['netns', 'exec', 'cli', 'tcpdump', '-Z', 'root', '-n', '-l', '-i', 'k1', 'tcp'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let captured = '';
  dump.stdout.setEncoding('utf8');
  dump.stdout.on('data', (d: string) => { captured += d; });
  await sleep(1500);
  const broken = attemptsFrom('172.20.1.10', 80, SIX.slice(0, 4), 2500);
  const before = agentTable();
  const stats = ipvsStats();
  process.kill(a.pid, 'SIGCONT');
  // the agent's resync (ipvs.resyncSeconds 2) finds its table changed and writes it again
  const restored = await waitUntil('the SNAT rule back', () => agentTable().includes('masquerade'));
  const fixed = attemptsFrom('172.20.1.10', 80, SIX.slice(0, 4));
  dump.kill('SIGINT');
  await sleep(500);
  result('no-snat', { broken, flushedTable: before, ipvsStats: stats, restored, fixed, capture: captured.split('\n').filter(Boolean) });
}

async function serviceLeaves(c: Cluster): Promise<void> {
  c.remove('ranged');
  const gone = await waitUntil('ranged gone', () => !ipvsadm().includes('172.20.1.12') && !agentTable().includes('172.20.1.12')
    && !run('/usr/sbin/ip', ['addr', 'show', 'dev', 'vipgate-ipvs0']).out.includes('172.20.1.12'));
  result('service-left', { gone, ipvsadm: ipvsadm(), nft: agentTable(), addresses: run('/usr/sbin/ip', ['-4', '-o', 'addr', 'show', 'dev', 'vipgate-ipvs0']).out });
}

/** Kubernetes 1.29: no ipMode; the agent refuses, writes VIP, and kube-proxy's rule takes the packet, even past a virtual service an older agent left. */
async function vipMode(c: Cluster, a: AgentRun): Promise<AgentRun> {
  await a.stop();
  c.api.version = { ...c.api.version, minor: '29', gitVersion: 'v1.29.9+k3s1' };
  const next = agent();
  const refused = await waitUntil('refused on 1.29 with ipMode VIP', async () => c.allModes('VIP') && !ipvsadm().includes('172.20.1.1') && await state() === 'refused');
  const rules = c.syncKubeProxy();
  // what the agent did before this issue: a virtual service for the Service IP, the IP on a local dummy
  sh('/usr/sbin/ip', ['link', 'add', 'legacy0', 'type', 'dummy']);
  sh('/usr/sbin/ip', ['addr', 'add', '172.20.1.10/32', 'dev', 'legacy0']);
  sh('ipvsadm', ['-A', '-t', '172.20.1.10:80', '-s', 'rr']);
  sh('ipvsadm', ['-a', '-t', '172.20.1.10:80', '-r', `${POD1}:8080`, '-m']);
  const countersBefore = natCounters();
  const web = attemptsFrom('172.20.1.10', 80, SIX.slice(0, 4));
  const stats = ipvsStats();
  const countersAfter = natCounters();
  // the agent, refused, left that virtual service alone
  await sleep(2500);
  const stillThere = ipvsadm();
  sh('ipvsadm', ['-D', '-t', '172.20.1.10:80']);
  sh('/usr/sbin/ip', ['link', 'del', 'legacy0']);
  result('vip', { refused, show: await showIpvs(SOCKET), ingress: c.ingress('web'), kubeProxyRules: rules, web, ipvsStats: stats, countersBefore, countersAfter, stillThere });
  return next;
}

/** kube-proxy in IPVS mode (kube-ipvs0 exists): refused, ipMode back to VIP, our virtual services gone. */
async function kubeIpvs0(c: Cluster, a: AgentRun): Promise<AgentRun> {
  await a.stop();
  c.api.version = { ...c.api.version, minor: '31', gitVersion: 'v1.31.4+k3s1' };
  const next = agent();
  const serving = await servingProxy(c, ['172.20.1.10', '172.20.1.11']);
  sh('/usr/sbin/ip', ['link', 'add', 'kube-ipvs0', 'type', 'dummy']);
  const refused = await waitUntil('refused for kube-ipvs0', async () => c.allModes('VIP') && !ipvsadm().includes('172.20.1.1') && await state() === 'refused');
  const whileRefused = ipvsadm();
  const ingressWhileRefused = c.ingress('web');
  const text = run('node', [VIPGATE, 'show', 'agent', 'ipvs', '--socket', SOCKET]).out;
  const summary = run('node', [VIPGATE, 'show', 'agent', '--json', '--socket', SOCKET]).out;
  sh('/usr/sbin/ip', ['link', 'del', 'kube-ipvs0']);
  const back = await servingProxy(c, ['172.20.1.10', '172.20.1.11']);
  result('kube-ipvs0', { serving, refused, text, summary: (JSON.parse(summary) as { ipvs?: unknown }).ipvs, whileRefused, ingressWhileRefused, back });
  return next;
}

async function teardowns(c: Cluster, a: AgentRun, before: ReturnType<typeof nodeState>): Promise<void> {
  // 1. ipvs.enabled: false, applied live
  writeConfig(false);
  const off = await waitUntil('teardown after ipvs.enabled false', () => !existsSync(STATE) && !nodeState().interface && c.allModes('VIP'));
  c.syncKubeProxy();
  result('teardown-disabled', { off, after: nodeState(), before, state: await showIpvs(SOCKET), web: attemptsFrom('172.20.1.10', 80, SIX.slice(0, 2)) });
  // 2. uninstall: the agent killed, `vipgate agent cleanup` undoes what it recorded
  writeConfig(true);
  const again = await servingProxy(c, ['172.20.1.10', '172.20.1.11']);
  const killed = await a.stop('SIGKILL');
  const during = nodeState();
  const cleanup = run('node', [VIPGATE, 'agent', 'cleanup', '--config', CONFIG]);
  result('teardown-cleanup', { again, killed, during, cleanup, after: nodeState(), before, record: existsSync(STATE) });
  // 3. the node being deleted: the agent's stop takes its state with it
  const third = agent();
  const serving = await servingProxy(c, ['172.20.1.10', '172.20.1.11']);
  c.deleteNode('n1');
  await sleep(1500);
  const code = await third.stop();
  result('teardown-node-deleted', { serving, code, after: nodeState(), before, record: existsSync(STATE) });
}

async function main(): Promise<void> {
  // someone else's virtual service, which the agent must never touch
  sh('ipvsadm', ['-A', '-t', '10.200.9.9:80', '-s', 'rr']);
  sh('ipvsadm', ['-a', '-t', '10.200.9.9:80', '-r', `${POD2}:8080`, '-m']);
  const c = new Cluster();
  await c.start(KUBECONFIG);
  c.syncKubeProxy();
  const before = nodeState();
  result('before', before);
  writeConfig(true);
  let a = agent();
  try {
    await proxyMode(c);
    await withoutSnat(a);
    await serviceLeaves(c);
    a = await vipMode(c, a);
    a = await kubeIpvs0(c, a);
    await teardowns(c, a, before);
  } finally {
    await a.stop('SIGKILL');
    result('agent-log', { warnings: a.log().filter((l) => l.level >= 40).map((l) => l.msg).slice(0, 40) });
  }
  await measureCapabilities();
  await c.stop();
}

main().then(() => process.exit(0), (e: unknown) => { console.log(`@@RESULT error ${JSON.stringify(String((e as Error).stack ?? e))}`); process.exit(1); });
