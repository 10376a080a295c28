/**
 * `vipgate lab health` as a user runs it (the built CLI, as root): k8s-w2's pod for the first Service IP
 * stops answering while its agent and BGP session run on. The router's service checks take k8s-w2 out of that
 * Service IP's group only (the other Service IPs keep three nodes, the session is kept), the client loses at
 * most the requests of the detection window, and k8s-w2 is back once the pod answers again.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from '../../helpers/vipgate.js';

function vipgate(...args: string[]): string {
  return execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
}

afterAll(() => { vipgate('lab', 'down'); });

describe('vipgate lab health', { timeout: 240_000 }, () => {
  it('a broken pod leaves its Service IP\'s group only, within the detection window, and comes back', () => {
    expect(vipgate('lab', 'up')).toMatch(/3 BGP sessions established/);
    const out = vipgate('lab', 'health');
    const stream = /client stream: 800 UDP requests to 172\.20\.1\.1, one every 5 ms: (\d+) lost(?: \(sent (\d+) to (\d+) ms after the failure\))?; answered by (\{.*\})/.exec(out);
    const times = /the check failed out (-?\d+) ms after the pod stopped, next hop gone after (-?\d+) ms; the other Service IPs: (.*)$/m.exec(out);
    expect(stream && times, out).toBeTruthy();
    const [detected, converged] = [Number(times![1]), Number(times![2])];
    expect(detected).toBeGreaterThan(0);
    expect(converged).toBeGreaterThanOrEqual(0);
    // what was lost was sent before the node left the group (plus one request in flight)
    if (Number(stream![1]) > 0) expect(Number(stream![3])).toBeLessThanOrEqual(converged + 5);
    expect(Number(stream![1])).toBeLessThan(800 / 3);
    expect(Object.keys(JSON.parse(stream![4]!) as Record<string, number>).sort()).toEqual(['k8s-m', 'k8s-w1', 'k8s-w2']);
    expect(times![3]).toBe('172.20.1.2 via 3 nodes, 172.20.1.3 via 3 nodes');
    expect(out).toMatch(/\tout: 192\.168\.10\.102 \(service check: 80: ECONNREFUSED\)/);
    expect(out).toMatch(/k8s-w2's BGP session: kept \(Established\/1 -> Established\/1\)/);
    expect(out).toMatch(/k8s-w2's pod answers again: back in 172\.20\.1\.1's group after \d+ ms/);
  });
});
