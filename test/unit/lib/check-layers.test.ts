/** scripts/check-layers.mjs on made-up source trees: folder layering, file-level import cycles, file size. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = join(import.meta.dirname, '../../../scripts/check-layers.mjs');
const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function check(files: Record<string, string>): { status: number | null; out: string } {
  const root = mkdtempSync(join(tmpdir(), 'vg-layers-'));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const r = spawnSync(process.execPath, [SCRIPT, root], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('check-layers', () => {
  it('passes a tree without cycles that keeps to the layers', () => {
    expect(check({ 'lib/a.ts': "import { b } from './b.js';\n", 'lib/b.ts': 'export const b = 1;\n', 'router/r.ts': "import { b } from '../lib/b.js';\n" }))
      .toEqual({ status: 0, out: 'layering: ok\n' });
  });

  it('refuses a folder importing one it may not', () => {
    const r = check({ 'lib/a.ts': "import type { R } from '../router/r.js';\n", 'router/r.ts': 'export type R = 1;\n' });
    expect(r.status).toBe(1);
    expect(r.out).toContain('lib/a.ts: src/lib may not import src/router (../router/r.js)');
  });

  it('refuses a file-level cycle, type imports and re-exports included, and names the way round', () => {
    const r = check({
      'router/a.ts': "import type { C } from './c.js';\nexport type A = C;\n",
      'router/b.ts': "export { A } from './a.js';\n",
      'router/c.ts': "import type { A } from './b.js';\nexport type C = A;\n",
    });
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/import cycle: router\/(\w)\.ts -> router\/\w\.ts -> router\/\w\.ts -> router\/\1\.ts/);
  });

  it('does not count a dynamic import (a lazy load) as an edge', () => {
    expect(check({ 'cli/a.ts': "import { b } from './b.js';\n", 'cli/b.ts': "export const b = () => import('./a.js');\n" }).status).toBe(0);
  });

  it('refuses a file over 450 lines, takes one of 450', () => {
    expect(check({ 'lib/a.ts': 'export {};\n'.repeat(450) }).status).toBe(0);
    const r = check({ 'lib/a.ts': 'export {};\n'.repeat(451) });
    expect(r.status).toBe(1);
    expect(r.out).toContain('lib/a.ts: 451 lines, more than 450');
  });
});
