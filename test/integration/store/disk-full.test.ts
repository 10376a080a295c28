/**
 * Disk full stops the history, not the process: a writer in its own mount namespace on a 256 KiB tmpfs
 * fills it; the store reports SQLITE_FULL once, drops what it cannot write, and every later call returns
 * normally.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isRoot } from '../../helpers/netns.js';

const dir = mkdtempSync(join(tmpdir(), 'vg-full-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('history store on a full disk', () => {
  it('stops history with "disk full" and carries on', async () => {
    expect(isRoot(), 'needs root for unshare -m and a tmpfs mount (CI runs as root)').toBe(true);
    const script = `mount -t tmpfs -o size=256k vgfull "$1" && exec "$2" --import tsx "$3" "$1/history.db"`;
    const out = await new Promise<string>((resolve, reject) => {
      execFile('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', dir, process.execPath, join(import.meta.dirname, 'fixtures', 'fill.ts')],
        { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
    });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { stopped: string; reports: string[]; batches: number; writtenAtStop: number; afterStop: number; dropped: number };
    expect(r.stopped).toBe('disk full');
    expect(r.reports).toEqual(['history stopped (disk full); routing carries on']);
    expect(r.writtenAtStop).toBeGreaterThan(0);
    expect(r.afterStop).toBe(0);
    // the batch that hit the limit (20 rows) and the row recorded afterwards
    expect(r.dropped).toBe(21);
  });
});
