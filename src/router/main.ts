/**
 * `vipgate router --config FILE [--socket PATH] [--check] [--no-fib]`: load and validate the config
 * (every error named with its field; --check prints the warnings and each neighbor's features), open the kernel FIB, start the daemon, reload the file on SIGHUP
 * (or `vipgate reload`), stop cleanly on SIGTERM or
 * SIGINT (sessions closed with Cease/Administrative Shutdown; kernel routes left in place so that a restart
 * changes nothing that did not change).
 */
import { release } from 'node:os';
import { systemClock } from '../lib/clock.js';
import { SdNotify } from '../lib/sd-notify.js';
import { createLogger } from '../lib/log.js';
import { armStopDeadline, STOP_GRACE_SECONDS } from '../lib/stop-deadline.js';
import { ConfigError } from '../config/error.js';
import { readRouterConfig } from '../config/router-config.js';
import { routerCheckReport } from '../config/check-report.js';
import { Fib } from '../fib/fib.js';
import { kernelHasResilientGroups } from '../fib/resilient-support.js';
import { RouterDaemon } from './daemon.js';
import { startObservers, type Observers } from './observers.js';
import { Dataplane } from './dataplane.js';
import { daemonFib } from './fib-port.js';
import { installedRoutes } from './views.js';

export interface RouterArgs {
  readonly config: string;
  readonly socket?: string;
  readonly check: boolean;
  readonly fib: boolean;
  readonly logLevel?: string;
}

/** Returns the process exit code: 0 clean stop, 3 invalid config, 1 failure. */
export async function runRouter(a: RouterArgs, out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  let cfg;
  let text;
  try {
    ({ config: cfg, text } = await readRouterConfig(a.config));
  } catch (e) {
    if (e instanceof ConfigError) { process.stderr.write(`${e.message}\n`); return 3; }
    throw e;
  }
  if (a.check) {
    out(`${a.config}: configuration is valid (${cfg.neighbors.length} neighbors, ${cfg.networks.length} networks)\n${routerCheckReport(cfg)}`);
    return 0;
  }
  const log = createLogger('vipgate-router', a.logLevel ?? cfg.log.level);
  // resilient groups by default, where the kernel has them (fib.resilient: false asks for hash-threshold)
  const res = cfg.fib.resilient;
  if (a.fib && res && !kernelHasResilientGroups()) log.warn({ kernel: release() }, 'the kernel has no resilient nexthop groups (Linux 5.13+): hash-threshold groups');
  const fib = a.fib ? await Fib.open({
    table: cfg.fib.table, metric: cfg.fib.metric, protocol: cfg.fib.protocol,
    ...(res && kernelHasResilientGroups() ? { resilient: { buckets: res.buckets, idleTimerSeconds: res.idleTimer, unbalancedTimerSeconds: res.unbalancedTimer } } : {}),
  }) : undefined;
  if (fib) {
    fib.onEvent = (e) => {
      if (e.type === 'restored') log.warn({ prefixes: e.prefixes.slice(0, 10), count: e.prefixes.length }, 'routes deleted by someone else were restored');
      else if (e.type === 'resync') log.warn({ reason: e.reason, requests: e.result.requests }, 'FIB resynchronised');
      else log.error({ err: e.error }, 'FIB error');
    };
  }
  let dataplane: Dataplane | undefined;
  const port = fib ? daemonFib(fib, { measured: async (routes) => dataplane?.measured(routes) ?? routes }) : undefined;
  const daemon = new RouterDaemon(cfg, { clock: systemClock, log, ...(port ? { fib: port } : {}), controlSocket: a.socket ?? cfg.control.socket, configPath: a.config });
  // the data plane goes with the FIB: a router that programs no kernel writes no nft table either; its views
  // answer from the moment the control socket does
  const dataplaneReady = fib ? Dataplane.start({ log, prefixes: () => installedRoutes(daemon).map((r) => r.prefix) }) : undefined;
  daemon.control?.handle('show dataplane', async () => {
    const d = await dataplaneReady;
    if (!d) throw new Error('the router runs without the kernel FIB (--no-fib): no data plane');
    return d.view();
  });
  await daemon.start();
  dataplane = await dataplaneReady;
  log.info({ asn: cfg.asn, routerId: cfg.routerId, fib: fib?.mode ?? 'off', groups: fib?.mode === 'objects' ? (fib.model.resilient ? 'resilient' : 'hash-threshold') : undefined }, 'vipgate router started');
  // history, MQTT and the web page are optional: if one cannot start, routing goes on without them
  let observers: Observers | undefined;
  try {
    observers = await startObservers(cfg, daemon.status, { clock: systemClock, log, configText: text });
    const cluster = observers.clusterModel;
    daemon.control?.handle('show cluster', () => {
      if (!cluster) throw new Error('no telemetry section: the router reads no node agent reports');
      return cluster();
    });
  } catch (e) {
    log.error({ err: e }, 'history, telemetry or web page failed to start; routing continues without them');
  }
  // routes that a previous run installed and that this run does not want go once the peers had time to
  // come back (FRR's and BIRD's graceful-restart sweep follows the same idea)
  const sweep = setTimeout(() => { void fib?.sweep().then((r) => log.info({ requests: r.requests }, 'stale kernel routes swept')); }, 60_000);
  // under systemd (Type=notify, WatchdogSec): READY=1 now, WATCHDOG=1 every half watchdog interval
  const sd = SdNotify.fromEnv({ clock: systemClock, onError: (e) => log.warn({ err: e }, 'systemd notification failed') });
  await sd?.ready(`${cfg.neighbors.length} neighbors`);
  // SIGHUP (systemctl reload): read the file again and apply what changed; a bad file changes nothing
  const reload = () => {
    void daemon.reloadFile().catch((e: unknown) => log.error(e instanceof ConfigError ? { reason: e.message } : { err: e }, 'reload refused: the running configuration stays'));
  };
  process.on('SIGHUP', reload);
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      log.info({ signal: sig }, 'stopping');
      armStopDeadline(daemon.drainSeconds() + STOP_GRACE_SECONDS, log);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  // a second SIGTERM or SIGINT during the graceful-shutdown drain closes the sessions at once
  const again = new Promise((resolve) => { process.once('SIGTERM', resolve); process.once('SIGINT', resolve); });
  process.off('SIGHUP', reload);
  clearTimeout(sweep);
  await sd?.stopping();
  await daemon.stop(undefined, again);
  await observers?.close();
  dataplane?.stop();
  return 0;
}
