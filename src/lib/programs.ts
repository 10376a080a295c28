/**
 * Finding the programs vipgate runs (the lab's daemons, nft) on PATH, with the Debian package that provides
 * each, so that a missing one is reported as "install this package" (scripts/setup.sh installs them all)
 * instead of an ENOENT from deep inside a spawn, or a daemon that is reported up and never was.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export class MissingProgramError extends Error {
  constructor(readonly program: string, readonly pkg: string) {
    super(`${program} is not installed: Debian package ${pkg} (bash scripts/setup.sh installs every package vipgate uses)`);
    this.name = 'MissingProgramError';
  }
}

/** The path of `program` (a name on PATH, /usr/sbin or /sbin; or an absolute path), else undefined. */
export function findProgram(program: string): string | undefined {
  const dirs = program.startsWith('/') ? [''] : [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    const p = d === '' ? program : join(d, program);
    try { accessSync(p, constants.X_OK); return p; } catch { /* next */ }
  }
  return undefined;
}

/** The path of `program`, or MissingProgramError naming `pkg`. */
export function requireProgramFrom(program: string, pkg: string): string {
  const p = findProgram(program);
  if (p === undefined) throw new MissingProgramError(program, pkg);
  return p;
}
