/**
 * The router's read-only view of the node agents' telemetry (agent-publisher.ts): it subscribes, on the
 * router's own MQTT connection, to vipgate/<site>/+/status, vipgate/<site>/+/agent and
 * vipgate/<site>/+/services/+, and keeps what they say in memory for the web page's Cluster view.
 * These topics are writable by any client the broker admits, so the model is bounded and distrustful:
 * a payload over its size limit, not JSON or not the agents' shape is ignored and counted; strings are
 * cut, lists capped, and the numbers of nodes and Services held are limited (past them new ones are
 * ignored and counted). An empty retained message (MQTT 5 section 3.3.1.3) clears what it names; a
 * node with nothing left is forgotten. On each (re)connect the model starts again from what the broker
 * resends (its retained messages), so nothing cleared while the router was away survives.
 */
import type {
  AgentClusterReport, AgentNodeReport, AgentPeerReport, AgentServiceReport, AgentSummaryReport, ClusterIgnored, ClusterSource,
} from '../control/cluster.js';
import type { MqttTelemetry } from './publisher.js';
import { topicLevel } from './topics.js';

export interface ClusterLimits {
  readonly maxNodes: number;
  readonly maxServicesPerNode: number;
  readonly maxServices: number;
  /** Bytes of an agent summary (it lists the cluster's assignments) or a status. */
  readonly maxAgentBytes: number;
  readonly maxServiceBytes: number;
}

export const CLUSTER_LIMITS: ClusterLimits = {
  maxNodes: 256, maxServicesPerNode: 1024, maxServices: 8192, maxAgentBytes: 256 * 1024, maxServiceBytes: 16 * 1024,
};

/** Lengths kept of the strings and lists in a payload. */
const TEXT = 253;
const LONG_TEXT = 512;
const LIST = 64;
const FAILURES = 16;

type Json = Record<string, unknown>;

function object(v: unknown): Json | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

function text(v: unknown, max = TEXT): string | undefined {
  if (typeof v !== 'string') return undefined;
  return v.length > max ? `${v.slice(0, max)}…` : v;
}

function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

/** The strings of a list, at most LIST of them; undefined when it is not a list. */
function texts(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.slice(0, LIST).flatMap((x) => text(x) ?? []);
}

function peer(v: unknown): AgentPeerReport | undefined {
  const o = object(v);
  const name = text(o?.name);
  const address = text(o?.address);
  const state = text(o?.state);
  if (!o || name === undefined || address === undefined || state === undefined) return undefined;
  const announced = count(o.announced);
  const lastError = text(o.lastError, LONG_TEXT);
  const bfd = text(object(o.bfd)?.state);
  const bfdDiagnostic = text(object(o.bfd)?.diagnostic);
  return {
    name, address, state, ...(announced !== undefined ? { announced } : {}), ...(lastError !== undefined ? { lastError } : {}), ...(bfd !== undefined ? { bfd } : {}),
    ...(bfd !== undefined && bfdDiagnostic !== undefined ? { bfdDiagnostic } : {}),
  };
}

/** An agent summary (src/agent/views.ts AgentSummary), or undefined when it is not one. */
export function parseSummary(v: unknown): AgentSummaryReport | undefined {
  const o = object(v);
  const stopMode = text(o?.stopMode);
  if (!o || typeof o.synced !== 'boolean' || typeof o.leader !== 'boolean' || stopMode === undefined || !Array.isArray(o.peers)) return undefined;
  const assignments = object(o.assignments);
  const failures = object(o.failures);
  const version = text(o.version);
  return {
    ...(version !== undefined ? { version } : {}),
    synced: o.synced, leader: o.leader, stopMode,
    peers: o.peers.slice(0, LIST).flatMap((p) => peer(p) ?? []),
    assignments: assignments ? Object.keys(assignments).length : 0,
    failures: failures ? Object.entries(failures).slice(0, FAILURES).map(([service, reason]) => ({ service: text(service)!, reason: text(reason, LONG_TEXT) ?? '?' })) : [],
  };
}

/** A Service report (agent-publisher.ts AgentServiceState), or undefined when it is not one. */
export function parseService(v: unknown): AgentServiceReport | undefined {
  const o = object(v);
  const service = text(o?.service);
  const ips = texts(o?.ips);
  const trafficPolicy = text(o?.trafficPolicy);
  const localEndpoints = count(o?.localEndpoints);
  const announcedTo = texts(o?.announcedTo);
  if (service === undefined || ips === undefined || trafficPolicy === undefined || localEndpoints === undefined || announcedTo === undefined) return undefined;
  return { service, ips, trafficPolicy, localEndpoints, announcedTo };
}

interface NodeState {
  status?: 'online' | 'offline';
  agent?: AgentSummaryReport;
  readonly services: Map<string, AgentServiceReport>;
  lastHeard: number;
}

type Parsed<T> = { ok: true; value: T | undefined } | { ok: false; why: keyof ClusterIgnored };

export class ClusterView implements ClusterSource {
  readonly prefix: string;
  /** The router's own host level. */
  private readonly self: string;
  private readonly nodes = new Map<string, NodeState>();
  private readonly listeners = new Set<() => void>();
  private readonly ignoredCounts = { malformed: 0, oversized: 0, overLimit: 0 };
  private services = 0;

  /**
   * `site` and `host` are the router's own telemetry site and host: the router's topics are not a node's.
   * `now` is the wall clock (ms since 1970); `connected` says whether the broker is there now.
   */
  constructor(site: string, host: string, private readonly now: () => number = Date.now,
    private readonly connected: () => boolean = () => true, private readonly limits: ClusterLimits = CLUSTER_LIMITS) {
    this.prefix = `vipgate/${topicLevel(site)}/`;
    this.self = topicLevel(host);
  }

  /** The subscriptions that feed the model. */
  get filters(): string[] {
    return [`${this.prefix}+/status`, `${this.prefix}+/agent`, `${this.prefix}+/services/+`];
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Forget everything (the broker is about to resend what it keeps). */
  reset(): void {
    this.nodes.clear();
    this.services = 0;
    this.changed();
  }

  /** Take one message in; returns whether the model changed. Never throws. */
  apply(topic: string, payload: Uint8Array): boolean {
    if (!topic.startsWith(this.prefix)) return false;
    const levels = topic.slice(this.prefix.length).split('/');
    const [node, kind, key] = levels;
    if (node === undefined || node === this.self) return false;
    if (node === '' || node.length > TEXT || (key !== undefined && (key === '' || key.length > TEXT))) return this.ignore('malformed');
    if (levels.length === 2 && kind === 'status') return this.take(node, this.parse(payload, this.limits.maxAgentBytes, statusOf), (n, v) => { n.status = v; });
    if (levels.length === 2 && kind === 'agent') return this.take(node, this.parse(payload, this.limits.maxAgentBytes, jsonOf(parseSummary)), (n, v) => { n.agent = v; });
    if (levels.length === 3 && kind === 'services') return this.takeService(node, key!, this.parse(payload, this.limits.maxServiceBytes, jsonOf(parseService)));
    return false;
  }

  report(): AgentClusterReport {
    const nodes: AgentNodeReport[] = [...this.nodes].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })).map(([node, n]) => ({
      node, lastHeard: n.lastHeard,
      ...(n.status !== undefined ? { status: n.status } : {}),
      ...(n.agent !== undefined ? { agent: n.agent } : {}),
      services: [...n.services.values()].sort((a, b) => a.service.localeCompare(b.service)),
    }));
    return { connected: this.connected(), nodes, ignored: { ...this.ignoredCounts } };
  }

  private parse<T>(payload: Uint8Array, max: number, read: (text: string) => T | undefined): Parsed<T> {
    if (payload.length === 0) return { ok: true, value: undefined };
    if (payload.length > max) return { ok: false, why: 'oversized' };
    const value = read(new TextDecoder().decode(payload));
    return value === undefined ? { ok: false, why: 'malformed' } : { ok: true, value };
  }

  /** A status or summary: set, or cleared by an empty payload. */
  private take<T>(name: string, p: Parsed<T>, set: (n: NodeState, v: T | undefined) => void): boolean {
    if (!p.ok) return this.ignore(p.why);
    const n = this.node(name, p.value !== undefined);
    if (!n) return p.value === undefined ? false : this.ignore('overLimit');
    set(n, p.value);
    return this.touched(name, n);
  }

  private takeService(name: string, key: string, p: Parsed<AgentServiceReport>): boolean {
    if (!p.ok) return this.ignore(p.why);
    const n = this.node(name, p.value !== undefined);
    if (!n) return p.value === undefined ? false : this.ignore('overLimit');
    if (p.value === undefined) {
      if (n.services.delete(key)) this.services--;
    } else if (n.services.has(key)) {
      n.services.set(key, p.value);
    } else {
      if (n.services.size >= this.limits.maxServicesPerNode || this.services >= this.limits.maxServices) {
        this.forgetIfEmpty(name, n);
        return this.ignore('overLimit');
      }
      n.services.set(key, p.value);
      this.services++;
    }
    return this.touched(name, n);
  }

  /** The node's state; created when `create` and the node limit allows. */
  private node(name: string, create: boolean): NodeState | undefined {
    const n = this.nodes.get(name);
    if (n || !create || this.nodes.size >= this.limits.maxNodes) return n;
    const fresh: NodeState = { services: new Map(), lastHeard: this.now() };
    this.nodes.set(name, fresh);
    return fresh;
  }

  private touched(name: string, n: NodeState): boolean {
    n.lastHeard = this.now();
    this.forgetIfEmpty(name, n);
    this.changed();
    return true;
  }

  private forgetIfEmpty(name: string, n: NodeState): void {
    if (n.status === undefined && n.agent === undefined && n.services.size === 0) this.nodes.delete(name);
  }

  private ignore(why: keyof ClusterIgnored): false {
    this.ignoredCounts[why]++;
    return false;
  }

  private changed(): void {
    for (const l of this.listeners) {
      try { l(); } catch { /* a listener's failure is its own */ }
    }
  }
}

function statusOf(s: string): 'online' | 'offline' | undefined {
  return s === 'online' || s === 'offline' ? s : undefined;
}

function jsonOf<T>(read: (v: unknown) => T | undefined): (s: string) => T | undefined {
  return (s) => {
    try {
      return read(JSON.parse(s));
    } catch {
      return undefined;
    }
  };
}

/** Feed a ClusterView from the router publisher's connection (no second connection to the broker). */
export function watchCluster(telemetry: MqttTelemetry, site: string, host: string, now: () => number = Date.now): ClusterView {
  const view = new ClusterView(site, host, now, () => telemetry.stats().connected);
  telemetry.watch({ filters: view.filters, connected: () => view.reset(), message: (topic, payload) => { view.apply(topic, payload); } });
  return view;
}
