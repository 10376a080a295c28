/**
 * What the agent knows about each Service now, in one place for everything that reports it (the MQTT
 * telemetry, telemetry.ts, and the state written into Kubernetes, k8s/state-plan.ts): its addresses (this
 * agent's assignment, else status.loadBalancer.ingress), the pool they came from and why an address could
 * not be assigned (when this agent assigns: the IPAM leader or the file source), the peers this node
 * announces it to or why it announces it to nobody, and its ready endpoints on this node.
 */
import type { Agent } from './agent.js';
import { ipValue, poolHolds } from './ipam/pool.js';
import { serviceKey, type ServiceInfo } from './model.js';

export interface ServiceReport {
  readonly key: string;
  readonly service: ServiceInfo;
  /** A LoadBalancer Service of this agent's loadBalancerClass: one it assigns and announces. */
  readonly ours: boolean;
  readonly ips: readonly string[];
  /** The pool of `ips` (the assignment's, else the configured pool that holds them). */
  readonly pool?: string;
  /** Set when this agent assigns and could not: why. */
  readonly failure?: string;
  /** The peers this node announces the Service to (sorted). */
  readonly peers: readonly string[];
  /** Why this node announces it to nobody, when it is a Service of ours. */
  readonly reason?: string;
  readonly localEndpoints: number;
}

export function serviceReports(agent: Agent, node: string): ServiceReport[] {
  const snapshot = agent.current;
  if (!snapshot) return [];
  const assigned = agent.assignments;
  const plans = agent.services;
  const pools = agent.config.pools;
  return snapshot.services.map((s) => {
    const key = serviceKey(s);
    const a = assigned?.assignments.get(key);
    const ips = a?.ips ?? s.ingressIPs;
    const pool = a?.pool ?? (ips.length > 0 ? pools.find((p) => ips.every((ip) => { try { return poolHolds(p, ipValue(ip)); } catch { return false; } }))?.name : undefined);
    const failure = assigned?.failures.get(key);
    const plan = plans.get(key);
    const localEndpoints = snapshot.slices
      .filter((sl) => sl.namespace === s.namespace && sl.service === s.name)
      .reduce((n, sl) => n + sl.endpoints.filter((e) => e.ready && e.nodeName === node).length, 0);
    return {
      key, service: s, ours: s.type === 'LoadBalancer' && s.loadBalancerClass === agent.config.loadBalancerClass, ips, peers: plan?.peers ?? [], localEndpoints,
      ...(pool ? { pool } : {}), ...(failure ? { failure } : {}), ...(plan?.reason ? { reason: plan.reason } : {}),
    };
  });
}
