/**
 * Retention: rows older than the age limit go; then, while the live data is larger than the size limit,
 * the oldest tenth of every table goes (bounded number of rounds); freed pages go back to the file system
 * through incremental vacuum.
 */
import type Database from 'better-sqlite3';
import { HISTORY_TABLES } from './migrations.js';

export interface RetentionPolicy {
  /** Rows older than this go (milliseconds). */
  readonly maxAgeMs: number;
  /** Live data above this many bytes: oldest rows go until it is below. */
  readonly maxBytes: number;
}

/** Bytes in pages that hold data (free pages excluded). */
export function usedBytes(db: Database.Database): number {
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pages = db.pragma('page_count', { simple: true }) as number;
  const free = db.pragma('freelist_count', { simple: true }) as number;
  return (pages - free) * pageSize;
}

const MAX_ROUNDS = 40;

/** Apply the policy at wall time `now`; returns the number of rows deleted. */
export function prune(db: Database.Database, policy: RetentionPolicy, now: number): number {
  let deleted = 0;
  db.transaction(() => {
    for (const t of HISTORY_TABLES) deleted += db.prepare(`DELETE FROM ${t} WHERE at < ?`).run(now - policy.maxAgeMs).changes;
  })();
  for (let round = 0; round < MAX_ROUNDS && usedBytes(db) > policy.maxBytes; round++) {
    let removed = 0;
    db.transaction(() => {
      for (const t of HISTORY_TABLES) {
        // the newest configuration revision stays whatever the size: it is the one in force
        const keep = t === 'config_revisions' ? ' AND id < (SELECT MAX(id) FROM config_revisions)' : '';
        removed += db.prepare(`DELETE FROM ${t} WHERE id IN (SELECT id FROM ${t} ORDER BY id LIMIT (SELECT (COUNT(*) + 9) / 10 FROM ${t}))${keep}`).run().changes;
      }
    })();
    deleted += removed;
    if (removed === 0) break;
  }
  db.pragma('incremental_vacuum');
  return deleted;
}
