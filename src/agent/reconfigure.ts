/**
 * What a new configuration changes, worked out without touching anything (Agent.reconfigure applies it):
 * - sessions, by the router's address and port (a peer renamed, as when moving from MetalLB's ConfigMap,
 *   where peers are named by address, to its CRDs, keeps its session): a router no longer configured for
 *   this node is closed with Cease/Peer De-configured (RFC 4486 subcode 3), a new one is opened; a peer whose session parameters changed (ASNs, hold time, keepalive,
 *   connect retry, MD5 password, TTL, source address, BGP identifier, address families, our graceful restart capability)
 *   is reset with Cease/Other Configuration Change (RFC 4486 subcode 6), as the OPEN must carry the new
 *   values (RFC 4271 4.2); a change of BFD settings alone replaces the BFD session and leaves BGP up;
 *   node selectors and the item's position in the file are not session parameters;
 * - the settings that only a restart applies (the IPVS data plane and the loadBalancerClass and
 *   externalIPs it was started with, MQTT telemetry, the Lease used for leader election, the graceful
 *   restart state directory): reported so the log can say so.
 * Pools, advertisements, externalIPs and link bandwidth need no plan: the agent recomputes assignments and
 * announcements, and the Adj-RIB-Out sends only the routes that differ.
 */
import { formatAddress, parseAddress } from '../lib/address.js';
import type { AgentConfig, PeerConfig } from './config/model.js';

/** What the OPEN carries besides the peer's own settings. */
export interface SessionIdentity {
  readonly routerId: string;
  /** Our graceful restart capability (RFC 4724 3); `restarting` sets the Restart State bit. */
  readonly gracefulRestart?: { readonly restartTime: number; readonly restarting?: boolean } | undefined;
}

/** Peer names: the new configuration's, except `removed` (the old one's). */
export interface PeerChanges {
  /** New sessions to open (an address and port not configured before). */
  readonly added: readonly string[];
  /** Sessions to close with Cease/Peer De-configured. */
  readonly removed: readonly string[];
  /** Sessions to reset with Cease/Other Configuration Change and open again. */
  readonly reset: readonly string[];
  /** Sessions kept whose BFD settings changed (their BFD session is replaced). */
  readonly bfd: readonly string[];
  readonly unchanged: readonly string[];
}

/** The parameters that go into the session's OPEN and socket: a difference means a reset. */
export function sessionKey(p: PeerConfig, id: SessionIdentity): string {
  const { origin: _o, nodeSelectors: _n, bfd: _b, name: _name, address: _a, port: _p, families, gracefulRestart, ...session } = p;
  const ordered = Object.fromEntries(Object.entries(session).sort(([a], [b]) => (a < b ? -1 : 1)));
  return JSON.stringify({
    ...ordered, routerId: p.routerId ?? id.routerId, families: (families ?? [4, 6]).join(),
    // a session without graceful restart (MetalLB's enableGracefulRestart unset) has none in its OPEN, whatever the agent's setting
    gracefulRestart: gracefulRestart === false ? null : id.gracefulRestart?.restartTime ?? null,
  });
}

/** Which router a peer is: its address (canonical) and port. */
export const endpointOf = (p: PeerConfig): string => `${formatAddress(parseAddress(p.address))}|${p.port}`;

export function peerChanges(current: readonly PeerConfig[], currentId: SessionIdentity, next: readonly PeerConfig[], nextId: SessionIdentity): PeerChanges {
  const before = new Map(current.map((p) => [endpointOf(p), p]));
  const after = new Map(next.map((p) => [endpointOf(p), p]));
  const added: string[] = [];
  const removed: string[] = [];
  const reset: string[] = [];
  const bfd: string[] = [];
  const unchanged: string[] = [];
  for (const [ep, old] of before) {
    const now = after.get(ep);
    if (!now) removed.push(old.name);
    else if (sessionKey(old, currentId) !== sessionKey(now, nextId)) reset.push(now.name);
    else if (JSON.stringify(old.bfd ?? null) !== JSON.stringify(now.bfd ?? null)) bfd.push(now.name);
    else unchanged.push(now.name);
  }
  for (const [ep, now] of after) if (!before.has(ep)) added.push(now.name);
  return { added, removed, reset, bfd, unchanged };
}

/** Top-level settings whose change takes effect only after a restart of the agent. */
export function restartOnlyChanges(prev: AgentConfig, next: AgentConfig): string[] {
  const differs = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) !== JSON.stringify(b ?? null);
  const out: string[] = [];
  // ipvs.enabled applies live (the data plane starts, or undoes what it recorded); the rest at its start
  if (prev.ipvs?.enabled && next.ipvs?.enabled && differs(prev.ipvs, next.ipvs)) out.push('ipvs');
  if (next.ipvs?.enabled && prev.loadBalancerClass !== next.loadBalancerClass) out.push('loadBalancerClass (for IPVS)');
  if (next.ipvs?.enabled && prev.externalIPs.enabled !== next.externalIPs.enabled) out.push('externalIPs.enabled (for IPVS)');
  if (differs(prev.telemetry, next.telemetry)) out.push('telemetry');
  if (differs(prev.metrics, next.metrics)) out.push('metrics');
  if (differs(prev.leaderElection, next.leaderElection)) out.push('leaderElection');
  if (differs(prev.kubernetesState, next.kubernetesState)) out.push('kubernetesState');
  if (prev.gracefulRestart.stateDir !== next.gracefulRestart.stateDir) out.push('gracefulRestart.stateDir');
  return out;
}
