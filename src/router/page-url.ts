/**
 * The status page's address for others: web.publicUrl, or derived from the address and port it listens
 * on (an unspecified address is reached by `host`); none on loopback, where nobody else can reach it.
 * Home Assistant's device link (observers.ts) and the nodes' install commands (agent-manifests.ts) use it.
 */
import type { RouterConfig } from '../config/resolve.js';

export function statusPageUrl(web: NonNullable<RouterConfig['web']>, host: string): string | undefined {
  if (web.publicUrl) return web.publicUrl;
  const a = web.address;
  if (a.startsWith('127.') || a === '::1') return undefined;
  const name = a === '0.0.0.0' || a === '::' ? host : a.includes(':') ? `[${a}]` : a;
  return `http://${name}${web.port === 80 ? '' : `:${web.port}`}/`;
}
