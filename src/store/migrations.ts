/**
 * The history database's schema as numbered migrations: migration i brings `PRAGMA user_version` from i
 * to i + 1, each in its own transaction, so a crash during an upgrade leaves the previous version intact.
 */
import type Database from 'better-sqlite3';

/** Index i: the SQL that turns version i into version i + 1. Append only; never edit a shipped entry. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE config_revisions (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, hash TEXT NOT NULL, text TEXT NOT NULL);
   CREATE TABLE peer_events (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, peer TEXT NOT NULL, from_state TEXT NOT NULL,
     to_state TEXT NOT NULL, reason TEXT);
   CREATE TABLE route_changes (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, prefix TEXT NOT NULL, old_nexthops TEXT NOT NULL,
     new_nexthops TEXT NOT NULL, reason TEXT NOT NULL);
   CREATE TABLE failovers (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, peer TEXT NOT NULL, reason TEXT NOT NULL,
     prefixes INTEGER NOT NULL, duration_ms REAL NOT NULL);
   CREATE TABLE samples (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, routes INTEGER NOT NULL, established INTEGER NOT NULL);
   CREATE INDEX peer_events_at ON peer_events (at);
   CREATE INDEX route_changes_at ON route_changes (at);
   CREATE INDEX route_changes_prefix ON route_changes (prefix, at);
   CREATE INDEX failovers_at ON failovers (at);
   CREATE INDEX samples_at ON samples (at);`,
  `CREATE TABLE service_paths (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, prefix TEXT NOT NULL, nexthop TEXT NOT NULL,
     up INTEGER NOT NULL, reason TEXT);
   CREATE INDEX service_paths_at ON service_paths (at);`,
];

/** The tables history rows go to, oldest rows first by id (retention walks them). */
export const HISTORY_TABLES = ['config_revisions', 'peer_events', 'route_changes', 'failovers', 'samples', 'service_paths'] as const;
export type HistoryTable = (typeof HISTORY_TABLES)[number];

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

/** Bring the database to the latest version; returns the version it had before. */
export function migrate(db: Database.Database): number {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > MIGRATIONS.length) {
    throw new MigrationError(`history database is version ${from}, newer than this vipgate knows (${MIGRATIONS.length})`);
  }
  for (let v = from; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return from;
}
