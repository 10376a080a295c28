/**
 * Router events as history rows: which table each goes to and its column values, and the prepared
 * INSERT per table.
 */
import type Database from 'better-sqlite3';
import type { RouterEvent } from '../control/views.js';
import type { HistoryTable } from './migrations.js';

export type Cell = string | number | null;

export interface Row {
  readonly table: HistoryTable;
  readonly values: readonly Cell[];
}

/** Columns after `id`, in the order Row.values lists them. */
const COLUMNS: Record<HistoryTable, readonly string[]> = {
  config_revisions: ['at', 'hash', 'text'],
  peer_events: ['at', 'peer', 'from_state', 'to_state', 'reason'],
  route_changes: ['at', 'prefix', 'old_nexthops', 'new_nexthops', 'reason'],
  failovers: ['at', 'peer', 'reason', 'prefixes', 'duration_ms'],
  samples: ['at', 'routes', 'established'],
  service_paths: ['at', 'prefix', 'nexthop', 'up', 'reason'],
};

export type Inserts = Record<HistoryTable, Database.Statement<Cell[]>>;

export function prepareInserts(db: Database.Database): Inserts {
  const out = {} as Record<HistoryTable, Database.Statement<Cell[]>>;
  for (const [table, cols] of Object.entries(COLUMNS) as [HistoryTable, readonly string[]][]) {
    out[table] = db.prepare<Cell[]>(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
  }
  return out;
}

/** The rows one event becomes (a batch of route changes: one row per prefix). */
export function rowsOf(e: RouterEvent): Row[] {
  switch (e.type) {
    case 'peer':
      return [{ table: 'peer_events', values: [e.at, e.peer, e.from, e.to, e.reason ?? null] }];
    case 'routes':
      return e.changes.map((c) => ({
        table: 'route_changes' as const,
        values: [e.at, c.prefix, JSON.stringify(c.oldNexthops), JSON.stringify(c.newNexthops), c.reason],
      }));
    case 'failover':
      return [{ table: 'failovers', values: [e.at, e.peer, e.reason, e.prefixes, e.durationMs] }];
    case 'config':
      return [{ table: 'config_revisions', values: [e.at, e.hash, e.text] }];
    case 'service-path':
      return [{ table: 'service_paths', values: [e.at, e.prefix, e.nexthop, e.up ? 1 : 0, e.reason ?? null] }];
  }
}
