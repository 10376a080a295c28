/**
 * The MQTT topic tree (vipgate/<site>/<host>/...) and its payloads:
 *   status            "online" / "offline" (retained; "offline" is the last will)
 *   summary           {routes, peers, peersEstablished, lastFailoverMs} (retained)
 *   peers/<peer>      {address, state, uptimeSeconds, prefixesReceived, prefixesAccepted, ...} (retained)
 *   routes/<prefix>   {prefix, nexthops: [{gateway, weight}]} (retained; an empty retained message clears it)
 *   vips/<prefix>     {prefix, state: "served"|"down", nexthops: [{gateway, weight, node?}]} per Service IP the
 *                     router knows (a host route it installed, or an address a node agent reports; retained,
 *                     cleared when it knows it no more): the state topic of its Home Assistant entities
 *   split/<prefix>    {prefix, nexthops: [{gateway, weight, packets, bytes}]}: the measured traffic split of a
 *                     route (the router's nft counters since it started), republished with the peers
 *                     (retained; cleared when the route goes)
 *   events            one JSON object per peer state change or failover (not retained)
 * Topic levels never contain '/', '+' or '#' (MQTT 5 section 4.7): a prefix's '/' becomes '_'.
 */
import type { KernelRouteView, NexthopView, PeerSummary, RouterEvent } from '../control/views.js';

/** One level of a topic: wildcards and separators replaced. */
export function topicLevel(s: string): string {
  return s.replace(/[/+#\u0000]/g, '_');
}

export class Topics {
  readonly base: string;

  constructor(site: string, host: string) {
    this.base = `vipgate/${topicLevel(site)}/${topicLevel(host)}`;
  }

  get status(): string { return `${this.base}/status`; }
  get summary(): string { return `${this.base}/summary`; }
  get events(): string { return `${this.base}/events`; }
  get routesWildcard(): string { return `${this.base}/routes/+`; }
  get vipsWildcard(): string { return `${this.base}/vips/+`; }
  peer(name: string): string { return `${this.base}/peers/${topicLevel(name)}`; }
  vip(prefix: string): string { return `${this.base}/vips/${topicLevel(prefix)}`; }
  route(prefix: string): string { return `${this.base}/routes/${topicLevel(prefix)}`; }
  split(prefix: string): string { return `${this.base}/split/${topicLevel(prefix)}`; }
}

/** The split/<prefix> payload of a measured route (undefined: the route is not measured). */
export function splitPayload(r: KernelRouteView): string | undefined {
  if (!r.nexthops.some((h) => h.packets !== undefined)) return undefined;
  return JSON.stringify({ prefix: r.prefix, nexthops: r.nexthops.map((h) => ({ gateway: h.gateway, weight: h.weight, packets: h.packets ?? 0, bytes: h.bytes ?? 0 })) });
}

export interface PeerPayload {
  readonly address: string;
  readonly state: string;
  readonly remoteAs: number | string;
  readonly uptimeSeconds: number;
  readonly prefixesReceived: number;
  readonly prefixesAccepted: number;
  readonly hostname?: string;
}

export function peerPayload(p: PeerSummary): PeerPayload {
  return {
    address: p.address, state: p.state, remoteAs: p.remoteAs,
    uptimeSeconds: p.state === 'Established' ? Math.floor(p.upDownSeconds) : 0,
    prefixesReceived: p.prefixesReceived, prefixesAccepted: p.prefixesAccepted,
    ...(p.hostname ? { hostname: p.hostname } : {}),
  };
}

export function routePayload(prefix: string, nexthops: readonly NexthopView[]): string {
  return nexthops.length === 0 ? '' : JSON.stringify({ prefix, nexthops });
}

export interface SummaryPayload {
  readonly routes: number;
  readonly peers: number;
  readonly peersEstablished: number;
  readonly lastFailoverMs: number | null;
}

/** Events worth a message of their own (route changes go to the route topics instead). */
export function eventPayload(e: RouterEvent): string | undefined {
  if (e.type === 'peer') return JSON.stringify({ type: 'peer', at: new Date(e.at).toISOString(), peer: e.peer, from: e.from, to: e.to, ...(e.reason ? { reason: e.reason } : {}) });
  if (e.type === 'failover') return JSON.stringify({ type: 'failover', at: new Date(e.at).toISOString(), peer: e.peer, reason: e.reason, prefixes: e.prefixes, durationMs: e.durationMs });
  if (e.type === 'service-path') return JSON.stringify({ type: 'service-path', at: new Date(e.at).toISOString(), prefix: e.prefix, nexthop: e.nexthop, up: e.up, ...(e.reason ? { reason: e.reason } : {}) });
  return undefined;
}
