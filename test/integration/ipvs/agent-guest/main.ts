/**
 * The program run inside the VM by agent-vm.test.ts (bundled with esbuild; the topology and real servers
 * come from ../guest/test.sh: cli 10.0.0.2-9 -> this root namespace (IPVS) -> srv 10.1.0.11-14:8080). Modes:
 *   server ADDR...             real servers on port 8080 (run in "srv")
 *   client VIP PORT N SRC...   N sequential connections (run in "cli")
 *   survive VIP PORT SRC       hold one connection until a line on stdin, then check it echoes (in "cli")
 *   agent CONFIG SOURCE NODE   vipgate agent as `vipgate agent --source file:SOURCE` composes it, with the
 *                              IPVS data plane fed from the agent's onApplied (the wiring main.ts gets)
 *   main                       the scenario; prints "@@RESULT name json" lines for the host test
 * Scenario: the agent starts on node n1 with a file holding a Cluster Service (two endpoints, wrr and a
 * weight from the annotations) and a Local Service with ClientIP affinity; then the file is edited (an
 * endpoint gone, the scheduler changed), then the first Service is deleted, then the agent is stopped
 * with a client connection open and a second agent started (the Service is back in the file).
 * After each step the guest waits (bounded) for the kernel to show it and reports `ipvsadm -Ln`, our own
 * client's dump, the addresses on the dummy interface and where client connections landed.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Agent } from '../../../../src/agent/agent.js';
import { loadAgentConfig } from '../../../../src/agent/config/load.js';
import { IpvsClient } from '../../../../src/agent/ipvs/client.js';
import { startIpvsDataplane } from '../../../../src/agent/ipvs/dataplane.js';
import { FileSource } from '../../../../src/agent/source/file.js';
import { systemClock } from '../../../../src/lib/clock.js';
import { createLogger } from '../../../../src/lib/log.js';
import { runClient, serve, surviveStdin } from '../guest/net.js';

const SOURCES = ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6', '10.0.0.7'];
const CLUSTER_FILE = '/tmp/cluster/cluster.yaml';
const CONFIG_FILE = '/tmp/agent.yaml';

const result = (name: string, value: unknown): void => {
  console.log(`@@RESULT ${name} ${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);
};
const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const CONFIG = `
asn: 64512
routerId: 10.0.0.1
peers: [{ address: 192.0.2.254, asn: 64513 }]
pools: [{ name: default, addresses: [172.20.1.0/24] }]
`;

const NODES = ['n1', 'n2'].map((n) => `apiVersion: v1\nkind: Node\nmetadata: { name: ${n} }\n`);

/** An EndpointSlice of shop/SERVICE, port "http" on 8080, endpoints as [address, node, ready]. */
function slice(service: string, endpoints: readonly (readonly [string, string, boolean])[]): string {
  return `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${service}-1, namespace: shop, labels: { kubernetes.io/service-name: ${service} } }
addressType: IPv4
ports: [{ name: http, port: 8080, protocol: TCP }]
endpoints:
${endpoints.map(([a, n, ready]) => `  - { addresses: [${a}], nodeName: ${n}, conditions: { ready: ${ready} } }`).join('\n')}
`;
}

function web(scheduler: string, endpoints: readonly (readonly [string, string, boolean])[]): string {
  return `apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
  annotations: { vipgate.io/ipvs-scheduler: "${scheduler}", vipgate.io/ipvs-weights: "10.1.0.11=2" }
spec:
  type: LoadBalancer
  loadBalancerIP: 172.20.1.10
  selector: { app: web }
  ports: [{ name: http, port: 80, targetPort: 8080, protocol: TCP }]
---
${slice('web', endpoints)}`;
}

/** externalTrafficPolicy Local with ClientIP affinity; n1 has one ready and one unready endpoint. */
const LOCAL = `apiVersion: v1
kind: Service
metadata: { name: local, namespace: shop }
spec:
  type: LoadBalancer
  loadBalancerIP: 172.20.1.11
  externalTrafficPolicy: Local
  sessionAffinity: ClientIP
  sessionAffinityConfig: { clientIP: { timeoutSeconds: 900 } }
  selector: { app: local }
  ports: [{ name: http, port: 81, targetPort: http, protocol: TCP }]
---
${slice('local', [['10.1.0.13', 'n1', true], ['10.1.0.14', 'n2', true], ['10.1.0.15', 'n1', false]])}`;

/** Write the cluster file the way editors and `kubectl get -o yaml >` tools do: a new file moved into place. */
function writeCluster(docs: readonly string[]): void {
  writeFileSync(`${CLUSTER_FILE}.tmp`, docs.join('---\n'));
  renameSync(`${CLUSTER_FILE}.tmp`, CLUSTER_FILE);
}

/** Service IPs on the dummy interface, as "address/length". */
function dummyAddresses(): string[] {
  try {
    const links = JSON.parse(sh('ip', ['-j', 'addr', 'show', 'dev', 'vipgate-ipvs0'])) as { addr_info?: { local: string; prefixlen: number; scope?: string }[] }[];
    return links.flatMap((l) => (l.addr_info ?? []).filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`));
  } catch {
    return [];
  }
}

/** The kernel's state as we report it: ipvsadm's listing, our client's dump, the dummy interface's addresses. */
async function state(ipvs: IpvsClient): Promise<Record<string, unknown>> {
  const services = await ipvs.services();
  const dump = [];
  for (const s of services) {
    dump.push({ key: s.key, scheduler: s.scheduler, flags: s.flags, timeout: s.timeout, netmaskLength: s.netmaskLength,
      destinations: (await ipvs.destinations(s.key)).map((d) => ({ address: d.address, port: d.port, weight: d.weight, forward: d.forward })) });
  }
  return { ipvsadm: sh('ipvsadm', ['-Ln']), dump, addresses: dummyAddresses() };
}

/**
 * Poll (bounded: 300 x 200 ms) until `ipvsadm -Ln` and the dummy interface's addresses satisfy `ok`; the
 * host test asserts the details.
 */
async function waitKernel(what: string, ok: (ipvsadm: string, addresses: string[]) => boolean): Promise<boolean> {
  for (let i = 0; i < 300; i++) {
    if (ok(sh('ipvsadm', ['-Ln']), dummyAddresses())) return true;
    await sleep(200);
  }
  console.log(`gave up waiting for ${what}`);
  return false;
}

function landed(vip: string, port: number, n: number): string[] {
  const out = sh('ip', ['netns', 'exec', 'cli', 'node', '/payload/guest.mjs', 'client', vip, String(port), String(n), ...SOURCES]);
  const line = out.split('\n').find((l) => l.startsWith('@@CLIENT '));
  if (!line) throw new Error(`client printed no result: ${out}`);
  return (JSON.parse(line.slice('@@CLIENT '.length)) as { server: string }[]).map((r) => r.server);
}

interface LogLine { level: number; msg: string; [k: string]: unknown }

/** `vipgate agent` (mode agent) on node n1, its JSON log lines going to `logPath`. */
function startAgent(logPath: string): { stop: () => Promise<number | string | null>; log: () => LogLine[] } {
  const out = openSync(logPath, 'w');
  const child = spawn('node', ['/payload/guest.mjs', 'agent', CONFIG_FILE, CLUSTER_FILE, 'n1'], { stdio: ['ignore', out, out] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    stop: async () => {
      child.kill('SIGTERM');
      return Promise.race([exited, sleep(30_000).then(() => 'no exit within 30 s')]);
    },
    log: () => readFileSync(logPath, 'utf8').split('\n').filter(Boolean)
      .map((l) => { try { return JSON.parse(l) as LogLine; } catch { return { level: 60, msg: l }; } }),
  };
}

/** A connection to VIP:PORT from the client namespace, held until release() (then: did it still echo?). */
async function holdConnection(vip: string, port: number): Promise<{ release: () => Promise<string> }> {
  const child = spawn('ip', ['netns', 'exec', 'cli', 'node', '/payload/guest.mjs', 'survive', vip, String(port), SOURCES[0]!], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const next = (): Promise<string> => new Promise((resolve) => lines.once('line', resolve));
  const opened = await next();
  if (opened !== 'opened') throw new Error(`survivor said ${opened}`);
  return {
    release: async () => {
      const answer = next();
      child.stdin.write('go\n');
      const done = await answer;
      child.stdin.end();
      return done;
    },
  };
}

const WEB_BOTH = web('wrr', [['10.1.0.11', 'n1', true], ['10.1.0.12', 'n2', true]]);
const webComplete = (t: string): boolean => ['172.20.1.10:80', '10.1.0.11:8080', '10.1.0.12:8080'].every((x) => t.includes(x));

async function main(): Promise<void> {
  mkdirSync('/tmp/cluster', { recursive: true });
  writeFileSync(CONFIG_FILE, CONFIG);
  writeCluster([...NODES, WEB_BOTH, LOCAL]);
  const first = startAgent('/tmp/agent1.log');
  const ipvs = await IpvsClient.open();
  let second: ReturnType<typeof startAgent> | undefined;
  try {
    // a reconcile adds services and real servers one by one: wait for the last of them
    const started = await waitKernel('the first reconcile', (t) => webComplete(t) && t.includes('172.20.1.11:81') && t.includes('10.1.0.13:8080'));
    result('started', {
      reached: started, ...await state(ipvs),
      arp: { ignore: sh('cat', ['/proc/sys/net/ipv4/conf/all/arp_ignore']).trim(), announce: sh('cat', ['/proc/sys/net/ipv4/conf/all/arp_announce']).trim() },
      webLanded: landed('172.20.1.10', 80, 6), localLanded: landed('172.20.1.11', 81, 3),
    });

    writeCluster([...NODES, web('sh:port', [['10.1.0.11', 'n1', true]]), LOCAL]);
    const edited = await waitKernel('the edit', (t) => /172\.20\.1\.10:80 sh/.test(t) && !t.includes('10.1.0.12:8080'));
    result('edited', { reached: edited, ...await state(ipvs), webLanded: landed('172.20.1.10', 80, 4) });

    writeCluster([...NODES, LOCAL]);
    // the programmer removes an address after the virtual services that use it
    const removed = await waitKernel('the deletion', (t, addresses) => !t.includes('172.20.1.10') && !addresses.includes('172.20.1.10/32'));
    result('removed', { reached: removed, ...await state(ipvs) });

    // a client connection to the Local Service stays open across a restart of the agent
    const held = await holdConnection('172.20.1.11', 81);
    result('stopped', { code: await first.stop(), ...await state(ipvs) });
    second = startAgent('/tmp/agent2.log');
    writeCluster([...NODES, WEB_BOTH, LOCAL]);
    const back = await waitKernel('the second agent\'s reconcile', webComplete);
    const survived = await held.release();
    result('restarted', {
      reached: back, survived, code: await second.stop(), ...await state(ipvs),
      reconciles: second.log().filter((l) => l.msg === 'IPVS reconciled').map(({ created, updated, removed: gone, destinationChanges }) => ({ created, updated, removed: gone, destinationChanges })),
    });
  } finally {
    await first.stop();
    await second?.stop();
    ipvs.close();
    const lines = [...first.log(), ...second?.log() ?? []];
    result('agent-log', {
      problems: lines.filter((l) => l.level >= 40 && !/BGP|session|connect|peer/i.test(l.msg)),
      ipvs: lines.filter((l) => l.msg.startsWith('IPVS')).map((l) => l.msg),
    });
  }
}

/** The agent's composition (src/agent/main.ts) plus the IPVS data plane, as main.ts is to wire it. */
async function agent(configPath: string, sourcePath: string, node: string): Promise<void> {
  const log = createLogger('vipgate-agent', 'info');
  const config = await loadAgentConfig(configPath);
  const source = new FileSource(sourcePath, log);
  const ipvs = await startIpvsDataplane({
    log: log.child({ part: 'ipvs' }), node,
    externalIPs: config.externalIPs.enabled, ...(config.loadBalancerClass ? { loadBalancerClass: config.loadBalancerClass } : {}),
  });
  const a: Agent = new Agent({
    node, config, source, clock: systemClock, log,
    // the file source: this agent's own assignments (the Kubernetes source would pass undefined: the status)
    onApplied: () => { if (a.current) ipvs.apply(a.current, a.assignments); },
  });
  await a.start();
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  await a.stop();
  await ipvs.close();
}

const [mode, ...args] = process.argv.slice(2);
const run = async (): Promise<void> => {
  if (mode === 'server') serve(args, 8080);
  else if (mode === 'client') {
    const [vip, port, n, ...sources] = args;
    console.log(`@@CLIENT ${JSON.stringify(await runClient(vip!, Number(port), Number(n), 'closed', sources))}`);
  } else if (mode === 'agent') await agent(args[0]!, args[1]!, args[2]!);
  else if (mode === 'survive') await surviveStdin(args[0]!, Number(args[1]), args[2]!);
  else if (mode === 'main') await main();
  else throw new Error(`unknown mode ${mode}`);
};
run().catch((e: unknown) => { console.log(`@@RESULT error ${JSON.stringify(String((e as Error).stack ?? e))}`); process.exit(1); });
