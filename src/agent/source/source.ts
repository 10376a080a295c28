/**
 * What the agent needs from a source of cluster state: snapshots (the first one only after a full sync,
 * so nothing is announced from a partial view), and, for the Kubernetes source, a way to write the
 * assigned IPs back into status.loadBalancer.ingress and to take part in the IPAM leader election.
 */
import type { Snapshot } from '../model.js';
import type { ApiServerVersion } from './api-version.js';

export interface StatusWriter {
  /** Write status.loadBalancer.ingress of one Service ([] clears it), each IP with this ipMode (KEP-1860). */
  writeIngress(namespace: string, name: string, ips: readonly string[], ipMode: 'VIP' | 'Proxy'): Promise<void>;
}

export interface Elector {
  /** Start campaigning; `changed` is called when this agent becomes leader or stops being one. */
  start(changed: (leader: boolean) => void): void;
  stop(): Promise<void>;
}

export interface Source {
  readonly kind: 'file' | 'kubernetes';
  /** Calls `onSnapshot` after the first full sync and after every change (coalesced). */
  start(onSnapshot: (s: Snapshot) => void): Promise<void>;
  stop(): Promise<void>;
  readonly status?: StatusWriter;
  readonly elector?: Elector;
  /** The Kubernetes source: the API server's version once read (GET /version), else undefined. */
  apiServerVersion?(): ApiServerVersion | undefined;
}
