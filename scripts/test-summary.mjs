#!/usr/bin/env node
// Prints the one line CI reads, "N passed, N failed", from vitest's JSON report. A run that produced no
// report (lint or type errors stop `npm test` before vitest) counts as one failure.
import { existsSync, readFileSync } from 'node:fs';

const [file, rcText] = process.argv.slice(2);
const rc = Number(rcText ?? 0);
if (!file || !existsSync(file)) {
  console.log(`0 passed, ${rc === 0 ? 0 : 1} failed`);
  process.exit(0);
}
const r = JSON.parse(readFileSync(file, 'utf8'));
// a file that failed to load has no failed test in it but fails the run: count it
const failed = Math.max(r.numFailedTests, r.numFailedTestSuites ?? 0, rc === 0 ? 0 : 1);
console.log(`${r.numPassedTests} passed, ${failed} failed`);
