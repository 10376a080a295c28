/**
 * The import and export policy of one neighbor, with RFC 8212 defaults: an eBGP session without an
 * explicit import (export) policy accepts (sends) nothing, and says so once in the log. iBGP sessions,
 * and eBGP ones when the operator turned the requirement off (FRR `no bgp ebgp-requires-policy`),
 * accept and send everything by default.
 */
import type { PolicySpec } from '../../lib/policy-spec.js';
import { Policy } from './route-map.js';

export type PolicyDirection = 'import' | 'export';

export interface PeerPolicyContext {
  readonly peer: string;
  readonly ebgp: boolean;
  readonly direction: PolicyDirection;
  /** RFC 8212 behaviour (default on). */
  readonly ebgpRequiresPolicy: boolean;
  readonly log?: (message: string) => void;
}

export function peerPolicy(spec: PolicySpec | undefined, ctx: PeerPolicyContext): Policy {
  if (spec) return new Policy(spec);
  const name = `${ctx.peer}-${ctx.direction}-default`;
  if (ctx.ebgp && ctx.ebgpRequiresPolicy) {
    const reason = `RFC 8212: eBGP neighbor ${ctx.peer} has no ${ctx.direction} policy, so it ${ctx.direction === 'import' ? 'accepts' : 'sends'} no routes`;
    ctx.log?.(reason);
    return Policy.rejectAll(name, reason);
  }
  return Policy.acceptAll(name);
}
