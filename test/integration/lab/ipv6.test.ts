/**
 * `vipgate lab ipv6` as a user runs it (the built CLI, as root): the lab is dual stack (ULA networks beside
 * the seed's IPv4); an IPv6 LoadBalancer Service from the ULA pool gets a /128 on the router with one next hop
 * per node (their global addresses, learned over the IPv4 sessions with MP-BGP), the client's IPv6 requests
 * spread over the nodes with its address kept, a cut node's next hop leaves and no request fails after, and a
 * client on the nodes' own segment keeps the router as its gateway: no ICMPv6 Redirect sent.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from '../../helpers/vipgate.js';

function vipgate(...args: string[]): string {
  return execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
}
const json = (text: string, re: RegExp): Record<string, number> => {
  const m = re.exec(text);
  expect(m, text).not.toBeNull();
  return JSON.parse(m![1]!) as Record<string, number>;
};
const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);

afterAll(() => { vipgate('lab', 'down'); });

describe('vipgate lab ipv6', { timeout: 240_000 }, () => {
  it('an IPv6 Service IP: ECMP over the nodes, failover, and the one-arm client without redirects', () => {
    expect(vipgate('lab', 'up')).toMatch(/3 BGP sessions established/);
    const out = vipgate('lab', 'ipv6');
    expect(out).toMatch(/fd00:172:20:1::1 nhid \d+ proto (201|vipgate) metric 20 pref medium\s*\n\s+nexthop via fd00:10::10 dev lan0 weight 1\s*\n\s+nexthop via fd00:10::101 dev lan0 weight 1\s*\n\s+nexthop via fd00:10::102 dev lan0 weight 1/);
    expect(out).toMatch(/^\*[>=] fd00:172:20:1::1\/128/m);
    const [, two, lan] = out.split(/^answers: /m);
    const spread = JSON.parse(two!.split('\n')[0]!) as Record<string, number>;
    expect(Object.keys(spread).length).toBeGreaterThanOrEqual(2);
    expect(spread['error']).toBeUndefined();
    expect(sum(spread)).toBe(30);
    expect(out).toMatch(/client address seen by the pods: fd00:20::100\n/);
    const afterCut = json(out, /answers after the cut: (\{.*\})/);
    expect(out).toMatch(/k8s-w2's link cut; the router's next hops for fd00:172:20:1::1: fd00:10::10, fd00:10::101;/);
    expect(afterCut['k8s-w2']).toBeUndefined();
    expect(afterCut['error']).toBeUndefined();
    expect(sum(afterCut)).toBe(10);
    const lanSpread = JSON.parse(lan!.split('\n')[0]!) as Record<string, number>;
    expect(Object.keys(lanSpread).length).toBeGreaterThanOrEqual(2);
    expect(lanSpread['error']).toBeUndefined();
    expect(out).toMatch(/ICMPv6 Redirects sent by k8s-rtr \(Icmp6OutRedirects\): 0; dropped by its nft table: \d+/);
    expect(out).toMatch(/fd00:172:20:1::1 from :: via fd00:10::254 dev eth0/);
    // the IPv6 Service is gone again, the lab as up left it
    expect(vipgate('lab', 'status')).toMatch(/lab: 6 namespaces/);
  });
});
