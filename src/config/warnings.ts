/**
 * Things that are valid but probably not meant, for `vipgate router` to log at start (and a config check
 * to print): an eBGP neighbor without import or export policy exchanges nothing (RFC 8212), and an eBGP
 * neighbor whose import policy is "all" may announce any prefix, a default route or the LAN included; and
 * settings that do nothing because their feature is off (resolve.ts, features.ts).
 */
import type { ConfigIssue } from './error.js';
import type { RouterConfig } from './resolve.js';

export function configWarnings(cfg: RouterConfig): ConfigIssue[] {
  const out: ConfigIssue[] = [...cfg.inert];
  cfg.neighbors.forEach((n, i) => {
    if (n.ibgp) return;
    const path = `neighbors[${i}]`;
    if (cfg.ebgpRequiresPolicy) {
      if (!n.import) out.push({ path: `${path}.import`, message: `eBGP neighbor ${n.id} has no import policy: it accepts no routes (RFC 8212)` });
      if (!n.export) out.push({ path: `${path}.export`, message: `eBGP neighbor ${n.id} has no export policy: it is sent no routes (RFC 8212)` });
    }
    if (n.import?.name === 'all') out.push({ path: `${path}.import`, message: `eBGP neighbor ${n.id} accepts every prefix, a default route or our own LAN included` });
  });
  return out;
}
