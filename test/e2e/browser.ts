/**
 * Headless Debian chromium through playwright-core, with the flags that work on this machine
 * (LAB-NOTES): a private user data directory per launch, removed on close. Screenshots go to
 * .test-results/e2e/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { requireProgram } from '../helpers/programs.js';

export const SHOTS = resolve(import.meta.dirname, '..', '..', '.test-results', 'e2e');

export interface Browser { readonly context: BrowserContext; close(): Promise<void> }

export async function launchChromium(): Promise<Browser> {
  const dir = mkdtempSync(join(tmpdir(), 'vg-chromium-'));
  mkdirSync(SHOTS, { recursive: true });
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: requireProgram('chromium'), headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
