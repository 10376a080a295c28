/**
 * BGP table versions, as FRR keeps them (`show bgp summary`'s "BGP table version", `show ip bgp`'s "BGP
 * table version is N", a prefix's "version N"): per address family a counter that moves each time a
 * prefix's best path or multipath set changes, and per prefix the counter's value at its last change
 * (forgotten when the prefix is withdrawn). Fed by the router's route changes; one map entry per prefix.
 */
import type { Family } from '../lib/address.js';

export class TableVersions {
  private readonly table: Record<Family, number> = { 4: 0, 6: 0 };
  private readonly prefixes = new Map<string, number>();

  /** The prefix `key` of `family` changed; `withdrawn`: it has no path left. */
  changed(key: string, family: Family, withdrawn: boolean): void {
    const v = ++this.table[family];
    if (withdrawn) this.prefixes.delete(key); else this.prefixes.set(key, v);
  }

  of(family: Family): number { return this.table[family]; }

  /** The version of the table when the prefix last changed; 0 for one never seen. */
  prefix(key: string): number { return this.prefixes.get(key) ?? 0; }
}
