/**
 * `vipgate lab` as a user runs it (the built CLI, as root): up builds the seed's lab in namespaces (router,
 * three nodes each running `vipgate agent` on a watched cluster file, a client), the
 * client, mosquitto with the router's telemetry, the router's web page on the host's loopback), the ECMP
 * scenario prints the seed's views and spreads the client's requests over the three nodes with the client
 * address preserved, externalTrafficPolicy Local announces only from nodes with pods and weights by their
 * number, an ExternalIP Service is announced like a VIP, the failover drains a stopped node without losing
 * a request and drops a cut node's next hop on BFD (a bounded loss: the requests in flight, not the hold
 * time's worth), the client side's BIRD learns the pool aggregate, the HA half (two routers, upstream
 * BIRD with ECMP and BFD, a VRRP gateway for the nodes) loses nothing when a router stops and a bounded
 * share when an uplink is cut or a router dies as a whole box, and
 * down leaves no namespace or forwarder behind, also after the router was killed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from '../../helpers/vipgate.js';
import { waitFor } from '../../helpers/netns.js';

function vipgate(...args: string[]): string {
  return execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
}

function labNamespaces(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith('vipgate-lab-'));
}

/** Figures of a scenario's stream line: requests, lost. */
function stream(text: string): { requests: number; lost: number } {
  const m = /client stream: (\d+) UDP requests to [\d.]+, one every 5 ms: (\d+) lost/.exec(text);
  expect(m, text).not.toBeNull();
  return { requests: Number(m![1]), lost: Number(m![2]) };
}

const WEB = 'http://127.0.0.1:8179/';

afterAll(() => { vipgate('lab', 'down'); });

describe('vipgate lab', { timeout: 240_000 }, () => {
  it('up: the router, three agents, mosquitto with their telemetry, the web page on the host loopback', async () => {
    const up = vipgate('lab', 'up');
    expect(up).toMatch(/mosquitto, the router and 3 agents are running and answering/);
    expect(up).toMatch(/3 BGP sessions established/);
    expect(up).toContain(`web status page: ${WEB}`);
    expect(labNamespaces().length).toBe(6);
    // the router's own page, served in its namespace, reached from the root namespace
    const page = await fetch(WEB);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<title>vipgate status</title>');
    // the lab keeps the history, as the box does: the page has its charts
    expect(html).toContain('<h2 id="h-charts">History</h2>');
    const api = await (await fetch(`${WEB}api/status`)).json() as { routes: { prefix: string }[] };
    expect(api.routes.map((r) => r.prefix).sort()).toEqual(['172.20.1.1/32', '172.20.1.2/32', '172.20.1.3/32']);
    // the router's and an agent's telemetry as mosquitto keeps it, and BFD up with every agent
    const status = vipgate('lab', 'status');
    expect(status.match(/^.*: answering$/gm)?.length, status).toBe(6);
    expect(status).toMatch(/: answering, 4 peers, 3 routes/);
    expect(status).toMatch(/vipgate\/lab\/k8s-rtr\/summary: \{"routes":3,"peers":4,"peersEstablished":3,/);
    expect(status).toMatch(/vipgate\/lab\/k8s-w1\/services\/default_svc1: \{"service":"default\/svc1","ips":\["172\.20\.1\.1"\].*"announcedTo":\["192\.168\.10\.254"\]/);
    // as on the box: Home Assistant discovery on the broker, a state per Service IP
    expect(status).toMatch(/vipgate\/lab\/k8s-rtr\/vips\/172\.20\.1\.1_32: \{"prefix":"172\.20\.1\.1\/32","state":"served","nexthops":\[(\{"gateway":"192\.168\.10\.\d+","weight":1,"node":"k8s-[mw]\d?"\},?){3}\]\}/);
    expect(status).toMatch(/homeassistant\/sensor\/vipgate_lab_k8s-rtr\/vip_172_20_1_1_32_state\/config: \{"name":"Service IP 172\.20\.1\.1\/32".*"configuration_url":"http:\/\/127\.0\.0\.1:8179\/"/);

    // the router joins the agents' reports with its own view: every node matched to its session (by the
    // hostname capability), every Service address of every node in agreement with the kernel
    const cluster = await waitFor('three agents in agreement in show cluster', () => {
      const c = vipgate('show', 'cluster', '--socket', '/run/vipgate-lab/router.sock');
      return /^3 nodes reporting, 0 disagreements/.test(c) && (c.match(/\bok\b/g) ?? []).length >= 9 ? c : undefined;
    }, 20_000, 500);
    expect(cluster).toMatch(/node k8s-w1: agent online, synced, on SIGTERM graceful-shutdown; session 192\.168\.10\.101 Established, BFD Up/);
    // the agents report their BFD sessions too
    await waitFor('the agents\' BFD in show cluster', () => ((vipgate('show', 'cluster', '--socket', '/run/vipgate-lab/router.sock').match(/peer 192\.168\.10\.254\s+192\.168\.10\.254\s+Established, BFD Up/g) ?? []).length === 3 ? true : undefined), 20_000, 500);
    expect(cluster).toMatch(/default\/svc1\s+Cluster\s+\d+\s+172\.20\.1\.1\s+ok\s+192\.168\.10\.10, 192\.168\.10\.101, 192\.168\.10\.102/);
    expect(vipgate('show', 'bfd', '--socket', '/run/vipgate-lab/router.sock')).toMatch(/(192\.168\.10\.1\d*\s+Up\s+Up\s+100\s+300\b[^\n]*\n?){3}/);
  });

  it('ecmp, local, externalip, failover, upstream', () => {
    const e = vipgate('lab', 'ecmp');
    // the seed's views: the kernel table with three next hops per VIP, the summary, the BGP table
    expect(e).toMatch(/172\.20\.1\.1 nhid \d+ proto (201|vipgate) metric 20\s*\n\s+nexthop via 192\.168\.10\.10 dev lan0 weight 1\s*\n\s+nexthop via 192\.168\.10\.101 dev lan0 weight 1\s*\n\s+nexthop via 192\.168\.10\.102 dev lan0 weight 1/);
    // FRR's columns (MsgRcvd MsgSent TblVer InQ OutQ Up/Down State/PfxRcd PfxSnt) and its order of paths (newest first)
    // the nodes' group has no export policy: RFC 8212 sends them nothing, FRR's "(Policy)"
    expect(e).toMatch(/\*192\.168\.10\.101\s+4\s+64512\s+\d+\s+\d+\s+\d+\s+0\s+0\s+\S+\s+3 \(Policy\) N\/A/);
    expect(e).toMatch(/^\*[>=] 172\.20\.1\.1\/32 {4}192\.168\.10\.1\d* /m);
    expect(e.match(/^\*> (?:172\.20\.1\.\d\/32 {4}| {17})192\.168\.10\.10 /gm), e).toHaveLength(3);
    // the client's requests to each VIP reach at least two nodes
    for (const vip of ['172.20.1.1', '172.20.1.2', '172.20.1.3']) {
      const block = e.split(`curl -s ${vip};`)[1]!.split('\n$')[0]!;
      const nodes = block.split('\n').filter((l) => /^\s+\d+ k8s-/.test(l));
      expect(nodes.length, block).toBeGreaterThanOrEqual(2);
    }

    // externalTrafficPolicy Local: one pod → one next hop and the client address kept; 2+1 pods → weights 2:1
    const l = vipgate('lab', 'local');
    expect(l).toMatch(/172\.20\.1\.2 nhid \d+ via 192\.168\.10\.101 dev lan0 proto (201|vipgate) metric 20/);
    expect(l).toMatch(/client: \{"k8s-w1":30\}, client address seen by the pod: 192\.168\.20\.100/);
    const w = /nexthop via 192\.168\.10\.101 dev lan0 weight (\d+)\s*\n\s+nexthop via 192\.168\.10\.102 dev lan0 weight (\d+)/.exec(l);
    expect(w, l).not.toBeNull();
    expect(Number(w![1]) / Number(w![2])).toBeCloseTo(2, 1);
    // the router's own counters of that split: intended 67/33 from the weights, measured in line with the
    // answers the client got (every request a connection of about the same number of packets)
    const split = [...l.matchAll(/^ {2}(192\.168\.10\.10[12]): weight \d+, intended (\d+)%, measured (\d+)% \((\d+) packets\)$/gm)];
    expect(split.map((m) => [m[1], m[2]]), l).toEqual([['192.168.10.101', '67'], ['192.168.10.102', '33']]);
    const answered = /two pods on k8s-w1[\s\S]*?client: (\{.*\})/.exec(l);
    const w1 = (JSON.parse(answered![1]!) as Record<string, number>)['k8s-w1'] ?? 0;
    expect(Math.abs(Number(split[0]![3]) - (100 * w1) / 30)).toBeLessThanOrEqual(10);
    expect(Number(split[0]![4]) + Number(split[1]![4])).toBeGreaterThanOrEqual(30 * 4);

    // the ExternalIP Service is announced by every node like a LoadBalancer IP
    const x = vipgate('lab', 'externalip');
    expect(x).toMatch(/172\.20\.1\.100 nhid \d+ proto (201|vipgate) metric 20\s*\n(\s+nexthop via 192\.168\.10\.1\d* dev lan0 weight 1\s*\n){3}/);

    // a node's agent: synced, its session up, the three Services assigned and announced
    const agent = vipgate('show', 'agent', '--socket', '/run/vipgate-lab/k8s-w1.sock');
    expect(agent).toMatch(/^node k8s-w1: synced/);
    expect(agent).toMatch(/192\.168\.10\.254\s+Established\s+3/);
    expect(agent).toMatch(/default\/svc1: 172\.20\.1\.1/);

    // orderly (drain) then hard (link cut, BFD): both times only k8s-w2's next hop goes
    const f = vipgate('lab', 'failover');
    const [orderly, hard] = f.split('### Failover: k8s-w2 fails hard').map((part) => {
      expect(part).toMatch(/on k8s-rtr, \d+ ms after the failure\n172\.20\.1\.1 nhid \d+ proto (201|vipgate) metric 20\s*\n\s+nexthop via 192\.168\.10\.10 dev lan0 weight 1\s*\n\s+nexthop via 192\.168\.10\.101 dev lan0 weight 1\s*\n(?!\s+nexthop)/);
      return part;
    });
    expect(hard, f).toBeDefined();
    // the drain moves traffic before the session closes: nothing lost
    expect(orderly).toMatch(/router: next hop gone after \d+ ms, session closed after \d+ ms/);
    expect(stream(orderly!).lost).toBe(0);
    // BFD notices the cut: some requests in flight to k8s-w2 are lost, far fewer than the third of the
    // stream that a 9 s hold time would lose
    expect(hard).toMatch(/router: BFD down after \d+ ms, next hop gone after \d+ ms/);
    const h = stream(hard!);
    expect(h.lost).toBeGreaterThan(0);
    expect(h.lost).toBeLessThan(h.requests / 8);
    expect(hard).toMatch(/k8s-w2's link is up again; 172\.20\.1\.1 has all three next hops again/);
    expect(vipgate('lab', 'status')).toMatch(/lab: 6 namespaces/);

    // the client side's router (BIRD) learns the network and the pool aggregate, not the /32s
    const u = vipgate('lab', 'upstream');
    expect(u).toMatch(/^172\.20\.1\.0\/24\s+unicast \[vipgate [^\]]+\] \* \(100\) \[AS64513i\]\n\s+via 192\.168\.20\.254/m);
    expect(u).toMatch(/^10\.1\.1\.0\/24\s+unicast/m);
    expect(u).not.toMatch(/172\.20\.1\.\d+\/32/);
    expect(u).toMatch(/172\.20\.1\.0\/24 via 192\.168\.20\.254 dev eth0 proto bird/);
  });

  it('ha: two routers, upstream ECMP with BFD, VRRP gateway; a stopped router loses nothing, a cut uplink or a dead box a bounded share', () => {
    const out = vipgate('lab', 'ha');
    expect(out).toMatch(/^rtr1\s+BGP\s+---\s+up\s.*Established/m);
    expect(out).toMatch(/^rtr2\s+BGP\s+---\s+up\s.*Established/m);
    expect(out).toMatch(/^192\.168\.30\.25[34]\s+tr0\s+Up\b.*\n192\.168\.30\.25[34]\s+tr0\s+Up\b/m);
    expect(out).toMatch(/172\.20\.1\.0\/24 proto bird metric \d+\s*\n\s+nexthop via 192\.168\.30\.253 dev tr0 weight 1\s*\n\s+nexthop via 192\.168\.30\.254 dev tr0 weight 1/);
    expect(out).toMatch(/on k8s-w1: the VRRP address, held by k8s-rtr\ndefault via 192\.168\.10\.1 dev eth0/);
    // every agent peers with both routers
    expect(out).toMatch(/192\.168\.10\.254\s+192\.168\.10\.254\s+Established\s+3/);
    expect(out).toMatch(/192\.168\.10\.253\s+192\.168\.10\.253\s+Established\s+3/);

    const [, stop, cut, box] = out.split('### HA: ');
    expect(stop).toMatch(/^k8s-rtr2's vipgate router stops/);
    expect(stop).toMatch(/after\n172\.20\.1\.0\/24 via 192\.168\.30\.254 dev tr0 proto bird/);
    expect(stop).toMatch(/upstream: session down after \d+ ms, route converged after \d+ ms/);
    expect(stream(stop!).lost).toBe(0);
    expect(stop).toMatch(/k8s-rtr2 started again; the upstream spreads over both routers/);

    expect(cut).toMatch(/^k8s-rtr's uplink is cut/);
    expect(cut).toMatch(/after\n172\.20\.1\.0\/24 via 192\.168\.30\.253 dev tr0 proto bird/);
    expect(cut).toMatch(/upstream: session down after \d+ ms, route converged after \d+ ms/);
    // what was hashed to the cut uplink until BFD noticed: some, but far less than half the stream
    const c = stream(cut!);
    expect(c.lost).toBeGreaterThan(0);
    expect(c.lost).toBeLessThan(c.requests / 8);
    expect(cut).toMatch(/k8s-rtr's uplink is up again; the upstream spreads over both routers/);

    // k8s-rtr lost as a whole box: BFD moves the upstream, VRRP the nodes' gateway (so every reply is lost
    // until then, not only those through k8s-rtr): a bounded share, far below what the hold time would lose
    expect(box).toMatch(/^k8s-rtr fails as a whole box/);
    expect(box).toMatch(/after\n172\.20\.1\.0\/24 via 192\.168\.30\.253 dev tr0 proto bird/);
    expect(box).toMatch(/upstream: session down after \d+ ms, route converged after \d+ ms/);
    expect(box).toMatch(/nodes' gateway 192\.168\.10\.1: on k8s-rtr2 after \d+ ms/);
    const b = stream(box!);
    expect(b.lost).toBeGreaterThan(0);
    expect(b.lost).toBeLessThan(b.requests / 4);
    expect(box).toMatch(/k8s-rtr is back: the gateway, its sessions, its kernel routes/);
    expect(vipgate('lab', 'status')).toMatch(/lab: 9 namespaces/);
  });

  it('status names a dead broker and a dead agent, and fails', () => {
    const inNs = (ns: string): number[] => execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split(/\s+/).filter(Boolean).map(Number);
    const proc = (pid: number, file: string): string => { try { return readFileSync(`/proc/${pid}/${file}`, 'utf8'); } catch { return ''; } };
    for (const p of inNs('vipgate-lab-rtr')) if (proc(p, 'comm').trim() === 'mosquitto') process.kill(p, 'SIGKILL');
    for (const p of inNs('vipgate-lab-k8s-w1')) if (proc(p, 'cmdline').includes('\0agent\0')) process.kill(p, 'SIGKILL');
    const r = spawnSync(process.execPath, [CLI, 'lab', 'status'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^mosquitto \(mqtt:\/\/192\.168\.10\.254:1883\): DEAD/m);
    expect(r.stdout).toMatch(/^k8s-w1's vipgate agent .*: DEAD/m);
    expect(r.stdout).toMatch(/^k8s-w2's vipgate agent .*: answering$/m);
    expect(r.stdout).toMatch(/lab: 2 of its daemons are dead/);
  });

  it('down removes everything, even after the router was killed', async () => {
    const pids = execFileSync('ip', ['netns', 'pids', 'vipgate-lab-rtr'], { encoding: 'utf8' }).split(/\s+/).filter(Boolean);
    for (const p of pids) process.kill(Number(p), 'SIGKILL');
    // the forwarder in the router's namespace died with the kill; the one on the host's loopback is found
    // by its command line
    expect(vipgate('lab', 'down')).toMatch(/^lab down: removed 9 namespaces, stopped 1 web forwarder\n$/);
    expect(labNamespaces()).toEqual([]);
    await expect(fetch(WEB)).rejects.toThrow();
    expect(() => vipgate('lab', 'status')).toThrow();
  });

  it('up with a broker that cannot start fails, naming it, and claims no broker', () => {
    // mosquitto replaced by /bin/false in a private mount namespace: it exits at once
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mount --bind /bin/false "$(command -v mosquitto)" && exec "$0" "$1" lab up`, process.execPath, CLI],
      { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(/mosquitto exited right after it started/);
    expect(r.stdout).not.toMatch(/MQTT: mosquitto at/);
    expect(r.stdout).not.toMatch(/BGP sessions established/);
    expect(vipgate('lab', 'down')).toMatch(/^lab down: removed 6 namespaces/);
  });
});
