/**
 * `vipgate agent --source file:PATH | --source kubernetes[:KUBECONFIG] --config FILE --node NAME
 * [--socket PATH] [--log-level L]`: load and validate the config (every problem named with its field),
 * start the source, the agent and its control socket; on SIGTERM or SIGINT close every session with
 * Cease/Administrative Shutdown so the routers withdraw this node's routes at once.
 * Exit codes: 0 clean stop, 2 usage, 3 invalid configuration, 1 failure.
 */
import { hostname } from 'node:os';
import { systemClock } from '../lib/clock.js';
import { createLogger } from '../lib/log.js';
import { ConfigError } from '../config/error.js';
import { ControlServer } from '../control/server.js';
import { Agent } from './agent.js';
import { loadAgentConfig } from './config/load.js';
import type { AgentConfig } from './config/model.js';
import { FileSource } from './source/file.js';
import type { Source } from './source/source.js';
import { registerAgentViews } from './views.js';

export interface AgentArgs {
  /** "file:PATH", "kubernetes" or "kubernetes:KUBECONFIG". */
  readonly source: string;
  readonly config: string;
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
  if (spec === 'kubernetes' || spec.startsWith('kubernetes:')) {
    const kubeconfig = spec.slice('kubernetes:'.length) || undefined;
    const { KubernetesSource, loadKubeConfig } = await import('./source/kubernetes.js');
    return new KubernetesSource(loadKubeConfig(kubeconfig), log, { ...cfg.leaderElection, identity: node });
  }
  throw new SourceSpecError(`--source must be file:PATH, kubernetes or kubernetes:KUBECONFIG, not "${spec}"`);
}

export async function runAgent(a: AgentArgs): Promise<number> {
  let cfg: AgentConfig;
  try {
    cfg = await loadAgentConfig(a.config);
  } catch (e) {
    if (e instanceof ConfigError) { process.stderr.write(`${e.message}\n`); return 3; }
    throw e;
  }
  const node = a.node ?? process.env['NODE_NAME'] ?? hostname();
  const log = createLogger('vipgate-agent', a.logLevel ?? 'info');
  for (const w of cfg.warnings) log.warn(w);
  let source: Source;
  try {
    source = await makeSource(a.source, cfg, node, log);
  } catch (e) {
    if (e instanceof SourceSpecError) { process.stderr.write(`vipgate agent: ${e.message}\n`); return 2; }
    throw e;
  }
  const agent = new Agent({ node, config: cfg, source, clock: systemClock, log });
  const control = new ControlServer(a.socket ?? DEFAULT_AGENT_SOCKET);
  registerAgentViews(control, agent, node);
  await control.listen();
  await agent.start();
  log.info({ node, source: a.source, format: cfg.format, peers: cfg.peers.length, pools: cfg.pools.length }, 'vipgate agent started');
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => { log.info({ signal: sig }, 'stopping'); resolve(); };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await agent.stop();
  await control.close();
  return 0;
}
