/**
 * Feeds the state writer (state-writer.ts) from the running agent, as the MQTT telemetry is fed: every
 * `intervalMs` the agent's per-Service state (state.ts), whether it holds the IPAM Lease and how its last
 * configuration read went are handed over; the writer queues only the differences. Reading the agent's state
 * is all this does on the agent's thread: no request is made here and nothing here is awaited by announcing.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Clock, TimerHandle } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import type { Agent } from '../agent.js';
import type { ConfigFeed } from '../config/feed.js';
import { serviceReports } from '../state.js';
import { kubernetesStateApi } from './state-api.js';
import { StateWriter, type StateApi } from './state-writer.js';

export interface StateReporterOptions {
  readonly agent: Agent;
  readonly feed: Pick<ConfigFeed, 'status'>;
  readonly node: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly intervalMs?: number;
}

export class StateReporter {
  readonly writer: StateWriter;
  private timer?: TimerHandle;

  constructor(api: StateApi, private readonly o: StateReporterOptions) {
    const k = o.agent.config.kubernetesState;
    this.writer = new StateWriter(api, o.node, o.clock, o.log, { writesPerSecond: k.writesPerSecond, burst: k.burst });
  }

  /** The writer on the agent's own API server and credentials. */
  static forCluster(kc: KubeConfig, namespace: string, o: StateReporterOptions): StateReporter {
    const pod = process.env['POD_NAME'] && process.env['POD_UID'] ? { name: process.env['POD_NAME'], uid: process.env['POD_UID'] } : undefined;
    return new StateReporter(kubernetesStateApi(kc, { namespace, node: o.node, pod }), o);
  }

  start(): void {
    this.writer.start();
    this.tick();
  }

  private tick(): void {
    const { agent, node, feed } = this.o;
    if (agent.synced) this.writer.update({ node, leader: agent.isLeader, services: serviceReports(agent, node), config: feed.status });
    this.timer = this.o.clock.at(this.o.clock.now() + (this.o.intervalMs ?? 1000), () => this.tick());
  }

  stop(): void {
    this.timer?.cancel();
    this.writer.stop();
  }
}
