/**
 * What the agent should have written into Kubernetes, worked out from its state without touching anything
 * (state-writer.ts writes it), as MetalLB's controller and speakers write theirs:
 * - the IPAM leader (cluster-wide): the ip-allocated-from-pool annotation on each Service it assigned, under
 *   both prefixes (metallb.io/, which MetalLB 0.14+ writes, and metallb.universe.tf/, which older tools read),
 *   removed when the Service has no address from a pool; Events "IPAllocated" (an address newly assigned, not
 *   one adopted from the status) and "AllocationFailed" (Warning, with the reason);
 * - every node (its own): Events "nodeAssigned" (announced from this node, to which peers) and "nodeWithdrawn"
 *   (no longer, with the reason); one ServiceBGPStatus per Service it announces (metallb.io/v1beta1, labels
 *   metallb.io/node, metallb.io/service-name, metallb.io/service-namespace; status node, serviceName,
 *   serviceNamespace, peers);
 * - ConfigurationState "speaker-<node>" from every node and "controller" from the leader (status result
 *   Valid/Invalid, errorSummary, a configReconcilerValid condition), as MetalLB names them.
 * Events are the differences between the previous state and this one; objects are the whole desired set.
 */
import { createHash } from 'node:crypto';
import type { ConfigStatus } from '../config/feed.js';
import { ANNOTATION, ANNOTATION_PREFIXES } from '../source/manifests.js';
import type { ServiceReport } from '../state.js';

export interface StateInput {
  readonly node: string;
  /** This agent assigns addresses (the Lease holder): it writes the cluster-wide state. */
  readonly leader: boolean;
  readonly services: readonly ServiceReport[];
  readonly config: ConfigStatus;
}

export interface ServiceEvent {
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string | undefined;
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

export interface BgpStatus { readonly node: string; readonly serviceName: string; readonly serviceNamespace: string; readonly peers: readonly string[] }

export interface ConfigState {
  readonly result: 'Valid' | 'Invalid';
  readonly errorSummary: string;
  readonly condition: { readonly type: string; readonly status: 'True' | 'False'; readonly reason: string; readonly message: string };
}

export interface StatePlan {
  readonly events: readonly ServiceEvent[];
  /** "namespace/name" → the annotations to set (null: remove) where they differ from the Service's. */
  readonly annotations: ReadonlyMap<string, { readonly namespace: string; readonly name: string; readonly set: Readonly<Record<string, string | null>> }>;
  /** ServiceBGPStatus object name → its labels and status: every one this node should have. */
  readonly bgpStatuses: ReadonlyMap<string, { readonly labels: Readonly<Record<string, string>>; readonly status: BgpStatus }>;
  /** ConfigurationState name → its labels and status. */
  readonly configStates: ReadonlyMap<string, { readonly labels: Readonly<Record<string, string>>; readonly status: ConfigState }>;
}

export const LABEL = { node: 'metallb.io/node', serviceName: 'metallb.io/service-name', serviceNamespace: 'metallb.io/service-namespace' } as const;

/** One name per Service and node, the same after a restart (MetalLB generates "bgp-" names and finds them by label). */
export function bgpStatusName(namespace: string, name: string, node: string): string {
  return `bgp-${createHash('sha256').update(`${namespace}/${name}/${node}`).digest('hex').slice(0, 16)}`;
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
const sameSet = (a: readonly string[], b: readonly string[]): boolean => sameList([...a].sort(), [...b].sort());

function configState(c: ConfigStatus): ConfigState {
  const message = c.errors.join('\n');
  return {
    result: c.valid ? 'Valid' : 'Invalid', errorSummary: message,
    condition: c.valid
      ? { type: 'configReconcilerValid', status: 'True', reason: 'Reconciled', message: '' }
      : { type: 'configReconcilerValid', status: 'False', reason: 'ConfigurationError', message },
  };
}

export function planState(now: StateInput, before: StateInput | undefined): StatePlan {
  const events: ServiceEvent[] = [];
  const previous = new Map((before?.services ?? []).map((r) => [r.key, r]));
  const event = (r: ServiceReport, type: ServiceEvent['type'], reason: string, message: string): void => {
    events.push({ namespace: r.service.namespace, name: r.service.name, uid: r.service.uid, type, reason, message });
  };
  const annotations = new Map<string, { namespace: string; name: string; set: Record<string, string | null> }>();
  const bgpStatuses = new Map<string, { labels: Record<string, string>; status: BgpStatus }>();
  for (const r of now.services) {
    const was = previous.get(r.key);
    const s = r.service;
    if (now.leader && r.ours) {
      const assigned = r.failure === undefined && r.ips.length > 0 && r.pool !== undefined;
      // a new address: one the Service's status does not show yet (an adopted one is no allocation)
      if (assigned && !sameSet(r.ips, s.ingressIPs) && !(was && sameSet(was.ips, r.ips))) event(r, 'Normal', 'IPAllocated', `Assigned IP ${JSON.stringify(r.ips)}`);
      if (r.failure !== undefined && r.failure !== was?.failure) event(r, 'Warning', 'AllocationFailed', `Failed to allocate IP for "${r.key}": ${r.failure}`);
    }
    if (now.leader) {
      const want = r.ours && r.failure === undefined && r.ips.length > 0 ? r.pool ?? null : null;
      const set: Record<string, string | null> = {};
      for (const prefix of ANNOTATION_PREFIXES) {
        const key = `${prefix}${ANNOTATION.allocatedFromPool}`;
        const has = s.allocatedFrom?.[key];
        if (want === null ? has !== undefined : has !== want) set[key] = want;
      }
      if (Object.keys(set).length > 0) annotations.set(r.key, { namespace: s.namespace, name: s.name, set });
    }
    if (r.peers.length > 0 && !(was && sameList(was.peers, r.peers))) {
      event(r, 'Normal', 'nodeAssigned', `announcing from node "${now.node}" with protocol "bgp" to ${r.peers.join(', ')}`);
    } else if (r.peers.length === 0 && was && was.peers.length > 0) {
      event(r, 'Normal', 'nodeWithdrawn', `withdrawn from node "${now.node}": ${r.reason ?? 'the Service is gone or not announced'}`);
    }
    if (r.peers.length > 0) {
      bgpStatuses.set(bgpStatusName(s.namespace, s.name, now.node), {
        labels: { [LABEL.node]: now.node, [LABEL.serviceName]: s.name, [LABEL.serviceNamespace]: s.namespace },
        status: { node: now.node, serviceName: s.name, serviceNamespace: s.namespace, peers: [...r.peers] },
      });
    }
  }
  // a Service that went away while announced from here
  const current = new Set(now.services.map((r) => r.key));
  for (const was of before?.services ?? []) {
    if (!current.has(was.key) && was.peers.length > 0) event(was, 'Normal', 'nodeWithdrawn', `withdrawn from node "${now.node}": the Service is gone`);
  }
  const configStates = new Map<string, { labels: Record<string, string>; status: ConfigState }>([
    [`speaker-${now.node}`, { labels: { 'metallb.io/component-type': 'speaker', 'metallb.io/node-name': now.node }, status: configState(now.config) }],
  ]);
  if (now.leader) configStates.set('controller', { labels: { 'metallb.io/component-type': 'controller' }, status: configState(now.config) });
  return { events, annotations, bgpStatuses, configStates };
}
