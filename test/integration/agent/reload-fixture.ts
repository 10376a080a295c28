/**
 * What the agent's reconfiguration tests share: two loopback routers (127.0.0.1 and 127.0.0.2), a
 * private directory for the files the agent watches, and a logger whose JSON lines the test reads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { LoopbackRouter } from './loopback-router.js';

export interface ReloadFixture {
  readonly r1: LoopbackRouter;
  readonly r2: LoopbackRouter;
  readonly dir: string;
  readonly log: pino.Logger;
  /** Every log line, parsed. */
  readonly lines: Record<string, unknown>[];
}

/** Starts the routers and makes the directory; their cleanup goes onto `cleanups`. */
export async function reloadFixture(cleanups: (() => Promise<void> | void)[]): Promise<ReloadFixture> {
  const r1 = await LoopbackRouter.start(false, '127.0.0.1');
  const r2 = await LoopbackRouter.start(false, '127.0.0.2');
  cleanups.push(() => r1.close(), () => r2.close());
  const dir = mkdtempSync(join(tmpdir(), 'vipgate-reload-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => { lines.push(JSON.parse(s) as Record<string, unknown>); } });
  return { r1, r2, dir, log, lines };
}

/** A waitFor condition: the router's table is exactly `want`. */
export const tableIs = (r: LoopbackRouter, want: string[]) => (): true | undefined => (JSON.stringify(r.table()) === JSON.stringify(want) ? true : undefined);
