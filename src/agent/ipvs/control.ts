/**
 * The IPVS data plane's life in the agent, following `ipvs.enabled` live:
 * - enabled: the data plane starts (and gets the last snapshot at once); with the Kubernetes source it
 *   programs only ipMode Proxy ingress IPs and leaves spec.externalIPs to kube-proxy (they have no ipMode);
 * - turned off (at a reload): it stops and undoes everything its ownership record lists (virtual services,
 *   addresses, the interface if it made it, its nft table, the sysctls' earlier values);
 * - off at start with a record left by an earlier run: that record is undone (`ipvs.enabled: false` after
 *   the agent ran with it, also across a restart);
 * - stop: the node is left as it is (a restarted agent adopts it) unless `teardown` (the node is being
 *   deleted, or uninstall).
 * Also what `show agent ipvs` and the MQTT summary report, and `vipgate agent cleanup`.
 */
import { existsSync } from 'node:fs';
import type { Logger } from '../../lib/log.js';
import type { AgentConfig } from '../config/model.js';
import type { ReconcileResult } from '../ipam/allocator.js';
import type { Snapshot } from '../model.js';
import type { ApiServerVersion } from '../source/api-version.js';
import { startIpvsDataplane, programmerOptions, type IpvsDataplane, type IpvsDataplaneStats, type IpvsState } from './dataplane.js';
import { DEFAULT_STATE_FILE } from './defaults.js';
import { IpvsProgrammer, type TeardownReport } from './programmer.js';

export type AgentIpvsView = { readonly enabled: false; readonly note?: string } | ({ readonly enabled: true; readonly note?: string } & IpvsDataplaneStats);

/** What the agent's MQTT summary says of IPVS. */
export interface IpvsSummary {
  readonly state: IpvsState | 'off';
  readonly reason?: string;
}

export interface IpvsControlOptions {
  readonly log: Logger;
  readonly node: string;
  readonly source: 'file' | 'kubernetes';
  readonly apiServerVersion?: () => ApiServerVersion | undefined;
  /** Serving started or stopped: the agent recomputes (ipMode, announcements). */
  readonly onServingChanged: () => void;
}

export class IpvsControl {
  private plane?: IpvsDataplane;
  private last?: { snapshot: Snapshot; assignments?: ReconcileResult };
  private note?: string;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: IpvsControlOptions) {}

  get serving(): boolean { return this.plane?.state === 'serving'; }

  /** Follow the configuration's `ipvs` (at start and after each reload); changes run one after another. */
  configure(cfg: AgentConfig, starting = false): Promise<void> {
    const next = this.chain.then(() => this.follow(cfg, starting));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async follow(cfg: AgentConfig, starting: boolean): Promise<void> {
    const { log } = this.o;
    const ipvs = cfg.ipvs;
    if (ipvs?.enabled && !this.plane) {
      const externalIPs = cfg.externalIPs.enabled && this.o.source === 'file';
      this.note = cfg.externalIPs.enabled && !externalIPs
        ? 'spec.externalIPs are left to kube-proxy: they have no ipMode, so kube-proxy DNATs them before IPVS would see them' : undefined;
      if (this.note) log.info(this.note);
      this.plane = startIpvsDataplane({
        log, node: this.o.node, interface: ipvs.interface, strictArp: ipvs.strictArp, procSys: ipvs.procSys, stateFile: ipvs.stateFile,
        resyncMs: ipvs.resyncSeconds * 1000, externalIPs, onServingChanged: () => this.o.onServingChanged(),
        ...(cfg.loadBalancerClass ? { loadBalancerClass: cfg.loadBalancerClass } : {}),
        ...(this.o.apiServerVersion ? { apiServerVersion: this.o.apiServerVersion } : {}),
      });
      if (this.last) this.plane.apply(this.last.snapshot, this.last.assignments);
      return;
    }
    if (!ipvs?.enabled && this.plane) {
      log.info('ipvs.enabled is false now: undoing what the IPVS data plane recorded');
      await this.stop(true);
      this.o.onServingChanged();
      return;
    }
    const stateFile = ipvs?.stateFile ?? DEFAULT_STATE_FILE;
    if (!ipvs?.enabled && starting && existsSync(stateFile)) {
      log.info({ stateFile }, 'ipvs.enabled is false and an earlier run left an IPVS record: undoing it');
      try {
        logTeardown(log, await cleanupIpvs({ log, stateFile, ...(ipvs ? { interface: ipvs.interface, procSys: ipvs.procSys } : {}) }));
      } catch (e) {
        log.error({ err: (e as Error).message, stateFile }, 'cannot undo the earlier IPVS record (`vipgate agent cleanup` retries it)');
      }
    }
  }

  apply(snapshot: Snapshot, assignments?: ReconcileResult): void {
    this.last = { snapshot, ...(assignments ? { assignments } : {}) };
    this.plane?.apply(snapshot, assignments);
  }

  async view(): Promise<AgentIpvsView> {
    const note = this.note ? { note: this.note } : {};
    return this.plane ? { enabled: true, ...note, ...(await this.plane.stats()) } : { enabled: false, ...note };
  }

  /** The data plane's figures, undefined while IPVS is off. */
  stats(): Promise<IpvsDataplaneStats | undefined> { return this.plane ? this.plane.stats() : Promise.resolve(undefined); }

  summary(): IpvsSummary {
    return this.plane ? { state: this.plane.state, ...(this.plane.reason ? { reason: this.plane.reason } : {}) } : { state: 'off' };
  }

  /** Stop the data plane; `teardown`: undo what it recorded. */
  async stop(teardown: boolean): Promise<void> {
    const plane = this.plane;
    this.plane = undefined;
    if (!plane) return;
    try {
      await plane.close({ teardown });
    } catch (e) {
      this.o.log.error({ err: (e as Error).message }, 'IPVS teardown failed (`vipgate agent cleanup` retries it)');
    }
  }
}

function logTeardown(log: Logger, r: TeardownReport): void {
  log.info({ removed: r.removed, addresses: r.addresses, interfaceRemoved: r.interfaceRemoved, nftTableRemoved: r.nftTableRemoved,
    sysctlsRestored: r.sysctlsRestored, errors: r.errors }, 'IPVS torn down');
}

/**
 * `vipgate agent cleanup`: undo what the ownership record lists (or, with no record, what an earlier agent
 * without one made on its interface), as the agent's teardown does; works on a kernel without ip_vs.
 */
export async function cleanupIpvs(o: { readonly log: Logger; readonly stateFile: string; readonly interface?: string; readonly procSys?: string }): Promise<TeardownReport> {
  const p = await IpvsProgrammer.open(programmerOptions(o), true);
  try {
    return await p.teardown();
  } finally {
    p.close();
  }
}
