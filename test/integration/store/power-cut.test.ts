/**
 * A power cut in the middle of writes (kill -9 of a writer process): the database opens again, passes
 * integrity_check, and holds every row the writer had seen committed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { stopChild } from '../../helpers/daemons/process.js';

const dir = mkdtempSync(join(tmpdir(), 'vg-powercut-'));
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) await stopChild(c, 1000, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Start the writer, wait for `commits` committed batches, kill -9 it; the last seq it reported committed. */
async function runAndKill(db: string, commits: number): Promise<{ integrity: string; lastCommitted: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'writer.ts'), db], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let integrity = '';
  let lastCommitted = -1;
  let seen = 0;
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`writer made ${seen} commits in 30 s`)), 30_000);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`writer exited with ${code}`)); });
    lines.on('line', (l) => {
      if (l.startsWith('integrity ')) integrity = l.slice(10);
      if (!l.startsWith('committed ')) return;
      lastCommitted = Number(l.slice(10));
      if (++seen === commits) { clearTimeout(timer); child.removeAllListeners('exit'); child.kill('SIGKILL'); resolve(); }
    });
  });
  await stopChild(child, 5000, null);
  return { integrity, lastCommitted };
}

describe('history store under kill -9', () => {
  it('three kills in the middle of writes: integrity ok at every start and no committed row lost', async () => {
    const db = join(dir, 'history.db');
    let previous = -1;
    for (let round = 0; round < 3; round++) {
      const { integrity, lastCommitted } = await runAndKill(db, 15 + round * 5);
      if (round > 0) expect(integrity).toBe('ok');
      expect(lastCommitted).toBeGreaterThan(previous);
      const check = new Database(db);
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
      const { n } = check.prepare('SELECT COUNT(*) AS n FROM route_changes WHERE CAST(reason AS INTEGER) <= ?').get(lastCommitted) as { n: number };
      const { gaps } = check.prepare('SELECT COUNT(*) - COUNT(DISTINCT reason) AS gaps FROM route_changes').get() as { gaps: number };
      check.close();
      expect(n).toBe(lastCommitted + 1);
      expect(gaps).toBe(0);
      previous = lastCommitted;
    }
  });
});
