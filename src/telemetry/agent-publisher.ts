/**
 * A node agent's MQTT telemetry, beside the router's under the same tree (vipgate/<site>/<node>/...):
 *   status               "online" / "offline" (retained; "offline" is the last will)
 *   agent                {node, synced, leader, stopMode, peers: [{name, address, state, ...}], ...} (retained)
 *   services/<ns>_<name> {service, ips, trafficPolicy, localEndpoints, announcedTo} (retained; cleared when the
 *                        Service goes or this node stops announcing it)
 *   events               {type: "peer", peer, from, to} when a session changes state (not retained)
 * The agent's state is read every `intervalMs` and only what changed is published, so a burst of Service
 * changes becomes one message per topic; the broker's absence costs a bounded queue (MqttChannel), and the
 * agent's announcing never waits for any of this.
 */
import type { AgentServiceReport } from '../control/cluster.js';
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import { MqttChannel, type ChannelOptions, type TelemetryStats } from './channel.js';
import { topicLevel, Topics } from './topics.js';

export interface AgentPeerState {
  readonly name: string;
  readonly address: string;
  readonly state: string;
}

/** One Service's topic: the payload the router's cluster view reads (control/cluster.ts). */
export type AgentServiceState = AgentServiceReport;

/** What the agent shows; read on every tick. */
export interface AgentStatusSource {
  /** Published as it is (JSON). */
  summary(): { readonly peers: readonly AgentPeerState[] };
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
  /** Retained topic → the payload last queued for it. */
  private readonly published = new Map<string, string>();
  private readonly peerStates = new Map<string, string>();
  private timer?: TimerHandle;

  constructor(private readonly o: AgentTelemetryOptions, private readonly source: AgentStatusSource, private readonly clock: Clock, log: Logger) {
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
        this.published.clear();
        this.channel.subscribe(`${this.topics.base}/services/+`);
        this.tick();
      },
      message: (topic, payload, retain) => {
        if (retain && payload.length > 0 && !this.published.has(topic) && topic.startsWith(`${this.topics.base}/services/`)) {
          this.channel.put({ topic, payload: '', retain: true });
          this.channel.drain();
        }
      },
    });
    this.schedule();
  }

  private schedule(): void {
    this.timer = this.clock.at(this.clock.now() + (this.o.intervalMs ?? 1000), () => { this.tick(); this.schedule(); });
  }

  /** Compare the agent's state with what was published; queue the differences. */
  tick(): void {
    const summary = this.source.summary();
    const want = new Map<string, string>([[this.agentTopic, JSON.stringify(summary)]]);
    for (const s of this.source.services()) want.set(this.serviceTopic(s.service), JSON.stringify(s));
    for (const [topic, payload] of want) {
      if (this.published.get(topic) === payload) continue;
      this.published.set(topic, payload);
      this.channel.put({ topic, payload, retain: true });
    }
    for (const topic of [...this.published.keys()]) {
      if (want.has(topic)) continue;
      this.published.delete(topic);
      this.channel.put({ topic, payload: '', retain: true });
    }
    for (const p of summary.peers) {
      const before = this.peerStates.get(p.name);
      this.peerStates.set(p.name, p.state);
      if (before === undefined || before === p.state) continue;
      this.channel.put({ topic: this.topics.events, retain: false, payload: JSON.stringify({ type: 'peer', at: new Date().toISOString(), node: this.o.node, peer: p.name, from: before, to: p.state }) });
    }
    this.channel.drain();
  }

  async stop(timeoutMs = 2000): Promise<void> {
    this.timer?.cancel();
    await this.channel.close(timeoutMs);
  }
}
