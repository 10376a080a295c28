/**
 * Opening the history database: WAL journal with synchronous=FULL (every committed batch is on disk
 * before the commit returns, so a power cut loses at most the batch being written), incremental
 * auto-vacuum (retention gives pages back to the file system), `PRAGMA integrity_check` at start. A
 * database that fails the check is moved aside and a new one started: history is not worth stopping for.
 */
import { existsSync, renameSync } from 'node:fs';
import Database from 'better-sqlite3';
import { migrate } from './migrations.js';

export interface OpenedDatabase {
  readonly db: Database.Database;
  /** "ok", or what integrity_check said about the file that was moved aside. */
  readonly integrity: string;
  /** Where a damaged file was moved, if one was. */
  readonly movedAside?: string;
  /** Schema version before this open's migrations (0: new file). */
  readonly fromVersion: number;
}

function configure(db: Database.Database): void {
  // auto_vacuum only takes effect on a database with no tables yet; harmless afterwards
  db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 2000');
}

function integrityOf(db: Database.Database): string {
  const rows = db.pragma('integrity_check') as { integrity_check: string }[];
  return rows.map((r) => r.integrity_check).join('; ');
}

export function openDatabase(path: string, wallClock: () => number = Date.now): OpenedDatabase {
  let db = new Database(path);
  let integrity: string;
  try {
    configure(db);
    integrity = integrityOf(db);
  } catch (e) {
    integrity = e instanceof Error ? e.message : String(e);
  }
  let movedAside: string | undefined;
  if (integrity !== 'ok' && path !== ':memory:') {
    db.close();
    movedAside = `${path}.corrupt-${wallClock()}`;
    renameSync(path, movedAside);
    for (const side of ['-wal', '-shm']) if (existsSync(path + side)) renameSync(path + side, movedAside + side);
    db = new Database(path);
    configure(db);
  }
  const fromVersion = migrate(db);
  return { db, integrity, fromVersion, ...(movedAside ? { movedAside } : {}) };
}
