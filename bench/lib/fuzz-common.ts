/**
 * What the two fuzzing benches (bench/fuzz.ts, bench/fuzz-coverage.ts) share: picking targets by name and
 * writing a run's JSON summary to bench/results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';

/** The targets named `name` (all when undefined); throws listing the names when none matches. */
export function pickTargets<T extends { readonly name: string }>(all: readonly T[], name: string | undefined): T[] {
  const chosen = all.filter((t) => name === undefined || t.name === name);
  if (chosen.length === 0) throw new Error(`no target named ${name}; targets: ${all.map((t) => t.name).join(', ')}`);
  return chosen;
}

/** Write `summary` (with the date and Node version) to `out`, or bench/results/PREFIX-DATE.json; returns the path. */
export function writeFuzzResults(prefix: string, out: string | undefined, summary: object): string {
  const dir = new URL('../results/', import.meta.url).pathname;
  const path = out ?? `${dir}${prefix}-${new Date().toISOString().slice(0, 10)}.json`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(path, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, ...summary }, null, 2)}\n`);
  return path;
}
