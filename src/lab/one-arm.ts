/**
 * `vipgate lab one-arm`: the one-NIC box. A second client (k8s-lanpc) sits on the nodes' own segment with
 * the router as its default gateway, so the router forwards its requests out of the interface they came in
 * on. Twice: first with send_redirects on (the kernel's default, a stock Debian box), then with the box's
 * shipped sysctl lines (firmware/etc/sysctl.d/90-vipgate.conf, its redirect keys applied with `sysctl -p`).
 * Each phase sends UDP then HTTP requests to a Service IP, counts the ICMP redirects the router sent (Icmp
 * OutRedirects of /proc/net/snmp in its namespace, before and after) and the client took (InRedirects), shows
 * where the client's kernel sends the Service IP's packets (`ip route get`) and how the requests spread over
 * the nodes, then cuts the link of the node the client goes to and asks again: with redirects the client keeps going to the dead node, without them the router
 * fails over for it.
 */
import { LAB, LAB_PREFIX } from './topology.js';
import { addBridgePort, addNamespace, inNs, removeNamespace } from './ns.js';
import { UDP_STREAM } from './measure.js';
import { HTTP_GET, routeHops, waitForRoute, type Out } from './lab.js';
import { tally } from './tally.js';
import { applyShippedRedirects } from './box-sysctls.js';

export const LAN_CLIENT = { name: 'k8s-lanpc', ns: `${LAB_PREFIX}lanpc`, address: '192.168.10.200', address6: 'fd00:10::200', port: 'p-lanpc' } as const;

/** Icmp counters of /proc/net/snmp in `ns` (the header line names the fields, the next line has the values). */
export function icmpCounters(ns: string): Record<string, number> {
  const lines = inNs(ns, 'cat', ['/proc/net/snmp']).split('\n').filter((l) => l.startsWith('Icmp:'));
  const [names, values] = lines.map((l) => l.split(/\s+/).slice(1));
  if (!names || !values) throw new Error(`no Icmp lines in /proc/net/snmp of ${ns}`);
  return Object.fromEntries(names.map((n, i) => [n, Number(values[i])]));
}

/** One counter of /proc/net/snmp6 in `ns` ("Icmp6OutRedirects"). */
export function icmp6Counter(ns: string, name: string): number {
  const line = inNs(ns, 'cat', ['/proc/net/snmp6']).split('\n').find((l) => l.split(/\s+/)[0] === name);
  if (!line) throw new Error(`no ${name} in /proc/net/snmp6 of ${ns}`);
  return Number(line.trim().split(/\s+/)[1]);
}

/** The client on the nodes' segment, gateway the router for both families; remove it with removeNamespace(LAN_CLIENT.ns). */
export function addLanClient(): void {
  addNamespace(LAN_CLIENT.ns);
  addBridgePort(LAB.hub, 'br0', LAN_CLIENT.ns, 'eth0', LAN_CLIENT.port, [`${LAN_CLIENT.address}/24`, `${LAN_CLIENT.address6}/64`]);
  inNs(LAN_CLIENT.ns, 'ip', ['-6', 'route', 'add', 'default', 'via', LAB.router.lan6]);
}

export interface OneArmPhase {
  readonly setting: 'send_redirects on' | 'shipped sysctls';
  /** Redirects the router sent and the client took during the requests. */
  readonly redirectsSent: number;
  readonly redirectsTaken: number;
  /** The client kernel's gateway for the Service IP after the requests. */
  readonly clientGateway: string;
  /** Answers per node: the UDP requests, then the HTTP requests. */
  readonly udpSpread: Record<string, number>;
  readonly spread: Record<string, number>;
  /** The node whose link was cut, and the answers to the requests after the router dropped its next hop. */
  readonly cut: string;
  readonly spreadAfterCut: Record<string, number>;
}

export interface OneArmResult { readonly vip: string; readonly stock: OneArmPhase; readonly shipped: OneArmPhase }

function clientGateway(vip: string): string {
  return /\bvia (\S+)/.exec(inNs(LAN_CLIENT.ns, 'ip', ['route', 'get', vip]))?.[1] ?? 'on-link';
}

function requests(vip: string, count: number): Record<string, number> {
  return tally(JSON.parse(inNs(LAN_CLIENT.ns, process.execPath, [HTTP_GET, `http://${vip}/`, String(count)])) as string[]);
}

/** COUNT UDP requests to VIP:80, one every 20 ms, each from its own socket: the answers per node ("lost": none). */
function udpRequests(vip: string, count: number): Record<string, number> {
  const text = inNs(LAN_CLIENT.ns, process.execPath, [UDP_STREAM, vip, '80', String(count), '20']);
  const answers = JSON.parse(text.slice(text.indexOf('\n') + 1)) as [number, string | null][];
  return tally(answers.map(([, node]) => node ?? 'lost'));
}

async function phase(out: Out, vip: string, setting: OneArmPhase['setting'], count: number): Promise<OneArmPhase> {
  const rtr = LAB.router.ns;
  if (setting === 'send_redirects on') {
    inNs(rtr, 'sysctl', ['-qw', 'net.ipv4.conf.all.send_redirects=1', 'net.ipv4.conf.lan0.send_redirects=1']);
  } else {
    applyShippedRedirects(rtr);
  }
  // a fresh gateway route on the client: no redirect it took before is left (they hang off its next hop)
  try { inNs(LAN_CLIENT.ns, 'ip', ['route', 'del', 'default']); } catch { /* the first phase: none yet */ }
  inNs(LAN_CLIENT.ns, 'ip', ['route', 'add', 'default', 'via', LAB.router.lan]);
  inNs(LAN_CLIENT.ns, 'ip', ['route', 'flush', 'cache']);
  // the client has talked to the nodes before, as hosts on one LAN do: their neighbour entries are valid, so
  // its kernel acts on a redirect at once (else it resolves the new gateway first and takes a later one)
  for (const n of LAB.nodes) requests(n.address, 1);
  out(`\n### One-arm, ${setting}: $ sysctl net.ipv4.conf.all.send_redirects net.ipv4.conf.lan0.send_redirects   # on k8s-rtr\n`);
  out(inNs(rtr, 'sysctl', ['net.ipv4.conf.all.send_redirects', 'net.ipv4.conf.lan0.send_redirects']));
  const [r0, c0] = [icmpCounters(rtr), icmpCounters(LAN_CLIENT.ns)];
  // UDP first (a game, DNS, a video call): Linux acts on a redirect about a TCP connection only while no
  // system call holds its socket, and in namespaces the redirect for a SYN comes back while connect() still
  // does; a UDP socket takes it at once, and the client then sends everything for the VIP to that node
  const udp = udpRequests(vip, 50);
  const spread = requests(vip, count);
  const [r1, c1] = [icmpCounters(rtr), icmpCounters(LAN_CLIENT.ns)];
  const redirectsSent = r1['OutRedirects']! - r0['OutRedirects']!;
  const redirectsTaken = c1['InRedirects']! - c0['InRedirects']!;
  const gateway = clientGateway(vip);
  out(`UDP: 50 requests to ${vip}:80, one every 20 ms, answered by ${JSON.stringify(udp)}\n`);
  out(`$ for i in $(seq ${count}); do curl -s ${vip}; done   # on ${LAN_CLIENT.name} (${LAN_CLIENT.address}, on the nodes' segment)\nanswers: ${JSON.stringify(spread)}\n`);
  out(`ICMP redirects sent by k8s-rtr (Icmp OutRedirects): ${redirectsSent}; taken by ${LAN_CLIENT.name} (InRedirects): ${redirectsTaken}\n`);
  out(`$ ip route get ${vip}   # on ${LAN_CLIENT.name}\n${inNs(LAN_CLIENT.ns, 'ip', ['route', 'get', vip])}`);

  // cut the node the client now goes to (a redirected client), else k8s-w2
  const node = LAB.nodes.find((n) => n.address === gateway) ?? LAB.nodes[2]!;
  const port = `p-${node.name}`;
  inNs(LAB.hub, 'ip', ['link', 'set', port, 'down']);
  let spreadAfterCut: Record<string, number>;
  try {
    await waitForRoute(LAB.router.ns, `${vip}/32`, LAB.nodes.filter((n) => n !== node).map((n) => n.address));
    spreadAfterCut = requests(vip, Math.min(count, 10));
    out(`${node.name}'s link cut, the router's next hops for ${vip}: ${routeHops(LAB.router.ns, `${vip}/32`).map((h) => h.gateway).join(', ')}\n`);
    out(`answers after the cut: ${JSON.stringify(spreadAfterCut)}\n`);
  } finally {
    inNs(LAB.hub, 'ip', ['link', 'set', port, 'up']);
  }
  await waitForRoute(LAB.router.ns, `${vip}/32`, LAB.nodes.map((n) => n.address));
  return { setting, redirectsSent, redirectsTaken, clientGateway: gateway, udpSpread: udp, spread, cut: node.name, spreadAfterCut };
}

export async function oneArm(out: Out, count = 30): Promise<OneArmResult> {
  const vip = LAB.vips[0];
  out(`\n### One-arm: a client on the nodes' segment (${LAN_CLIENT.address}), the router its gateway, one interface in and out\n`);
  try {
    addLanClient();
    // a host as Linux sets one up: it takes redirects (accept_redirects and shared_media are on by default)
    inNs(LAN_CLIENT.ns, 'sysctl', ['-qw', 'net.ipv4.conf.all.accept_redirects=1', 'net.ipv4.conf.eth0.accept_redirects=1']);
    const stock = await phase(out, vip, 'send_redirects on', count);
    const shipped = await phase(out, vip, 'shipped sysctls', count);
    out(`\none-arm: redirects sent ${stock.redirectsSent} with send_redirects on, ${shipped.redirectsSent} with the shipped sysctls\n`);
    return { vip, stock, shipped };
  } finally {
    removeNamespace(LAN_CLIENT.ns);
  }
}
