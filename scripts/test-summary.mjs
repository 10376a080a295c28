#!/usr/bin/env node
// Prints the line CI reads, "N passed, N failed", last, from vitest's JSON report; before it, the skipped
// tests by name and a summary with their count (a skip must say why in its name). A run that produced no
// report (lint or type errors stop `npm test` before vitest) counts as one failure.
import { existsSync, readFileSync } from 'node:fs';

const [file, rcText] = process.argv.slice(2);
const rc = Number(rcText ?? 0);
if (!file || !existsSync(file)) {
  console.log(`0 passed, ${rc === 0 ? 0 : 1} failed`);
  process.exit(0);
}
const r = JSON.parse(readFileSync(file, 'utf8'));
const skipped = r.testResults.flatMap((f) => f.assertionResults
  .filter((a) => a.status === 'skipped' || a.status === 'pending' || a.status === 'todo')
  .map((a) => `${f.name.replace(`${process.cwd()}/`, '')}: ${a.fullName}`));
for (const s of skipped.slice(0, 40)) console.log(`skipped: ${s}`);
// a file that failed without a failed test in it (it did not load, or its beforeAll threw and its tests were
// skipped) fails the run too: each counts as one failure
const brokenFiles = r.testResults.filter((f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed')).length;
console.log(`summary: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped.length} skipped, ${brokenFiles} files failed without a failed test`);
const failed = Math.max(r.numFailedTests + brokenFiles, rc === 0 ? 0 : 1);
console.log(`${r.numPassedTests} passed, ${failed} failed`);
