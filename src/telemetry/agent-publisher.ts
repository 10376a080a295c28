/**
 * A node agent's MQTT telemetry, beside the router's under the same tree (vipgate/<site>/<node>/...):
 *   status               "online" / "offline" (retained; "offline" is the last will)
 *   agent                {node, synced, leader, stopMode, peers: [{name, address, state, bfd?: {state, ...}, ...}], ...}
 *                        (retained)
 *   services/<ns>_<name> {service, ips, trafficPolicy, localEndpoints, announcedTo} (retained; cleared when the
 *                        Service goes or this node stops announcing it)
 *   events               {type: "peer", peer, from, to} when a session changes state, {type: "bfd", peer, from, to,
 *                        diagnostic} when its BFD session does (not retained)
 * The agent's state is read every `intervalMs` and only what changed is published, so a burst of Service
 * changes becomes one message per topic; the broker's absence costs a bounded queue (MqttChannel), and the
 * agent's announcing never waits for any of this.
 */
import type { AgentServiceReport } from '../control/cluster.js';
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import { MqttChannel, type ChannelOptions, type TelemetryStats } from './channel.js';
import { RetainedSet } from './retained-set.js';
import { topicLevel, Topics } from './topics.js';

export interface AgentPeerState {
  readonly name: string;
  readonly address: string;
  readonly state: string;
  /** The session's BFD (RFC 5880), when it has one. */
  readonly bfd?: { readonly state: string; readonly diagnostic: string };
}

/** One Service's topic: the payload the router's cluster view reads (control/cluster.ts). */
export type AgentServiceState = AgentServiceReport;

/** What the agent shows; read on every tick. */
export interface AgentStatusSource {
  /** Published as it is (JSON); read with the BFD sessions' state (they run on their own thread). */
  summary(): Promise<{ readonly peers: readonly AgentPeerState[] }>;
  services(): readonly AgentServiceState[];
}

export interface AgentTelemetryOptions extends ChannelOptions {
  readonly site: string;
  readonly node: string;
  /** How often the agent's state is read and compared. */
  readonly intervalMs?: number;
}

export class AgentTelemetry {
  readonly topics: Topics;
  private readonly channel: MqttChannel;
  /** The retained topics published (agent, services/+). */
  private readonly retained = new RetainedSet();
  private readonly peerStates = new Map<string, string>();
  private readonly bfdStates = new Map<string, string>();
  /** A tick under way (reading the summary waits for the BFD thread): the next one waits its turn. */
  private ticking?: Promise<void>;
  private timer?: TimerHandle;

  constructor(private readonly o: AgentTelemetryOptions, private readonly source: AgentStatusSource, private readonly clock: Clock, private readonly log: Logger) {
    this.topics = new Topics(o.site, o.node);
    this.channel = new MqttChannel(o, this.topics.status, log);
  }

  get agentTopic(): string { return `${this.topics.base}/agent`; }
  serviceTopic(service: string): string { return `${this.topics.base}/services/${topicLevel(service)}`; }

  stats(): TelemetryStats { return this.channel.stats(); }

  start(): void {
    this.channel.open({
      connected: () => {
        // the broker may have lost what it kept: everything again, and stale services cleared
        this.retained.clear();
        this.channel.subscribe(`${this.topics.base}/services/+`);
        void this.tick();
      },
      message: (topic, payload, retain) => {
        // a Service an earlier run announced: the next comparison clears it unless it is still there
        if (retain && payload.length > 0 && topic.startsWith(`${this.topics.base}/services/`)) { this.retained.adopt(topic, payload.toString()); void this.tick(); }
      },
    });
    this.schedule();
  }

  private schedule(): void {
    this.timer = this.clock.at(this.clock.now() + (this.o.intervalMs ?? 1000), () => { void this.tick(); this.schedule(); });
  }

  /** Compare the agent's state with what was published; queue the differences. One at a time. */
  tick(): Promise<void> {
    this.ticking = (this.ticking ?? Promise.resolve()).then(() => this.compare()).catch((e: unknown) => this.log.warn({ err: (e as Error).message }, 'agent telemetry: cannot read the agent state'));
    return this.ticking;
  }

  private async compare(): Promise<void> {
    const summary = await this.source.summary();
    const want = new Map<string, string>([[this.agentTopic, JSON.stringify(summary)]]);
    for (const s of this.source.services()) want.set(this.serviceTopic(s.service), JSON.stringify(s));
    for (const m of this.retained.update(want)) this.channel.put(m);
    const event = (type: 'peer' | 'bfd', peer: string, from: string, to: string, extra: Record<string, string> = {}) => this.channel.put({
      topic: this.topics.events, retain: false, payload: JSON.stringify({ type, at: new Date().toISOString(), node: this.o.node, peer, from, to, ...extra }),
    });
    for (const p of summary.peers) {
      const before = this.peerStates.get(p.name);
      this.peerStates.set(p.name, p.state);
      if (before !== undefined && before !== p.state) event('peer', p.name, before, p.state);
      if (!p.bfd) { this.bfdStates.delete(p.name); continue; }
      const bfdBefore = this.bfdStates.get(p.name);
      this.bfdStates.set(p.name, p.bfd.state);
      if (bfdBefore !== undefined && bfdBefore !== p.bfd.state) event('bfd', p.name, bfdBefore, p.bfd.state, { diagnostic: p.bfd.diagnostic });
    }
    this.channel.drain();
  }

  async stop(timeoutMs = 2000): Promise<void> {
    this.timer?.cancel();
    await this.channel.close(timeoutMs);
  }
}
