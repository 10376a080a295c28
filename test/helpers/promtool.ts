/**
 * Prometheus' own linter on a /metrics text: `promtool check metrics` (Debian package prometheus) reads the
 * exposition from stdin and prints one finding per line (naming, units, suffixes, help, types); exit 0 with
 * no output means none. Also the metric families a text declares, for checks that name metrics.
 */
import { spawnSync } from 'node:child_process';
import { requireProgram } from './programs.js';

/** promtool's findings on `text` (empty: it passes). */
export function promtoolFindings(text: string): string[] {
  const r = spawnSync(requireProgram('promtool'), ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  const findings = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim()).filter(Boolean);
  if (r.status !== 0 && findings.length === 0) throw new Error(`promtool exited ${r.status} without a finding`);
  return findings;
}

/** Metric family name → its type, from the # TYPE lines. */
export function metricTypes(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** The sample names a text carries (histogram _bucket/_sum/_count, counters' names as written). */
export function sampleNames(text: string): Set<string> {
  return new Set([...text.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/gm)].map((m) => m[1]!));
}
