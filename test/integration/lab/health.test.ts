/**
 * `vipgate lab health` as a user runs it (the built CLI, as root): with health checks on, a node that keeps its
 * BGP session but refuses one Service IP's port 80 leaves that Service IP's route only; the client's stream
 * loses requests only while the checks are failing (a bounded share, not the rest of the stream), the other
 * Service IPs keep the node, its session stays Established, `show health` shows the pair down; once the node
 * serves again, its next hop comes back.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from '../../helpers/vipgate.js';

function vipgate(...args: string[]): string {
  return execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 240_000 });
}

afterAll(() => { vipgate('lab', 'down'); });

describe('vipgate lab health', { timeout: 300_000 }, () => {
  it('one Service IP loses the node that stops serving it, the others and the session do not', () => {
    expect(vipgate('lab', 'up')).toMatch(/3 BGP sessions established/);
    const out = vipgate('lab', 'health');
    expect(out).toMatch(/on k8s-rtr, \d+ ms after k8s-w2 stopped serving it\n172\.20\.1\.1 nhid \d+ proto (201|vipgate) metric 20\s*\n\s+nexthop via 192\.168\.10\.10 dev lan0 weight 1\s*\n\s+nexthop via 192\.168\.10\.101 dev lan0 weight 1\s*\n(?!\s+nexthop)/);
    expect(out).toMatch(/router: health check failed 2 times after \d+ ms, next hop out of 172\.20\.1\.1 after \d+ ms/);
    const m = /client stream: (\d+) UDP requests to 172\.20\.1\.1, one every 5 ms: (\d+) lost/.exec(out);
    expect(m, out).not.toBeNull();
    // lost: what hashed to k8s-w2 while the checks were failing, far from the third of the stream after it
    expect(Number(m![2])).toBeGreaterThan(0);
    expect(Number(m![2])).toBeLessThan(Number(m![1]) / 6);
    expect(out).toMatch(/^172\.20\.1\.2: next hops 192\.168\.10\.10, 192\.168\.10\.101, 192\.168\.10\.102$/m);
    expect(out).toMatch(/^172\.20\.1\.3: next hops 192\.168\.10\.10, 192\.168\.10\.101, 192\.168\.10\.102$/m);
    expect(out).toMatch(/^k8s-w2's session: \*192\.168\.10\.102 4 64512 .* 3 \(Policy\) N\/A$/m);
    expect(out).toMatch(/^172\.20\.1\.1\/32\s+192\.168\.10\.102\s+80 down\s+\d+ connect ECONNREFUSED 172\.20\.1\.1:80$/m);
    expect(out.match(/^172\.20\.1\.\d\/32\s+192\.168\.10\.\d+\s+80 up/gm)).toHaveLength(8);
    expect(out).toMatch(/k8s-w2 serves 172\.20\.1\.1 again: its next hop back after \d+ ms \(2 passes\)/);
  });
});
