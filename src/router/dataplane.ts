/**
 * The router's data plane beyond its routes, set up at start when the router programs the kernel: the
 * check that no forwarding interface would send ICMP redirects (redirects.ts, a warning per interface in the
 * log and in `vipgate show dataplane`) and the router's nft table (nft-table.ts). Neither can hold routing
 * up: a table that cannot be written (no nft) is logged and shown, and the router goes on.
 */
import type { Logger } from '../lib/log.js';
import type { NftOptions } from '../nft/nft.js';
import type { DataplaneView } from '../control/dataplane.js';
import { redirectingInterfaces, redirectWarning } from './redirects.js';
import { ROUTER_NFT_TABLE, RouterNftTable } from './nft-table.js';

export interface DataplaneDeps {
  readonly log: Logger;
  readonly nft?: NftOptions;
  /** Where sysctls are read (default /proc/sys). */
  readonly procSys?: string;
}

export class Dataplane {
  private readonly table: RouterNftTable;
  private tableError?: string;

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
    return d;
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
