/** The running vipgate's version: package.json's, beside dist/ (the repository, or the app of a release slot). */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function vipgateVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
