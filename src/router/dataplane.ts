/**
 * The router's data plane beyond its routes, set up at start when the router programs the kernel: the
 * check that no forwarding interface would send ICMP redirects (redirects.ts, a warning per interface in the
 * log and in `vipgate show dataplane`), the router's nft table (nft-table.ts), its prefix sets kept equal to
 * the installed routes (checked every SYNC_MS), and the measured split that joins the table's counters to the
 * routes (traffic-split.ts) for `show routes`, /metrics, MQTT and the page. None of it can hold routing up: a
 * table that cannot be written (no nft) is logged and shown, and the router goes on unmeasured.
 */
import type { Logger } from '../lib/log.js';
import type { NftOptions } from '../nft/nft.js';
import type { DataplaneView } from '../control/dataplane.js';
import type { KernelRouteView } from '../control/views.js';
import { redirectingInterfaces, redirectWarning } from './redirects.js';
import { ROUTER_NFT_TABLE, RouterNftTable, type SplitCounter } from './nft-table.js';
import { withMeasuredSplit } from './traffic-split.js';

export interface DataplaneDeps {
  readonly log: Logger;
  readonly nft?: NftOptions;
  /** Where sysctls are read (default /proc/sys). */
  readonly procSys?: string;
  /** The prefixes the router has installed (the split sets follow them). */
  readonly prefixes: () => readonly string[];
}

/** How often the prefix sets are compared with the routes (written only when they differ). */
const SYNC_MS = 1000;
/** Counters read at most this often; views in between get the last reading. */
const READ_MS = 500;

export class Dataplane {
  private readonly table: RouterNftTable;
  private tableError?: string;
  private timer?: NodeJS.Timeout;
  private syncing = false;
  private last?: { at: number; counters: Promise<SplitCounter[]> };

  private constructor(private readonly deps: DataplaneDeps) {
    this.table = new RouterNftTable(deps.nft);
  }

  /** Write the table and check for redirects; what went wrong is logged, never thrown. */
  static async start(deps: DataplaneDeps): Promise<Dataplane> {
    const d = new Dataplane(deps);
    try {
      await d.table.apply();
    } catch (e) {
      d.tableError = e instanceof Error ? e.message : String(e);
      deps.log.error({ err: e, table: ROUTER_NFT_TABLE }, 'the router\'s nft table could not be written: IPv6 redirects are not dropped');
    }
    for (const i of redirectingInterfaces(deps.procSys)) deps.log.warn({ interface: i.name, all: i.all, own: i.own }, redirectWarning(i));
    if (d.tableError === undefined) {
      await d.sync();
      d.timer = setInterval(() => { void d.sync(); }, SYNC_MS);
      d.timer.unref();
    }
    return d;
  }

  private async sync(): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    try {
      await this.table.setPrefixes(this.deps.prefixes());
    } catch (e) {
      this.deps.log.warn({ err: e, table: ROUTER_NFT_TABLE }, 'the router\'s nft prefix sets could not be written: the traffic split is not measured');
    } finally {
      this.syncing = false;
    }
  }

  /** `routes` with the measured packets and bytes per next hop; unchanged when the table is not in place. */
  async measured(routes: KernelRouteView[]): Promise<KernelRouteView[]> {
    if (this.tableError !== undefined) return routes;
    const now = Date.now();
    if (!this.last || now - this.last.at >= READ_MS) this.last = { at: now, counters: this.table.split().catch(() => []) };
    return withMeasuredSplit(routes, await this.last.counters);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async view(): Promise<DataplaneView> {
    const redirecting = redirectingInterfaces(this.deps.procSys).map((i) => ({ ...i, warning: redirectWarning(i) }));
    const applied = this.tableError === undefined;
    const dropped = applied ? await this.table.redirectsDropped().catch(() => undefined) : undefined;
    return {
      redirecting,
      nftTable: { name: ROUTER_NFT_TABLE, applied, ...(this.tableError ? { error: this.tableError } : {}) },
      ...(dropped !== undefined ? { ipv6RedirectsDropped: dropped } : {}),
    };
  }
}
