/**
 * What a configuration reload changes, decided before anything is touched (BIRD's `configure`, FRR's
 * config changes): each neighbor is kept, soft-reconfigured, reset, added or removed, and each part of the
 * router that cannot change while it runs is named so the operator knows a restart is needed for it.
 *
 * - A neighbor whose session parameters changed (AS numbers, port, timers, password, TTL, families, graceful
 *   restart, ...) is reset with Cease/Other Configuration Change (RFC 4486 3, subcode 6).
 * - A neighbor removed from the file is closed with Cease/Peer De-configured (RFC 4486 3, subcode 3).
 * - Policy, max-prefix, BFD, probing and description changes keep the session: the Adj-RIB-In is run
 *   through the new import policy and the Adj-RIB-Out is recomputed (soft reconfiguration, RFC 2918's
 *   purpose without asking the peer, since the Adj-RIB-In is kept).
 * - Networks, aggregates, the decision options (maximum-paths, bestpath, default LOCAL_PREF) and graceful
 *   shutdown (RFC 8326, every advertised route re-sent with or without the community) apply live.
 * - asn, routerId, listen, fib, control, telemetry, store, web and serviceHealth keep their running values until a restart.
 * Pure: reads two resolved configurations, returns the plan.
 */
import { isDeepStrictEqual } from 'node:util';
import { ribOptions, type NeighborConfig, type NetworkConfig, type RouterConfig } from '../config/resolve.js';

/** Sections that only a restart applies. */
const RESTART_ONLY = ['asn', 'routerId', 'listen', 'fib', 'control', 'telemetry', 'store', 'web', 'serviceHealth'] as const;
type RestartOnly = (typeof RESTART_ONLY)[number];

/** Neighbor fields that change without resetting the session. */
const SOFT_FIELDS = ['import', 'export', 'maxPrefix', 'description', 'bfd', 'probe', 'shutdown', 'drain', 'group'] as const;

export interface NeighborChange {
  readonly id: string;
  readonly next: NeighborConfig;
  /** The fields that changed. */
  readonly fields: readonly string[];
}

export interface ReloadPlan {
  /** The configuration that runs after the reload: the new one, with the restart-only sections kept. */
  readonly running: RouterConfig;
  readonly added: readonly NeighborConfig[];
  readonly removed: readonly NeighborConfig[];
  /** Session parameters changed: reset. */
  readonly reset: readonly NeighborChange[];
  /** Only soft fields changed: the session stays. */
  readonly soft: readonly NeighborChange[];
  readonly networks: { readonly set: readonly NetworkConfig[]; readonly removed: readonly string[] };
  readonly aggregates: boolean;
  readonly decision: boolean;
  readonly gracefulShutdown: boolean;
  readonly logLevel: boolean;
  /** Restart-only sections whose new values wait for a restart. */
  readonly pendingRestart: readonly RestartOnly[];
}

function changedFields(a: NeighborConfig, b: NeighborConfig): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => !isDeepStrictEqual((a as unknown as Record<string, unknown>)[k], (b as unknown as Record<string, unknown>)[k])).sort();
}

export function planReload(old: RouterConfig, next: RouterConfig): ReloadPlan {
  const pendingRestart = RESTART_ONLY.filter((k) => !isDeepStrictEqual(old[k], next[k]));
  const running = { ...next } as Record<string, unknown>;
  for (const k of RESTART_ONLY) running[k] = old[k];

  const before = new Map(old.neighbors.map((n) => [n.id, n]));
  const after = new Map(next.neighbors.map((n) => [n.id, n]));
  const reset: NeighborChange[] = [];
  const soft: NeighborChange[] = [];
  for (const [id, n] of after) {
    const o = before.get(id);
    if (!o) continue;
    const fields = changedFields(o, n);
    if (fields.length === 0) continue;
    const hard = fields.some((f) => !(SOFT_FIELDS as readonly string[]).includes(f));
    (hard ? reset : soft).push({ id, next: n, fields });
  }
  // RFC 8212 default deny depends on ebgpRequiresPolicy: every eBGP neighbor's import and export change with it
  if (old.ebgpRequiresPolicy !== next.ebgpRequiresPolicy) {
    for (const n of next.neighbors) {
      if (n.ibgp || !before.has(n.id) || reset.some((c) => c.id === n.id) || soft.some((c) => c.id === n.id)) continue;
      soft.push({ id: n.id, next: n, fields: ['ebgpRequiresPolicy'] });
    }
  }

  const oldNets = new Map(old.networks.map((n) => [n.prefix, n]));
  const newNets = new Set(next.networks.map((n) => n.prefix));
  return {
    running: running as unknown as RouterConfig,
    added: next.neighbors.filter((n) => !before.has(n.id)),
    removed: old.neighbors.filter((n) => !after.has(n.id)),
    reset, soft,
    networks: {
      set: next.networks.filter((n) => !isDeepStrictEqual(oldNets.get(n.prefix), n)),
      removed: old.networks.filter((n) => !newNets.has(n.prefix)).map((n) => n.prefix),
    },
    aggregates: !isDeepStrictEqual(old.aggregates, next.aggregates),
    decision: !isDeepStrictEqual(ribOptions(old), ribOptions(next)),
    gracefulShutdown: old.gracefulShutdown.enabled !== next.gracefulShutdown.enabled,
    logLevel: old.log.level !== next.log.level,
    pendingRestart,
  };
}
