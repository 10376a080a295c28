/**
 * `vipgate lab flows` as a user runs it (the built CLI, as root): 60 established TCP connections from the
 * client to a Service IP over three nodes, each node's link cut in turn. With resilient groups (the router's
 * default) no connection on a surviving node breaks; with hash-threshold groups (fib.resilient: false) the
 * kernel re-divides the hash range and survivors' connections break when the first or last next hop goes
 * (RFC 2992's hash-threshold: a removed region's neighbours shift). Connections on the cut node break in both.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from '../../helpers/vipgate.js';

function vipgate(...args: string[]): string {
  return execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 300_000 });
}

/** Per cut: survivors' connections broken, survivors, the cut node's connections broken and held. */
function cuts(text: string): { broken: number; survivors: number; cutBroken: number; onCut: number }[] {
  return [...text.matchAll(/^(k8s-[mw]\d?) cut: connections before (\{.*\}); on the surviving nodes (\d+) of (\d+) broke; on \1 (\d+) broke$/gm)]
    .map((m) => ({ broken: Number(m[3]), survivors: Number(m[4]), cutBroken: Number(m[5]), onCut: (JSON.parse(m[2]!) as Record<string, number>)[m[1]!] ?? 0 }));
}

afterAll(() => { vipgate('lab', 'down'); });

describe('vipgate lab flows', { timeout: 400_000 }, () => {
  it('resilient groups keep every survivor\'s connection when a node leaves; hash-threshold groups break some', () => {
    expect(vipgate('lab', 'up')).toMatch(/3 BGP sessions established/);
    const out = vipgate('lab', 'flows');
    const [, hash, resilient] = out.split('### Flows on failover, ');
    expect(hash).toMatch(/^hash-threshold groups/);
    expect(hash).toMatch(/the kernel's group for 172\.20\.1\.1: type mpath/);
    expect(resilient).toMatch(/^resilient groups/);
    expect(resilient).toMatch(/the kernel's group for 172\.20\.1\.1: type resilient/);
    const h = cuts(hash!);
    const r = cuts(resilient!);
    expect(h).toHaveLength(3);
    expect(r).toHaveLength(3);
    // every connection was on some node, and the cut node's connections broke either way
    for (const c of [...h, ...r]) {
      expect(c.survivors + c.onCut).toBe(60);
      expect(c.cutBroken).toBe(c.onCut);
    }
    expect(r.map((c) => c.broken)).toEqual([0, 0, 0]);
    expect(h.reduce((a, c) => a + c.broken, 0)).toBeGreaterThan(0);
    expect(out).toMatch(/^resilient: 0 of \d+ connections on surviving nodes broke over the three cuts$/m);
  });
});
