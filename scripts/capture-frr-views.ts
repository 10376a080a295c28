/**
 * Records what FRR's vtysh prints for the state of test/interop/frr-views/scenario.ts (FRR 8.4 from Debian
 * as the router, GoBGP speakers as its peers, in namespaces) into test/fixtures/frr-views/<view>.txt, the
 * golden files test/interop/frr-views.test.ts compares vipgate's `show` views with, and the FRR version
 * into test/fixtures/frr-views/VERSION. The files hold vtysh's output unchanged; the test normalises the
 * values that must differ (times, counters of messages and table versions, memory use).
 *
 * Run as root: node --import tsx scripts/capture-frr-views.ts [--print]   (--print: show, write nothing)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FrrDaemon } from '../test/helpers/daemons/frr.js';
import { waitFor } from '../test/helpers/netns.js';
import { buildScenario, frrRouterConfig, N1, N2, N3, N6, ROUTER, settled, VIEWS } from '../test/interop/frr-views/scenario.js';

const OUT = join(import.meta.dirname, '..', 'test', 'fixtures', 'frr-views');
const print = process.argv.includes('--print');

const s = await buildScenario();
try {
  const frr = await FrrDaemon.start(s.lab, s.router, { routerId: ROUTER.v4, as: ROUTER.as, neighbors: [], rawConfig: frrRouterConfig() });
  const table = async () => `${await frr.vtysh('show ip bgp')}${await frr.vtysh('show bgp ipv6')}`;
  await s.startSpeakers(table);
  await waitFor('n1 (both families), n2 and n3 established at FRR', async () => {
    const peers = await frr.peers();
    return [N1.v4, N1.v6, N2, N3, N6].every((a) => peers.some((p) => p.address === a && p.state === 'Established')) ? true : undefined;
  }, 60_000, 250);
  await settled(table);
  // let the first keepalives and any late UPDATE pass, so that the counters are those of a quiet state
  await new Promise((r) => setTimeout(r, 4000));
  const version = (await frr.vtysh('show version')).split('\n').find((l) => l.startsWith('FRRouting')) ?? 'FRRouting ?';
  for (const v of VIEWS) {
    const text = await frr.vtysh(v.vtysh);
    if (print) process.stdout.write(`===== ${v.vtysh}\n${text}`);
    else writeFileSync(join(OUT, v.file), text);
  }
  if (!print) writeFileSync(join(OUT, 'VERSION'), `${version.trim()}\n`);
  process.stdout.write(`${print ? 'printed' : `wrote ${VIEWS.length} views to ${OUT}`} (${version.trim()})\n`);
  await frr.stop();
} finally {
  for (const d of s.speakers) await d.stop().catch(() => undefined);
  await s.lab.cleanup();
}
