/**
 * `vipgate lab one-arm` as a user runs it (the built CLI, as root): a client on the nodes' own segment with
 * the router as its gateway. With send_redirects on the router sends ICMP redirects, the client takes them
 * and goes straight to one node (all answers from it, nothing once that node is cut); with the box's shipped
 * sysctls the router sends none, the client's requests spread over the nodes, and the router's failover
 * holds for it. `show dataplane` warns while lan0 would send redirects and is quiet with the shipped lines.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from '../../helpers/vipgate.js';

function vipgate(...args: string[]): string {
  return execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
}
const SOCKET = ['--socket', '/run/vipgate-lab/router.sock'];

/** The figures of one phase of the scenario's output. */
function phase(text: string): { udp: Record<string, number>; answers: Record<string, number>; sent: number; taken: number; afterCut: Record<string, number>; route: string } {
  const udp = /^UDP: 50 requests to 172\.20\.1\.1:80, one every 20 ms, answered by (\{.*\})$/m.exec(text);
  const answers = /^answers: (\{.*\})$/m.exec(text);
  const counts = /ICMP redirects sent by k8s-rtr \(Icmp OutRedirects\): (\d+); taken by k8s-lanpc \(InRedirects\): (\d+)/.exec(text);
  const after = /^answers after the cut: (\{.*\})$/m.exec(text);
  const route = /# on k8s-lanpc\n(172\.20\.1\.1 [^\n]*)/.exec(text);
  expect(udp && answers && counts && after && route, text).toBeTruthy();
  return { udp: JSON.parse(udp![1]!), answers: JSON.parse(answers![1]!), sent: Number(counts![1]), taken: Number(counts![2]), afterCut: JSON.parse(after![1]!), route: route![1]! };
}

afterAll(() => { vipgate('lab', 'down'); });

describe('vipgate lab one-arm', { timeout: 240_000 }, () => {
  it('redirects with send_redirects on, none with the shipped sysctls; spread and failover hold for the client', () => {
    expect(vipgate('lab', 'up')).toMatch(/3 BGP sessions established/);
    expect(vipgate('show', 'dataplane', ...SOCKET)).toBe('ICMP redirects: no forwarding interface sends IPv4 redirects\nnft table inet vipgate-router: in place; IPv6 redirects dropped: 0\n');
    execFileSync('ip', ['netns', 'exec', 'vipgate-lab-rtr', 'sysctl', '-qw', 'net.ipv4.conf.lan0.send_redirects=1']);
    expect(vipgate('show', 'dataplane', ...SOCKET)).toMatch(/^WARNING: lan0 forwards IPv4 with send_redirects on: .* set net\.ipv4\.conf\.lan0\.send_redirects=0 /);

    const out = vipgate('lab', 'one-arm');
    const [, stockText, shippedText] = out.split('### One-arm, ');
    const stock = phase(stockText!);
    const shipped = phase(shippedText!);
    // send_redirects on: the router redirects the client, which then goes to one node only, and on to it
    // when it is cut (the router's failover does not reach a client that bypasses it)
    expect(stock.sent).toBeGreaterThan(0);
    expect(stock.taken).toBeGreaterThan(0);
    expect(stock.route).toMatch(/via 192\.168\.10\.(10|101|102) dev eth0/);
    expect(Object.keys(stock.answers)).toHaveLength(1);
    expect(Object.keys(stock.udp)).toEqual(Object.keys(stock.answers));
    expect(stock.afterCut).toEqual({ error: 10 });
    // the shipped sysctls: no redirect, the router stays the client's gateway, ECMP spreads its requests and
    // the cut node's next hop goes without an error
    expect(shipped.sent).toBe(0);
    expect(shipped.taken).toBe(0);
    expect(shipped.route).toMatch(/via 192\.168\.10\.254 dev eth0/);
    expect(Object.keys(shipped.answers).length).toBeGreaterThanOrEqual(2);
    expect(shipped.answers['error']).toBeUndefined();
    expect(Object.keys(shipped.udp).length).toBeGreaterThanOrEqual(2);
    expect(shipped.udp['lost']).toBeUndefined();
    expect(Object.values(shipped.answers).reduce((a, b) => a + b, 0)).toBe(30);
    expect(shippedText).toMatch(/k8s-w2's link cut, the router's next hops for 172\.20\.1\.1: 192\.168\.10\.10, 192\.168\.10\.101\n/);
    expect(shipped.afterCut['error']).toBeUndefined();
    expect(shipped.afterCut['k8s-w2']).toBeUndefined();
    expect(Object.values(shipped.afterCut).reduce((a, b) => a + b, 0)).toBe(10);
    expect(out).toMatch(/one-arm: redirects sent [1-9]\d* with send_redirects on, 0 with the shipped sysctls/);
    // the scenario leaves the shipped setting: the router is quiet again, and its client namespace is gone
    expect(vipgate('show', 'dataplane', ...SOCKET)).toMatch(/^ICMP redirects: no forwarding interface sends IPv4 redirects\n/);
    expect(vipgate('lab', 'status')).toMatch(/lab: 6 namespaces/);
  });
});
