/**
 * The program run inside the IPVS VM (bundled into one file with esbuild). Modes:
 *   server ADDR...                 real servers on port 8080 (run in the "srv" namespace)
 *   client VIP PORT N MODE SRC...  N sequential connections, MODE closed|held (run in "cli")
 *   survive VIP PORT SRC           hold one connection until a line on stdin, then check it echoes
 *   main                           the scenarios; prints "@@RESULT name json" lines for the host test
 * Topology (made by test.sh): cli 10.0.0.2-9 -> root (IPVS, VIPs on vipgate-ipvs0) -> srv 10.1.0.11-14.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { IpvsClient } from '../../../../src/agent/ipvs/client.js';
import { desiredVirtualServices, type IpvsServiceInput } from '../../../../src/agent/ipvs/desired.js';
import { predict } from '../../../../src/agent/ipvs/model/index.js';
import { IpvsProgrammer } from '../../../../src/agent/ipvs/programmer.js';
import { toHex } from '../../../../src/lib/bytes.js';
import { encodeIpvsRequest, type IpvsRequest } from '../../../../src/wire/netlink/ipvs/requests.js';
import { decodeGenl } from '../../../../src/wire/netlink/ipvs/genetlink.js';
import { readNetlinkPcap } from './capture.js';
import { runClient, serve, surviveStdin, type ClientResult } from './net.js';

const SERVERS = ['10.1.0.11', '10.1.0.12', '10.1.0.13', '10.1.0.14'];
const SOURCES = ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6', '10.0.0.7', '10.0.0.8', '10.0.0.9'];
const VIP = '10.96.0.10';
const WEIGHTS = '10.1.0.11=3,10.1.0.12=1,10.1.0.13=2,10.1.0.14=1';

const result = (name: string, value: unknown): void => {
  console.log(`@@RESULT ${name} ${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);
};
const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });

function service(port: number, scheduler: string | undefined, extra: Record<string, string> = {}): IpvsServiceInput {
  return {
    namespace: 'test', name: `svc-${port}`, ips: [VIP],
    ports: [{ protocol: 'TCP', port, targetPort: 8080 }],
    endpoints: SERVERS.map((address) => ({ address, ready: true, ports: [{ port: 8080 }] })),
    annotations: { ...(scheduler ? { 'vipgate.io/ipvs-scheduler': scheduler } : {}), 'vipgate.io/ipvs-weights': WEIGHTS, ...extra },
    // the real servers' default route is this IPVS node: no SNAT needed (the kube-proxy cases are in coexist-guest)
    masquerade: false,
  };
}

function client(port: number, n: number, mode: 'closed' | 'held'): ClientResult[] {
  const out = sh('ip', ['netns', 'exec', 'cli', 'node', '/payload/guest.mjs', 'client', VIP, String(port), String(n), mode, ...SOURCES]);
  const line = out.split('\n').find((l) => l.startsWith('@@CLIENT '));
  if (!line) throw new Error(`client printed no result: ${out}`);
  return JSON.parse(line.slice('@@CLIENT '.length)) as ClientResult[];
}

/** ipvsadm's requests, captured on nlmon, next to ours for the same operations. */
async function captureCases(ipvs: IpvsClient): Promise<void> {
  const cases: [string, string[], IpvsRequest][] = [
    ['new-service-tcp-wrr', ['-A', '-t', '10.200.0.1:80', '-s', 'wrr'],
      { cmd: 'newService', service: { key: { protocol: 'tcp', address: '10.200.0.1', port: 80 }, scheduler: 'wrr', flags: 0, timeout: 0, netmaskLength: 32 } }],
    ['set-service-sh-flags', ['-E', '-t', '10.200.0.1:80', '-s', 'sh', '-b', 'sh-fallback,sh-port'],
      { cmd: 'setService', service: { key: { protocol: 'tcp', address: '10.200.0.1', port: 80 }, scheduler: 'sh', flags: 0x18, timeout: 0, netmaskLength: 32 } }],
    ['new-service-udp-persistent', ['-A', '-u', '10.200.0.2:53', '-s', 'rr', '-p', '300', '-M', '255.255.255.0'],
      { cmd: 'newService', service: { key: { protocol: 'udp', address: '10.200.0.2', port: 53 }, scheduler: 'rr', flags: 1, timeout: 300, netmaskLength: 24 } }],
    ['new-service-sctp', ['-A', '--sctp-service', '10.200.0.3:5000', '-s', 'lc'],
      { cmd: 'newService', service: { key: { protocol: 'sctp', address: '10.200.0.3', port: 5000 }, scheduler: 'lc', flags: 0, timeout: 0, netmaskLength: 32 } }],
    ['new-service-fwmark-mh', ['-A', '-f', '7', '-s', 'mh', '-b', 'mh-port'],
      { cmd: 'newService', service: { key: { fwmark: 7, family: 4 }, scheduler: 'mh', flags: 0x10, timeout: 0, netmaskLength: 32 } }],
    ['new-service-ipv6', ['-A', '-t', '[fd00::1]:80', '-s', 'wlc'],
      { cmd: 'newService', service: { key: { protocol: 'tcp', address: 'fd00::1', port: 80 }, scheduler: 'wlc', flags: 0, timeout: 0, netmaskLength: 128 } }],
    ['new-dest-masq-thresholds', ['-a', '-t', '10.200.0.1:80', '-r', '10.1.0.11:8080', '-m', '-w', '3', '-x', '100', '-y', '10'],
      { cmd: 'newDest', key: { protocol: 'tcp', address: '10.200.0.1', port: 80 }, dest: { address: '10.1.0.11', port: 8080, forward: 'masq', weight: 3, upperThreshold: 100, lowerThreshold: 10 } }],
    ['new-dest-route', ['-a', '-t', '10.200.0.1:80', '-r', '10.1.0.12', '-g', '-w', '2'],
      { cmd: 'newDest', key: { protocol: 'tcp', address: '10.200.0.1', port: 80 }, dest: { address: '10.1.0.12', port: 80, forward: 'route', weight: 2, upperThreshold: 0, lowerThreshold: 0 } }],
    ['new-dest-tunnel', ['-a', '-t', '10.200.0.1:80', '-r', '10.1.0.13', '-i', '-w', '1'],
      { cmd: 'newDest', key: { protocol: 'tcp', address: '10.200.0.1', port: 80 }, dest: { address: '10.1.0.13', port: 80, forward: 'tunnel', weight: 1, upperThreshold: 0, lowerThreshold: 0, tunnel: { type: 'ipip', port: 0, flags: 0 } } }],
    ['set-dest-weight', ['-e', '-t', '10.200.0.1:80', '-r', '10.1.0.11:8080', '-m', '-w', '5'],
      { cmd: 'setDest', key: { protocol: 'tcp', address: '10.200.0.1', port: 80 }, dest: { address: '10.1.0.11', port: 8080, forward: 'masq', weight: 5, upperThreshold: 0, lowerThreshold: 0 } }],
    ['del-dest', ['-d', '-t', '10.200.0.1:80', '-r', '10.1.0.11:8080'],
      { cmd: 'delDest', key: { protocol: 'tcp', address: '10.200.0.1', port: 80 }, address: '10.1.0.11', port: 8080 }],
    ['del-service', ['-D', '-u', '10.200.0.2:53'], { cmd: 'delService', key: { protocol: 'udp', address: '10.200.0.2', port: 53 } }],
    ['set-timeouts', ['--set', '900', '120', '300'], { cmd: 'setConfig', timeouts: { tcp: 900, tcpFin: 120, udp: 300 } }],
    ['start-daemon', ['--start-daemon', 'master', '--mcast-interface', 'lo', '--syncid', '5'],
      { cmd: 'newDaemon', daemon: { state: 'master', interface: 'lo', syncId: 5 } }],
    ['stop-daemon', ['--stop-daemon', 'master'], { cmd: 'delDaemon', state: 'master' }],
    ['zero-all', ['-Z'], { cmd: 'zero' }],
    ['list-services', ['-Ln'], { cmd: 'getServices' }],
    ['flush', ['-C'], { cmd: 'flush' }],
  ];
  sh('ip', ['link', 'add', 'nlmon0', 'type', 'nlmon']);
  sh('ip', ['link', 'set', 'nlmon0', 'up']);
  const dump = spawn('tcpdump', ['-Z', 'root', '-i', 'nlmon0', '-U', '-w', '/tmp/ipvsadm.pcap'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise((r) => dump.on('close', r));
  let dumpErr = '';
  await new Promise<void>((resolve) => {
    dump.stderr.on('data', (d) => { dumpErr += String(d); if (dumpErr.includes('listening')) resolve(); });
    void exited.then(() => resolve());
    setTimeout(resolve, 5000);
  });
  console.log(`tcpdump: ${dumpErr.trim()}`);
  const ran: Record<string, string> = {};
  for (const [name, args] of cases) {
    console.log(`ipvsadm ${args.join(' ')}`);
    try { sh('ipvsadm', args); ran[name] = 'ok'; } catch (e) { ran[name] = `ipvsadm failed: ${(e as { stderr?: string }).stderr ?? String(e)}`; }
  }
  const zeroSeqPid = (b: Uint8Array): string => { const c = Uint8Array.from(b); c.fill(0, 8, 16); return toHex(c); };
  const match = (captured: ReturnType<typeof readNetlinkPcap>) => {
    let from = 0;
    return cases.map(([name, , req]) => {
      const ours = encodeIpvsRequest(ipvs.family, req);
      const cmd = decodeGenl({ type: 0, flags: 0, seq: 0, pid: 0, payload: ours.subarray(16) }).cmd;
      const at = captured.findIndex((c, i) => i >= from && decodeGenl(c.message).cmd === cmd);
      if (at < 0) return { name, ran: ran[name], ipvsadm: null, ours: zeroSeqPid(ours) };
      from = at + 1;
      return { name, ran: ran[name], ipvsadm: zeroSeqPid(captured[at]!.bytes), ours: zeroSeqPid(ours) };
    });
  };
  // under emulation tcpdump may write the last packets late: wait (bounded) until every request is in the file
  const readSoFar = () => { try { return readNetlinkPcap('/tmp/ipvsadm.pcap', ipvs.family); } catch { return []; } };
  for (let i = 0; i < 100 && match(readSoFar()).some((c) => c.ipvsadm === null); i++) await new Promise((r) => setTimeout(r, 100));
  dump.kill('SIGINT');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  sh('ip', ['link', 'del', 'nlmon0']);
  const out = match(readNetlinkPcap('/tmp/ipvsadm.pcap', ipvs.family));
  result('capture', { familyId: ipvs.family, cases: out });
}

const SCHEDULER_CASES = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'sh', 'sh:port', 'dh', 'sed', 'nq', 'mh', 'mh:port,fallback'];

async function schedulers(prog: IpvsProgrammer, ipvs: IpvsClient): Promise<void> {
  const inputs = SCHEDULER_CASES.map((s, i) => service(8000 + i, s));
  // one at a time, each on its own port: fresh servers per case, so counts start at zero
  for (let i = 0; i < SCHEDULER_CASES.length; i++) {
    const sched = SCHEDULER_CASES[i]!;
    console.log(`scheduler case ${sched}`);
    const port = 8000 + i;
    const desired = desiredVirtualServices(inputs.slice(0, i + 1));
    const report = await prog.reconcile(desired.services);
    const key = { protocol: 'tcp' as const, address: VIP, port };
    const dests = await ipvs.destinations(key);
    const ipvsadm = sh('ipvsadm', ['-Ln', '-t', `${VIP}:${port}`]);
    const held = sched === 'wlc' || sched === 'sed' || sched === 'nq';
    const flows = client(port, 16, held ? 'held' : 'closed');
    const d = desired.services[i]!;
    const prediction = predict(d.scheduler, d.flags, dests, flows.map((f) => ({ source: f.source, sourcePort: f.sourcePort, destination: VIP })), held);
    const after = await ipvs.destinations(key);
    result(`sched-${sched}`, {
      scheduler: sched, port, report, ipvsadm, held,
      listOrder: dests.map((x) => `${x.address}:${x.port}/${x.weight}`),
      actual: flows.map((f) => f.server),
      predicted: prediction.picks.map((p) => (p === undefined ? null : dests[p]!.address)),
      flows: flows.map((f) => `${f.source}:${f.sourcePort}`),
      kernelConns: after.map((x) => ({ address: x.address, conns: Number(x.stats.conns), active: x.activeConns, inactive: x.inactiveConns })),
    });
  }
  const stats = await prog.stats();
  result('stats', stats.map((s) => ({ service: s.service, conns: s.destinations.map((x) => [x.address, x.conns]) })));
  // twos: a scheduler this kernel (Debian 6.1) does not have: reported, not fatal
  const twos = await prog.reconcile(desiredVirtualServices([...inputs, service(8100, 'twos')]).services);
  result('twos', twos);
}

async function schedulerChange(prog: IpvsProgrammer, ipvs: IpvsClient): Promise<void> {
  const port = 9000;
  const base = desiredVirtualServices([service(port, 'rr')]).services;
  await prog.reconcile(base);
  const child = spawn('ip', ['netns', 'exec', 'cli', 'node', '/payload/guest.mjs', 'survive', VIP, String(port), SOURCES[0]!], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const next = (): Promise<string> => new Promise((resolve) => lines.once('line', resolve));
  const opened = await next();
  const changed = await prog.reconcile(desiredVirtualServices([service(port, 'wlc')]).services);
  const svc = (await ipvs.services()).find((s) => 'port' in s.key && s.key.port === port);
  const conns = sh('ipvsadm', ['-Lnc']).split('\n').filter((l) => l.includes(`:${port} `)).join('\n');
  child.stdin.write('go\n');
  const done = await next();
  child.stdin.end();
  result('scheduler-change', { opened, report: changed, schedulerNow: svc?.scheduler, connectionsDuring: conns, survived: done });
}

async function removal(prog: IpvsProgrammer, ipvs: IpvsClient): Promise<void> {
  const report = await prog.reconcile([]);
  const services = await ipvs.services();
  result('removal', {
    report,
    remaining: services.map((s) => s.key),
    addresses: await prog.network.addresses(),
    ipvsadm: sh('ipvsadm', ['-Ln']),
  });
}

async function main(): Promise<void> {
  const ipvs = await IpvsClient.open();
  result('info', await ipvs.info());
  await captureCases(ipvs);
  // someone else's virtual service, which vipgate must leave alone
  sh('ipvsadm', ['-A', '-t', '10.200.9.9:80', '-s', 'rr']);
  sh('ipvsadm', ['-a', '-t', '10.200.9.9:80', '-r', '10.1.0.11:8080', '-m']);
  const prog = await IpvsProgrammer.open({ stateFile: '/tmp/ipvs-state.json' });
  await schedulers(prog, ipvs);
  // set up with the first virtual service
  result('strict-arp', { arpIgnore: sh('cat', ['/proc/sys/net/ipv4/conf/all/arp_ignore']).trim(), arpAnnounce: sh('cat', ['/proc/sys/net/ipv4/conf/all/arp_announce']).trim() });
  await schedulerChange(prog, ipvs);
  await removal(prog, ipvs);
  prog.close();
  ipvs.close();
}

const [mode, ...args] = process.argv.slice(2);
const run = async (): Promise<void> => {
  if (mode === 'server') serve(args, 8080);
  else if (mode === 'client') {
    const [vip, port, n, how, ...sources] = args;
    console.log(`@@CLIENT ${JSON.stringify(await runClient(vip!, Number(port), Number(n), how === 'held' ? 'held' : 'closed', sources))}`);
  } else if (mode === 'survive') await surviveStdin(args[0]!, Number(args[1]), args[2]!);
  else if (mode === 'main') await main();
  else throw new Error(`unknown mode ${mode}`);
};
run().catch((e: unknown) => { console.log(`@@RESULT error ${JSON.stringify(String((e as Error).stack ?? e))}`); process.exit(1); });
