/**
 * The BGP and BFD session series the router and the agent both expose, under the same names (a dashboard
 * reads either; the scrape target tells them apart): per peer, the FSM state (RFC 4271 8.2.2) as one series
 * per state, an up gauge, prefixes advertised, messages and times Established as counters; per BFD session
 * (RFC 5880), the state, an up gauge, transitions and flaps, and the detection time in seconds.
 */
import type { Registry } from 'prom-client';
import { sampled, type Sample } from './registry.js';

const BGP_STATES = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'] as const;
const BFD_STATES = ['AdminDown', 'Down', 'Init', 'Up'] as const;

export interface SessionSample {
  readonly peer: string;
  readonly state: string;
  readonly prefixesSent: number;
  readonly messagesReceived: number;
  readonly messagesSent: number;
  readonly establishedCount: number;
}

export interface BfdSample {
  readonly peer: string;
  readonly state: string;
  readonly transitions: number;
  readonly flaps: number;
  readonly detectionTimeMs: number;
}

type Read<T> = () => readonly T[] | Promise<readonly T[]>;

/** One series per `states` entry and item: 1 for the item's state, 0 for the others. */
function stateSet<T extends { peer: string; state: string }>(registry: Registry, name: string, help: string, states: readonly string[], read: Read<T>): void {
  sampled(registry, 'gauge', {
    name, help, labelNames: ['peer', 'state'],
    read: async () => (await read()).flatMap((x) => states.map((s): Sample<'peer' | 'state'> => [{ peer: x.peer, state: s }, x.state === s ? 1 : 0])),
  });
}

/** A series per item labelled with its peer. */
export function perPeer<T extends { peer: string }>(registry: Registry, kind: 'gauge' | 'counter', name: string, help: string, read: Read<T>, pick: (x: T) => number): void {
  sampled(registry, kind, { name, help, labelNames: ['peer'], read: async () => (await read()).map((x): Sample<'peer'> => [{ peer: x.peer }, pick(x)]) });
}

export function sessionMetrics(registry: Registry, read: Read<SessionSample>): void {
  stateSet(registry, 'vipgate_bgp_session_state', 'BGP session state per peer (RFC 4271 8.2.2): 1 for the current state, 0 for the others', BGP_STATES, read);
  perPeer(registry, 'gauge', 'vipgate_bgp_session_up', 'BGP session per peer: 1 while Established, else 0', read, (p) => (p.state === 'Established' ? 1 : 0));
  perPeer(registry, 'gauge', 'vipgate_bgp_prefixes_sent', 'Prefixes advertised to the peer (its Adj-RIB-Out)', read, (p) => p.prefixesSent);
  perPeer(registry, 'counter', 'vipgate_bgp_established_transitions_total', 'Times the session reached Established', read, (p) => p.establishedCount);
  perPeer(registry, 'counter', 'vipgate_bgp_messages_received_total', 'BGP messages received from the peer', read, (p) => p.messagesReceived);
  perPeer(registry, 'counter', 'vipgate_bgp_messages_sent_total', 'BGP messages sent to the peer', read, (p) => p.messagesSent);
}

export function bfdMetrics(registry: Registry, read: Read<BfdSample>): void {
  stateSet(registry, 'vipgate_bfd_session_state', 'BFD session state per peer (RFC 5880 4.1): 1 for the current state, 0 for the others', BFD_STATES, read);
  perPeer(registry, 'gauge', 'vipgate_bfd_session_up', 'BFD session per peer: 1 while Up, else 0', read, (b) => (b.state === 'Up' ? 1 : 0));
  perPeer(registry, 'counter', 'vipgate_bfd_session_transitions_total', 'BFD session state changes', read, (b) => b.transitions);
  perPeer(registry, 'counter', 'vipgate_bfd_session_flaps_total', 'Times the BFD session left Up', read, (b) => b.flaps);
  perPeer(registry, 'gauge', 'vipgate_bfd_detection_time_seconds', 'BFD detection time in force (RFC 5880 6.8.4)', read, (b) => b.detectionTimeMs / 1000);
}
