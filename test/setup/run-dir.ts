/**
 * vitest's global setup: one scratch directory per test run (`inject('runDir')`), removed when the run
 * ends. What tests build once and share within a run lives there (the agent's container image,
 * test/helpers/agent-image.ts), so that nothing built by an earlier run is ever taken for this one's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** This run's scratch directory. */
    runDir: string;
  }
}

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(process.env['TMPDIR'] ?? '/var/tmp', 'vipgate-test-run-'));
  project.provide('runDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
