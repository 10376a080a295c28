/**
 * The graceful restart marker (src/agent/restart-marker.ts): the Restart State bit only for a run that
 * starts within the advertised restart time after a graceful-restart stop; taken once, whatever it says.
 */
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { takeRestartMarker, writeRestartMarker } from '../../../src/agent/restart-marker.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'vipgate-marker-')); dirs.push(d); return d; };

describe('restart marker', () => {
  it('a start within the restart time after a graceful restart takes it: R bit, and only once', () => {
    const dir = join(tmp(), 'state'); // created on write
    writeRestartMarker(dir, 120, 1_000_000);
    expect(takeRestartMarker(dir, 1_000_000 + 119_999)).toBe(true);
    expect(takeRestartMarker(dir, 1_000_000 + 120_000)).toBe(false);
  });

  it('too late, from the future, missing or unreadable: no R bit, and the marker is gone', () => {
    const dir = tmp();
    writeRestartMarker(dir, 120, 1_000_000);
    expect(takeRestartMarker(dir, 1_000_000 + 120_000)).toBe(false);
    expect(existsSync(join(dir, 'agent-restart.json'))).toBe(false);
    writeRestartMarker(dir, 120, 1_000_000);
    expect(takeRestartMarker(dir, 999_999)).toBe(false);
    expect(takeRestartMarker(dir, 1_000_000)).toBe(false);
    writeFileSync(join(dir, 'agent-restart.json'), '{not json');
    expect(takeRestartMarker(dir, 1_000_000)).toBe(false);
    expect(existsSync(join(dir, 'agent-restart.json'))).toBe(false);
    writeFileSync(join(dir, 'agent-restart.json'), '{"at":"soon","restartTime":120}');
    expect(takeRestartMarker(dir, 1_000_000)).toBe(false);
  });
});
