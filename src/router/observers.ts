/**
 * What watches the router from the outside, started from the configuration's optional sections: the
 * SQLite history (`store`), MQTT telemetry (`telemetry`; on its connection the router also reads the node
 * agents' reports, cluster-view.ts) and the web page with /metrics (`web`, with a Cluster view when there
 * is telemetry). Each reads the router through RouterStatus; none can hold routing up (their failures are
 * logged). Each is loaded only when its section is configured: better-sqlite3, mqtt and fastify with
 * prom-client are ~45 MiB of RSS and ~0.25 s of start that a router without them does not pay.
 */
import { mkdirSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { dirname } from 'node:path';
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import type { RouterConfig } from '../config/resolve.js';
import type { HistoryStore } from '../store/store.js';
import type { ClusterView } from '../telemetry/cluster-view.js';
import type { MqttTelemetry } from '../telemetry/publisher.js';
import type { WebServer } from '../web/server.js';
import { DEFAULT_AGENT_IMAGES } from '../lib/agent-images.js';
import { statusPageUrl } from './page-url.js';
import type { ClusterModel } from '../control/cluster.js';
import type { ExtraGauge } from '../web/metrics.js';
import { configRevision, type RouterStatus } from './status.js';

export interface Observers {
  readonly store?: HistoryStore;
  readonly telemetry?: MqttTelemetry;
  readonly cluster?: ClusterView;
  /** The Cluster view joined with the router's own (`vipgate show cluster`, the page's /api/cluster). */
  clusterModel?(): Promise<ClusterModel>;
  readonly web?: WebServer;
  close(): Promise<void>;
}

export interface ObserverDeps {
  readonly clock: Clock;
  readonly log: Logger;
  /** The configuration file's text as the router read it, recorded as a config revision when it changed. */
  readonly configText?: string;
}

async function openHistory(cfg: NonNullable<RouterConfig['store']>, status: RouterStatus, deps: ObserverDeps): Promise<{ store: HistoryStore; stop: () => void }> {
  const { clock, log } = deps;
  const { openStore } = await import('../store/store.js');
  if (cfg.path !== ':memory:') mkdirSync(dirname(cfg.path), { recursive: true });
  const store = openStore(cfg.path, {
    clock, flushMs: cfg.flushMs,
    retention: { maxAgeMs: cfg.retentionDays * 86_400_000, maxBytes: cfg.maxSizeMb * 1024 * 1024 },
    report: (message, error) => log.error({ err: error }, message),
  });
  log.info({ path: cfg.path, integrity: store.integrity }, 'history database open');
  if (deps.configText !== undefined) store.record(configRevision(deps.configText, Date.now()));
  const unsubscribe = status.subscribe((e) => store.record(e));
  let timer: TimerHandle | undefined;
  const sample = () => {
    void status.routes().then((r) => store.sample(r.length, status.summary().peers.filter((p) => p.state === 'Established').length), () => undefined);
    timer = clock.at(clock.now() + cfg.sampleSeconds * 1000, sample);
  };
  sample();
  return { store, stop: () => { unsubscribe(); timer?.cancel(); store.close(); } };
}

/** This machine's addresses, how the agents name this router among their peers. */
function ownAddresses(cfg: RouterConfig): string[] {
  const all = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
  return [...new Set([cfg.routerId, ...all])];
}

export async function startObservers(cfg: RouterConfig, status: RouterStatus, deps: ObserverDeps): Promise<Observers> {
  const { clock, log } = deps;
  const history = cfg.store ? await openHistory(cfg.store, status, deps) : undefined;
  const t = cfg.telemetry;
  const host = t?.host ?? hostname();
  const mqtt = t ? await Promise.all([import('../telemetry/publisher.js'), import('../telemetry/cluster-view.js')]) : undefined;
  const telemetry = t && mqtt ? await mqtt[0].startTelemetry({
    url: t.url, site: t.site, host, coalesceMs: t.coalesceMs, queueLimit: t.queueLimit,
    // the agents' topics are read on this connection: nothing larger than an agent summary may come in
    maximumPacketSize: mqtt[1].CLUSTER_LIMITS.maxAgentBytes + 4096,
    ...(t.username !== undefined ? { username: t.username } : {}),
    ...(t.password !== undefined ? { password: t.password } : {}),
    ...(t.tls ? { tls: t.tls } : {}),
    ...(t.homeAssistant !== false ? { discoveryPrefix: t.homeAssistant } : {}),
    ...(cfg.web && statusPageUrl(cfg.web, host) ? { configurationUrl: statusPageUrl(cfg.web, host) } : {}),
  }, status, clock, log.child({ module: 'mqtt' })) : undefined;
  const cluster = t && telemetry && mqtt ? mqtt[1].watchCluster(telemetry, t.site, host) : undefined;
  if (cluster) telemetry?.attachCluster(cluster);
  const clusterOptions = cluster ? { source: cluster, ownAddresses: ownAddresses(cfg) } : undefined;
  const gauges: ExtraGauge[] = [
    ...(history ? [
      { name: 'vipgate_history_dropped_rows_total', kind: 'counter' as const, help: 'History rows dropped (queue full or history stopped)', value: () => history.store.dropped },
      { name: 'vipgate_history_stopped', help: '1 when the history stopped writing (disk full)', value: () => (history.store.stopped ? 1 : 0) },
    ] : []),
    ...(telemetry ? [
      { name: 'vipgate_mqtt_connected', help: '1 while the MQTT broker is connected', value: () => (telemetry.stats().connected ? 1 : 0) },
      { name: 'vipgate_mqtt_queued_messages', help: 'MQTT messages waiting for the broker', value: () => telemetry.stats().queued },
      { name: 'vipgate_mqtt_dropped_messages_total', kind: 'counter' as const, help: 'MQTT messages dropped from a full queue', value: () => telemetry.stats().dropped },
    ] : []),
    ...(cluster ? [
      { name: 'vipgate_cluster_agents_online', help: 'Node agents whose MQTT status says online', value: () => cluster.report().nodes.filter((n) => n.status === 'online').length },
      {
        name: 'vipgate_cluster_ignored_messages_total', kind: 'counter' as const, help: 'Node agent MQTT messages ignored: malformed, oversized or past the limits held',
        value: () => { const i = cluster.report().ignored; return i.malformed + i.oversized + i.overLimit; },
      },
    ] : []),
  ];
  const web = cfg.web ? await (await import('../web/server.js')).startWeb({
    host: cfg.web.address, port: cfg.web.port, source: status, gauges, log,
    ...(history ? { history: history.store } : {}),
    ...(cfg.web.adminToken ? { adminToken: cfg.web.adminToken } : {}),
    ...(clusterOptions ? { cluster: clusterOptions } : {}),
    k3s: { manifests: (o) => status.agentManifests(o), images: cfg.web.agentImages ?? DEFAULT_AGENT_IMAGES },
  }) : undefined;
  const clusterModel = cluster ? (await import('../web/cluster.js')).clusterModel : undefined;
  return {
    ...(history ? { store: history.store } : {}), ...(telemetry ? { telemetry } : {}), ...(web ? { web } : {}),
    ...(cluster && clusterOptions && clusterModel ? { cluster, clusterModel: () => clusterModel(clusterOptions, status) } : {}),
    async close() {
      await web?.close();
      await telemetry?.stop();
      history?.stop();
    },
  };
}
