/**
 * Aggregate routes (FRR `aggregate-address P [as-set] [summary-only]`, RFC 4271 9.2.2.2): an aggregate is
 * originated while at least one more-specific route of it has a best path, and withdrawn when the last one
 * goes; with summary-only the more-specifics are not exported. The seed summarises the Service pool
 * 172.20.1.0/24 towards the client side this way.
 */
import { parsePrefix, prefixContains, type Prefix } from '../lib/address.js';
import type { RouteChange } from '../bgp/rib/loc-rib.js';
import type { PathAttributes } from '../wire/bgp/types.js';

export interface AggregateConfig { readonly prefix: string; readonly summaryOnly: boolean; readonly asSet: boolean }

interface Aggregate {
  readonly prefix: Prefix;
  readonly key: string;
  readonly summaryOnly: boolean;
  readonly attributes: PathAttributes;
  /** Keys of the more-specific routes that have a best path now. */
  readonly contributors: Set<string>;
}

/** An aggregate that started or stopped being originated. */
export interface AggregateChange { readonly prefix: Prefix; readonly attributes: PathAttributes | undefined }

export class Aggregates {
  private readonly list: Aggregate[];

  constructor(configs: readonly AggregateConfig[], asn: number, routerId: string) {
    this.list = configs.map((c) => ({
      prefix: parsePrefix(c.prefix), key: c.prefix, summaryOnly: c.summaryOnly, contributors: new Set(),
      // RFC 4271 5.1.6/5.1.7: ATOMIC_AGGREGATE when AS information is lost (no AS_SET), AGGREGATOR always
      attributes: { origin: 0, asPath: [], ...(c.asSet ? {} : { atomicAggregate: true }), aggregator: { asn, address: routerId } },
    }));
  }

  private covering(p: Prefix): Aggregate[] {
    return this.list.filter((a) => a.prefix.len < p.len && prefixContains(a.prefix, p));
  }

  /** Follow Loc-RIB changes (routes learned from peers only); returns the aggregates to originate or withdraw. */
  update(changes: readonly RouteChange[]): AggregateChange[] {
    if (this.list.length === 0) return [];
    const out: AggregateChange[] = [];
    for (const c of changes) {
      const present = c.best !== undefined && !c.best.source.local;
      for (const a of this.covering(c.prefix)) {
        const before = a.contributors.size;
        if (present) a.contributors.add(c.key); else a.contributors.delete(c.key);
        if (before === 0 && a.contributors.size > 0) out.push({ prefix: a.prefix, attributes: a.attributes });
        else if (before > 0 && a.contributors.size === 0) out.push({ prefix: a.prefix, attributes: undefined });
      }
    }
    return out;
  }

  /** The aggregates originated now. */
  active(): Prefix[] {
    return this.list.filter((a) => a.contributors.size > 0).map((a) => a.prefix);
  }

  /** summary-only: a more-specific of an active aggregate is not exported. */
  suppressed(p: Prefix): boolean {
    return this.list.some((a) => a.summaryOnly && a.contributors.size > 0 && a.prefix.len < p.len && prefixContains(a.prefix, p));
  }
}
