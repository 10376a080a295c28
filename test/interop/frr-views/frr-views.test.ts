/**
 * vipgate's `show bgp summary`, `show ip bgp`, `show bgp ipv6` and `show ip bgp PREFIX` against what FRR
 * 8.4's vtysh printed for the same state (test/fixtures/frr-views/, recorded by scripts/capture-frr-views.ts
 * from a real FRR in the scenario of scenario.ts): the built vipgate router takes FRR's place among the same
 * GoBGP speakers, its views are printed by the CLI, and both sides are compared line for line after only the
 * values that must differ are normalised (normalise.ts). Also: the checks can fail (a column moved is
 * caught), and `--json` keeps its shape.
 * Needs root (namespaces), gobgpd (Debian gobgpd) and `npm run build`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/netns.js';
import { CLI, REPO, VipgateRouter } from '../../helpers/vipgate.js';
import { buildScenario, N1, N2, N3, N6, settled, VIEWS, vipgateRouterConfig, type Scenario } from './scenario.js';
import { normaliseView } from './normalise.js';

const GOLDEN = join(REPO, 'test', 'fixtures', 'frr-views');

describe('vipgate show views against FRR 8.4', () => {
  let s: Scenario;
  let router: VipgateRouter;
  const show = (words: readonly string[]): string => execFileSync(process.execPath, [CLI, ...words, '--socket', router.socket], { encoding: 'utf8', timeout: 10_000 });

  beforeAll(async () => {
    const scenario = await buildScenario();
    s = scenario;
    router = await VipgateRouter.start(s.lab, s.router, vipgateRouterConfig(), ['--no-fib']);
    const table = async () => `${show(['show', 'ip', 'bgp'])}${show(['show', 'bgp', 'ipv6'])}`;
    await scenario.startSpeakers(table);
    await waitFor('n1 (both families), n2, n3 and n6 established', async () => {
      const peers = (await router.summary()).peers;
      return [N1.v4, N1.v6, N2, N3, N6].every((a) => peers.some((p) => p.address === a && p.state === 'Established')) ? true : undefined;
    }, 60_000, 250);
    await settled(table);
  }, 180_000);

  afterAll(async () => {
    for (const d of s?.speakers ?? []) await d.stop().catch(() => undefined);
    await router?.dispose();
    await s?.lab.cleanup();
  });

  it.each(VIEWS.map((v) => [v.vtysh, v] as const))('%s prints what FRR prints', (_name, v) => {
    const frr = normaliseView(readFileSync(join(GOLDEN, v.file), 'utf8')).split('\n');
    const ours = normaliseView(show(v.vipgate)).split('\n');
    expect(ours).toEqual(frr);
  });

  it('the comparison sees a column that moves, and normalises only what must differ', () => {
    const golden = readFileSync(join(GOLDEN, 'show-bgp-summary.txt'), 'utf8');
    const moved = golden.replace('192.168.10.10   4', '192.168.10.10    4');
    expect(normaliseView(moved)).not.toBe(normaliseView(golden));
    expect(normaliseView(golden)).toContain('never       Active        0 N/A');
    expect(normaliseView(golden)).toMatch(/^192\.168\.10\.10 {3}4 {6}64512 {9}# {9}# {8}# {4}0 {4}0 {8}T {12}2 {8}0 N\/A$/m);
  });

  it('--json keeps its shape: the summary\'s and the table\'s fields, paths of one family', () => {
    const summary = JSON.parse(show(['show', 'bgp', 'summary', '--json'])) as Record<string, unknown>;
    expect(Object.keys(summary)).toEqual(expect.arrayContaining(['routerId', 'localAs', 'ribEntries', 'peers']));
    const table = JSON.parse(show(['show', 'ip', 'bgp', '--json'])) as { paths: { prefix: string; best: boolean; nextHop: string }[] };
    expect(table.paths.every((p) => !p.prefix.includes(':'))).toBe(true);
    expect(table.paths.filter((p) => p.prefix === '172.20.1.1/32').map((p) => [p.nextHop, p.best])).toEqual([[N2, false], [N1.v4, true]]);
    const v6 = JSON.parse(show(['show', 'bgp', 'ipv6', '--json'])) as { paths: { prefix: string }[] };
    expect(v6.paths.map((p) => p.prefix)).toEqual(['2001:db8:20::1/128']);
  });
});
