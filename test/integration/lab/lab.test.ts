/**
 * `vipgate lab` as a user runs it (the built CLI, as root): up builds the seed's lab in namespaces (router,
 * three nodes each running `vipgate agent` on a watched cluster file, a client), the
 * ECMP scenario prints the seed's views and spreads the client's requests over the three nodes with the
 * client address preserved, externalTrafficPolicy Local announces only from nodes with pods and weights by
 * their number, an ExternalIP Service is announced like a VIP, the orderly failover drops only the stopped node's next hop without losing a
 * request, the client side's BIRD learns the pool aggregate, and down leaves no namespace behind, also after
 * the router was killed.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from '../../helpers/vipgate.js';

function vipgate(...args: string[]): string {
  return execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
}

function labNamespaces(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith('vipgate-lab-'));
}

afterAll(() => { vipgate('lab', 'down'); });

describe('vipgate lab', () => {
  it('up, ecmp, failover, down', () => {
    const up = vipgate('lab', 'up');
    expect(up).toMatch(/3 BGP sessions established/);
    expect(labNamespaces().length).toBe(6);

    const e = vipgate('lab', 'ecmp');
    // the seed's views: the kernel table with three next hops per VIP, the summary, the BGP table
    expect(e).toMatch(/172\.20\.1\.1 nhid \d+ proto (201|vipgate) metric 20\s*\n\s+nexthop via 192\.168\.10\.10 dev lan0 weight 1\s*\n\s+nexthop via 192\.168\.10\.101 dev lan0 weight 1\s*\n\s+nexthop via 192\.168\.10\.102 dev lan0 weight 1/);
    expect(e).toMatch(/\*192\.168\.10\.101\s+4\s+64512\s+\d+\s+\d+\s+0\s+\S+\s+3\s+0 N\/A/);
    expect(e).toMatch(/\*> 172\.20\.1\.1\/32\s+192\.168\.10\.10\s/);
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

    // the ExternalIP Service is announced by every node like a LoadBalancer IP
    const x = vipgate('lab', 'externalip');
    expect(x).toMatch(/172\.20\.1\.100 nhid \d+ proto (201|vipgate) metric 20\s*\n(\s+nexthop via 192\.168\.10\.1\d* dev lan0 weight 1\s*\n){3}/);

    // a node's agent: synced, its session up, the three Services assigned and announced
    const agent = vipgate('show', 'agent', '--socket', '/run/vipgate-lab/k8s-w1.sock');
    expect(agent).toMatch(/^node k8s-w1: synced/);
    expect(agent).toMatch(/192\.168\.10\.254\s+Established\s+3/);
    expect(agent).toMatch(/default\/svc1: 172\.20\.1\.1/);

    const f = vipgate('lab', 'failover');
    expect(f).toMatch(/on k8s-rtr, \d+ ms after the stop\n172\.20\.1\.1 nhid \d+ proto (201|vipgate) metric 20\s*\n\s+nexthop via 192\.168\.10\.10 dev lan0 weight 1\s*\n\s+nexthop via 192\.168\.10\.101 dev lan0 weight 1\s*\n(?!\s+nexthop)/);
    expect(f).toMatch(/client: 20 of 20 requests answered/);
    expect(vipgate('lab', 'status')).toMatch(/lab: 6 namespaces/);

    // the client side's router (BIRD) learns the network and the pool aggregate, not the /32s
    const u = vipgate('lab', 'upstream');
    expect(u).toMatch(/^172\.20\.1\.0\/24\s+unicast \[vipgate [^\]]+\] \* \(100\) \[AS64513i\]\n\s+via 192\.168\.20\.254/m);
    expect(u).toMatch(/^10\.1\.1\.0\/24\s+unicast/m);
    expect(u).not.toMatch(/172\.20\.1\.\d+\/32/);
    expect(u).toMatch(/172\.20\.1\.0\/24 via 192\.168\.20\.254 dev eth0 proto bird/);
  });

  it('down removes everything, even after the router was killed', () => {
    const pids = execFileSync('ip', ['netns', 'pids', 'vipgate-lab-rtr'], { encoding: 'utf8' }).split(/\s+/).filter(Boolean);
    for (const p of pids) process.kill(Number(p), 'SIGKILL');
    expect(vipgate('lab', 'down')).toMatch(/removed 6 namespaces/);
    expect(labNamespaces()).toEqual([]);
    expect(() => vipgate('lab', 'status')).toThrow();
  });
});
