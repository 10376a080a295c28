/**
 * `vipgate agent --source file:PATH | --source kubernetes[:KUBECONFIG]  (--config FILE | --metallb-namespace NS
 * [--config FILE])  [--node NAME] [--socket PATH] [--log-level L]`: load and validate the config (every
 * problem named with its field), start the source, the agent and its control socket.
 * Configuration, read again without a restart (Agent.reconfigure: sessions added, closed with Cease 6/3,
 * reset with Cease 6/6 when their parameters changed; announcements recomputed, only differences sent):
 * - `--config FILE`: vipgate's YAML, MetalLB's legacy ConfigMap or MetalLB's CRDs as YAML documents; read
 *   again when the file changes on disk (its directory is watched, 200 ms debounce) and on SIGHUP.
 * - `--metallb-namespace NS` (needs `--source kubernetes[:KUBECONFIG]`, same API server and credentials):
 *   pools, peers, advertisements, BFD profiles and communities from MetalLB's objects in namespace NS
 *   (metallb.io IPAddressPool, BGPPeer v1beta2, BGPAdvertisement, BFDProfile, Community), listed and
 *   watched; every change applied (200 ms debounce). Nothing is announced until they form a valid
 *   configuration. `--config FILE` is then optional and holds only vipgate's own settings (the keys of
 *   vipgate's format other than asn, routerId, peers, pools and advertisements: gracefulShutdown,
 *   gracefulRestart, shutdown, externalIPs, linkBandwidth, leaderElection, loadBalancerClass, ipvs,
 *   telemetry, metrics); without it they take their defaults. It is watched and read on SIGHUP too.
 * A new configuration with problems changes nothing; each problem is logged with its field. `ipvs.enabled`
 * applies live (./ipvs/control.ts: turned off, the agent undoes what it recorded); changes of the other
 * `ipvs` settings, `telemetry`, `metrics`, `leaderElection` and `gracefulRestart.stateDir` are logged and
 * apply at the next start. IPVS that cannot start (no ip_vs, no permission) is reported, never fatal. With
 * `metrics`, Prometheus metrics on their own listener (./metrics.ts, loaded only then). SIGTERM or SIGINT stops gracefully (Agent.shutdown):
 * `shutdown: graceful-shutdown` drains (RFC 8326: GRACEFUL_SHUTDOWN, `gracefulShutdown.drainSeconds`,
 * withdraw, Cease/Administrative Shutdown with a message), `graceful-restart` closes the sessions without
 * NOTIFICATION so the routers keep our routes as stale (RFC 4724) and leaves a marker in
 * `gracefulRestart.stateDir` so that the next run sets the Restart State bit; `auto` picks per source and
 * node state. A second SIGTERM or SIGINT skips what is left of the drain.
 * With the Kubernetes source, the agent's state goes into Kubernetes as MetalLB writes it (k8s/reporter.ts:
 * Events, ip-allocated-from-pool, ServiceBGPStatus, ConfigurationState), in the background.
 * `vipgate agent --check` is check.ts. Exit codes: 0 clean stop, 2 usage, 3 invalid configuration, 1 failure.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { systemClock } from '../lib/clock.js';
import { createLogger, type Logger } from '../lib/log.js';
import { armStopDeadline, STOP_GRACE_SECONDS } from '../lib/stop-deadline.js';
import { AgentTelemetry } from '../telemetry/agent-publisher.js';
import { IpvsControl } from './ipvs/control.js';
import type { IpvsStatsSource } from './metrics.js';
import { agentStatusSource } from './telemetry.js';
import { ConfigError } from '../config/error.js';
import { ControlServer } from '../control/server.js';
import { Agent, defaultRouterId } from './agent.js';
import { FileConfigFeed, type ConfigFeed } from './config/feed.js';
import type { AgentConfig } from './config/model.js';
import { FileSource } from './source/file.js';
import type { Source } from './source/source.js';
import { takeRestartMarker, writeRestartMarker } from './restart-marker.js';
import { registerAgentCommands, type AgentCommands } from './commands.js';

export interface AgentArgs {
  /** "file:PATH", "kubernetes" or "kubernetes:KUBECONFIG". */
  readonly source: string;
  /** The config file; with `metallbNamespace`, vipgate's settings only (optional). */
  readonly config?: string | undefined;
  /** Read MetalLB's objects in this namespace (needs the Kubernetes source). */
  readonly metallbNamespace?: string | undefined;
  /** Default: $NODE_NAME (the DaemonSet sets it from spec.nodeName), else the host name. */
  readonly node?: string;
  readonly socket?: string;
  readonly logLevel?: string;
}

export const DEFAULT_AGENT_SOCKET = '/run/vipgate/agent.sock';

/** A `--source` value that is neither form. */
export class SourceSpecError extends Error {}

/**
 * The source named by `--source`. The Kubernetes client library is loaded only for the Kubernetes
 * source: it alone adds about 90 MiB of RSS and 0.6 s of start-up, which the file source does not need.
 */
export async function makeSource(spec: string, cfg: AgentConfig, node: string, log: ReturnType<typeof createLogger>): Promise<Source> {
  if (spec.startsWith('file:') && spec.length > 5) return new FileSource(spec.slice(5), log);
  const kube = kubernetesSpec(spec);
  if (kube) {
    const { KubernetesSource } = await import('./source/kubernetes.js');
    return new KubernetesSource(await kubeConfig(kube.kubeconfig), log, { ...cfg.leaderElection, identity: node });
  }
  throw new SourceSpecError(`--source must be file:PATH, kubernetes or kubernetes:KUBECONFIG, not "${spec}"`);
}

/** The kubeconfig file's, or the pod's in-cluster configuration; missing in-cluster credentials are a SourceSpecError. */
async function kubeConfig(file: string | undefined): Promise<import('@kubernetes/client-node').KubeConfig> {
  const { InClusterError, loadKubeConfig } = await import('./source/kubernetes.js');
  try {
    return loadKubeConfig(file);
  } catch (e) {
    throw e instanceof InClusterError ? new SourceSpecError(e.message) : e;
  }
}

/** "kubernetes" or "kubernetes:KUBECONFIG" → the kubeconfig (undefined: in-cluster); anything else → undefined. */
function kubernetesSpec(spec: string): { kubeconfig: string | undefined } | undefined {
  if (spec !== 'kubernetes' && !spec.startsWith('kubernetes:')) return undefined;
  return { kubeconfig: spec.slice('kubernetes:'.length) || undefined };
}

/** Where the configuration comes from (`--config`, or `--metallb-namespace` with an optional `--config`). */
export async function makeConfigFeed(a: AgentArgs, log: Logger): Promise<ConfigFeed> {
  if (a.metallbNamespace !== undefined) {
    const kube = kubernetesSpec(a.source);
    if (!kube) throw new SourceSpecError('--metallb-namespace reads MetalLB\'s objects from the API server: it needs --source kubernetes[:KUBECONFIG]');
    const { MetallbConfigFeed } = await import('./source/metallb.js');
    return new MetallbConfigFeed(await kubeConfig(kube.kubeconfig), log.child({ part: 'metallb' }), { namespace: a.metallbNamespace, settingsFile: a.config });
  }
  if (a.config === undefined) throw new SourceSpecError('the agent needs --config FILE or --metallb-namespace NS');
  return new FileConfigFeed(a.config, log);
}

/** MQTT telemetry when configured; a broker problem is logged and never stops the agent. */
function startTelemetry(cfg: AgentConfig, agent: Agent, node: string, log: Logger, ipvs: IpvsControl): AgentTelemetry | undefined {
  const t = cfg.telemetry;
  if (!t) return undefined;
  try {
    const { tls, username: configured, password: inline, passwordFile, ...rest } = t;
    // per-node MQTT users (the box's ACL lets user N write only vipgate/<site>/N/...): the node's name and its password file
    const password = passwordFile ? readFileSync(passwordFile.replaceAll('{node}', node), 'utf8').trim() : inline;
    const username = configured ?? (passwordFile ? node : undefined);
    const telemetry = new AgentTelemetry({
      ...rest, node, ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}),
      ...(tls ? { tls: { ...(tls.ca ? { ca: tls.ca } : {}), ...(tls.cert ? { cert: tls.cert } : {}), ...(tls.key ? { key: tls.key } : {}), rejectUnauthorized: tls.rejectUnauthorized } } : {}),
    }, agentStatusSource(agent, node, () => ipvs.summary()), systemClock, log.child({ module: 'mqtt' }));
    telemetry.start();
    return telemetry;
  } catch (e) {
    log.error({ err: e }, 'MQTT telemetry failed to start; the agent goes on without it');
    return undefined;
  }
}

/** Prometheus metrics when configured; prom-client and the collectors load only then. A listener that cannot bind is logged. */
async function startMetrics(cfg: AgentConfig, agent: Agent, ipvs: IpvsStatsSource | undefined, log: Logger): Promise<{ close(): Promise<void> } | undefined> {
  if (!cfg.metrics) return undefined;
  try {
    const { startAgentMetrics } = await import('./metrics.js');
    const m = await startAgentMetrics(agent, ipvs, cfg.metrics);
    log.info({ url: m.url }, 'Prometheus metrics listening');
    return m;
  } catch (e) {
    log.error({ err: (e as Error).message, ...cfg.metrics }, 'Prometheus metrics failed to start; the agent goes on without them');
    return undefined;
  }
}

/**
 * The default BGP identifier is the first IPv4 address of a running interface; at boot (or in a fresh
 * namespace) the interface may not have its carrier yet: wait for one, bounded, rather than fail at once.
 */
async function waitForAddress(log: Logger): Promise<boolean> {
  for (let i = 0; i < 120; i++) {
    try {
      defaultRouterId();
      return true;
    } catch {
      if (i === 0) log.info('waiting for an IPv4 address on a running interface (the default BGP identifier)');
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return false;
}

export async function runAgent(a: AgentArgs): Promise<number> {
  const log = createLogger('vipgate-agent', a.logLevel ?? 'info');
  let feed: ConfigFeed;
  let cfg: AgentConfig;
  try {
    feed = await makeConfigFeed(a, log);
    if (a.metallbNamespace !== undefined) log.info({ namespace: a.metallbNamespace }, 'waiting for a valid configuration from the metallb.io objects');
    cfg = await feed.first();
  } catch (e) {
    if (e instanceof SourceSpecError) { process.stderr.write(`vipgate agent: ${e.message}\n`); return 2; }
    if (e instanceof ConfigError) { process.stderr.write(`${e.message}\n`); return 3; }
    throw e;
  }
  const node = a.node ?? process.env['NODE_NAME'] ?? hostname();
  for (const w of cfg.warnings) log.warn(w);
  let source: Source;
  try {
    source = await makeSource(a.source, cfg, node, log);
  } catch (e) {
    await feed.close(); // the MetalLB feed's informers would keep the process alive
    if (e instanceof SourceSpecError) { process.stderr.write(`vipgate agent: ${e.message}\n`); return 2; }
    throw e;
  }
  if (!cfg.routerId && !cfg.peers.some((p) => p.routerId) && !(await waitForAddress(log))) {
    process.stderr.write('vipgate agent: no IPv4 address on a running interface to use as BGP identifier after 30 s: set routerId in the agent config\n');
    return 1;
  }
  const gr = cfg.gracefulRestart;
  const restarting = gr.enabled && takeRestartMarker(gr.stateDir, Date.now());
  if (restarting) log.info({ stateDir: gr.stateDir }, 'restarted after a graceful restart: Restart State bit set');
  const ipvs = new IpvsControl({
    log: log.child({ part: 'ipvs' }), node, source: source.kind, onServingChanged: () => agent.refresh(),
    ...(source.apiServerVersion ? { apiServerVersion: () => source.apiServerVersion?.() } : {}),
  });
  const agent: Agent = new Agent({
    node, config: cfg, source, clock: systemClock, log, restarting, ipvsServing: () => ipvs.serving,
    // the file source's addresses come from this agent's own IPAM; Kubernetes' from the Services' status
    onApplied: () => { if (agent.current) ipvs.apply(agent.current, source.kind === 'file' ? agent.assignments : undefined); },
  });
  const control = new ControlServer<AgentCommands>(a.socket ?? DEFAULT_AGENT_SOCKET);
  registerAgentCommands(control, agent, node, ipvs);
  await ipvs.configure(cfg, true);
  await control.listen();
  await agent.start();
  log.info({ node, source: a.source, format: cfg.format, peers: cfg.peers.length, pools: cfg.pools.length }, 'vipgate agent started');
  const telemetry = startTelemetry(cfg, agent, node, log, ipvs);
  const metrics = await startMetrics(cfg, agent, cfg.ipvs?.enabled ? ipvs : undefined, log);
  // Events, annotations, ServiceBGPStatus and ConfigurationState: the Kubernetes source only
  let state: { stop(): void } | undefined;
  if (cfg.kubernetesState.enabled && 'kc' in source) {
    const [{ StateReporter }, { KubernetesSource }] = await Promise.all([import('./k8s/reporter.js'), import('./source/kubernetes.js')]);
    if (source instanceof KubernetesSource) {
      const namespace = cfg.kubernetesState.namespace ?? a.metallbNamespace ?? cfg.leaderElection.namespace;
      const reporter = StateReporter.forCluster(source.kc, namespace, { agent, feed, node, clock: systemClock, log: log.child({ part: 'k8s-state' }) });
      reporter.start();
      state = reporter;
    }
  }
  feed.watch((next) => { agent.reconfigure(next); void ipvs.configure(next); });
  process.on('SIGHUP', () => { log.info('SIGHUP: reading the configuration again'); void feed.reload(); });
  const skipDrain = new AbortController();
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (sig: string): void => {
      if (++signals === 1) {
        log.info({ signal: sig }, 'stopping');
        armStopDeadline(agent.config.gracefulShutdown.drainSeconds + STOP_GRACE_SECONDS, log);
        resolve();
        return;
      }
      log.info({ signal: sig }, 'second signal: skipping the drain');
      skipDrain.abort();
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
  });
  await feed.close();
  const mode = agent.stopMode();
  log.info({ mode }, `stop: ${mode}`);
  await agent.shutdown(mode, {
    skipDrain: skipDrain.signal,
    onRestart: () => {
      // the settings in force now (a reload may have changed restartTime; stateDir only at a start)
      const { restartTime } = agent.config.gracefulRestart;
      try {
        writeRestartMarker(gr.stateDir, restartTime, Date.now());
      } catch (e) {
        log.warn({ err: (e as Error).message, stateDir: gr.stateDir }, 'cannot write the graceful restart marker: the next run will not set the Restart State bit');
      }
    },
  });
  state?.stop();
  await telemetry?.stop();
  await metrics?.close();
  // a node being deleted takes its IPVS state with it; any other stop leaves it for the next agent to adopt
  await ipvs.stop(agent.current?.nodes.find((n) => n.name === node)?.deleting === true);
  await control.close();
  return 0;
}
