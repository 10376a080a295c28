/**
 * The running build's version, from the package.json beside src/ and dist/ (`vipgate version`, the
 * metrics' vipgate_build_info, Home Assistant's device sw_version). Read once.
 */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function vipgateVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
