/**
 * BFD authentication (RFC 5880 4.4, 6.7.4) between vipgate and BIRD 2 in two namespaces: keyed SHA1 and
 * meticulous keyed SHA1 sessions come Up and run at 100 ms with the digests each side computes; a wrong key
 * keeps the session Down, with vipgate dropping BIRD's packets for their digest. (FRR 8.4's bfdd has no
 * authentication.) vipgate's side is test/integration/bfd/auth-speaker.ts run inside its namespace.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Netlab, waitFor } from '../helpers/netns.js';
import { REPO } from '../helpers/vipgate.js';
import { AuthType } from '../../src/wire/bfd/types.js';

const SPEAKER = join(REPO, 'test', 'integration', 'bfd', 'auth-speaker.ts');
let lab: Netlab | undefined;
let dir: string | undefined;
afterEach(async () => {
  await lab?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
  lab = undefined;
  dir = undefined;
});

interface Line { event: string; reason?: string; diag?: number; view?: { state: string; txIntervalMs: number; detectionTimeMs: number; packetsIn: number } }

/** BIRD with one BFD neighbor and `auth` ("keyed sha1", "meticulous keyed sha1"), vipgate's speaker with `key`. */
async function session(auth: string, birdSecret: string, vipgateType: number, vipgateSecret: string): Promise<{ lines: Line[]; bird: string }> {
  lab = new Netlab();
  dir = mkdtempSync(join(tmpdir(), 'vipgate-bfd-auth-'));
  const a = lab.ns('bird');
  const b = lab.ns('vg');
  lab.link(a, ['10.40.0.1/24'], b, ['10.40.0.2/24']);
  const conf = join(dir, 'bird.conf');
  writeFileSync(conf, [
    'router id 10.40.0.1;', 'protocol device { scan time 1; }',
    'protocol bfd {',
    `  interface "*" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; authentication ${auth}; password "${birdSecret}" { id 7; }; };`,
    '  neighbor 10.40.0.2;',
    '}', '',
  ].join('\n'));
  const sock = join(dir, 'bird.ctl');
  lab.spawn(a, 'bird', ['-f', '-c', conf, '-s', sock, '-P', join(dir, 'bird.pid')]);
  const speaker = lab.spawn(b, process.execPath, ['--import', 'tsx', SPEAKER, '10.40.0.1', String(vipgateType), '7', vipgateSecret], { cwd: REPO });
  let text = '';
  speaker.stdout!.on('data', (d: Buffer) => { text += d.toString(); });
  const parsed = () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
  // BIRD's view while vipgate's side is Up (it stays Up 3 s, then ends the session)
  await waitFor('the speaker Up or finished', () => (parsed().some((l) => l.event === 'up' || l.event === 'final') ? true : undefined), 30_000, 50);
  const birdc = () => lab!.exec(a, 'birdc', ['-s', sock, 'show', 'bfd', 'sessions']);
  const up = /10\.40\.0\.2\s+\S+\s+Up/;
  const bird = parsed().some((l) => l.event === 'up') ? await waitFor('BIRD Up', () => { const t = birdc(); return up.test(t) ? t : undefined; }, 2500, 100).catch(() => birdc()) : birdc();
  const lines = await waitFor('the speaker to finish', () => (parsed().some((l) => l.event === 'final') ? parsed() : undefined), 30_000, 100);
  return { lines, bird };
}

describe('BFD authentication with BIRD', () => {
  for (const [name, auth, type] of [
    ['keyed SHA1', 'keyed sha1', AuthType.KEYED_SHA1],
    ['meticulous keyed SHA1', 'meticulous keyed sha1', AuthType.METICULOUS_KEYED_SHA1],
  ] as const) {
    it(`${name}: the session comes Up and runs at 100 ms x 3`, async () => {
      const { lines, bird } = await session(auth, 'vipgate-bfd', type, 'vipgate-bfd');
      expect(lines.filter((l) => l.event === 'dropped')).toEqual([]);
      // the speaker ends its session itself after the final report: AdminDown, diagnostic 7
      expect(lines.map((l) => [l.event, l.diag])).toEqual([['up', undefined], ['final', undefined], ['down', 7]]);
      const view = lines.find((l) => l.event === 'final')!.view!;
      expect(view).toMatchObject({ state: 'Up', txIntervalMs: 100, detectionTimeMs: 300 });
      expect(view.packetsIn).toBeGreaterThan(5);
      expect(bird).toMatch(/10\.40\.0\.2\s+\S+\s+Up/);
    }, 40_000);
  }

  it('a wrong key: the session stays Down and vipgate drops the packets for their digest', async () => {
    const { lines, bird } = await session('keyed sha1', 'vipgate-bfd', AuthType.KEYED_SHA1, 'not-the-key');
    expect(lines.some((l) => l.event === 'up')).toBe(false);
    expect(lines.filter((l) => l.event === 'dropped').map((l) => l.reason)).toContain('wrong digest');
    expect(lines.at(-1)!.view).toMatchObject({ state: 'Down' });
    expect(bird).not.toMatch(/10\.40\.0\.2\s+\S+\s+Up/);
  }, 40_000);
});
