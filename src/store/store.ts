/**
 * The router's history in SQLite: config revisions, peer state changes, route changes, failovers and
 * route count samples. Events are queued and written in batches, one transaction per batch every
 * `flushMs`, to spare the SD card; the queue is bounded (oldest rows dropped and counted). A write error
 * (SQLITE_FULL: the disk is full) stops the history, is reported once, and never reaches routing.
 */
import type Database from 'better-sqlite3';
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { HistorySource, HistoryView, RouterEvent } from '../control/views.js';
import { openDatabase } from './database.js';
import { HistoryQueries } from './queries.js';
import { prune, type RetentionPolicy } from './retention.js';
import { prepareInserts, rowsOf, type Inserts, type Row } from './rows.js';

export interface StoreOptions {
  readonly clock: Clock;
  /** Milliseconds since 1970, stamped on rows. */
  readonly wallClock?: () => number;
  readonly flushMs?: number;
  /** Rows waiting for the next batch before the oldest are dropped. */
  readonly maxPending?: number;
  readonly retention?: RetentionPolicy;
  readonly pruneEveryMs?: number;
  /** History stopped (or a damaged database was set aside): say so in the logs. */
  readonly report?: (message: string, error?: unknown) => void;
}

export const STORE_DEFAULTS = {
  flushMs: 1000,
  maxPending: 50_000,
  retention: { maxAgeMs: 30 * 86_400_000, maxBytes: 64 * 1024 * 1024 },
  pruneEveryMs: 600_000,
} as const;

export class HistoryStore implements HistorySource {
  readonly integrity: string;
  readonly queries: HistoryQueries;
  /** Rows dropped: the queue was full, or history had stopped. */
  dropped = 0;
  /** Rows committed since open. */
  written = 0;
  /** Why history stopped (undefined while it runs). */
  stopped: string | undefined;
  private readonly db: Database.Database;
  private readonly inserts: Inserts;
  private pending: Row[] = [];
  private lastConfigHash: string | undefined;
  private flushTimer?: TimerHandle;
  private pruneTimer?: TimerHandle;
  private readonly wall: () => number;
  private readonly opts: Required<Omit<StoreOptions, 'report' | 'wallClock'>> & Pick<StoreOptions, 'report'>;

  constructor(path: string, options: StoreOptions) {
    this.wall = options.wallClock ?? Date.now;
    this.opts = { ...STORE_DEFAULTS, ...options };
    const opened = openDatabase(path, this.wall);
    this.db = opened.db;
    this.integrity = opened.integrity;
    if (opened.movedAside) this.opts.report?.(`history database failed integrity_check (${opened.integrity}); moved to ${opened.movedAside}, starting a new one`);
    this.inserts = prepareInserts(this.db);
    this.queries = new HistoryQueries(this.db);
    this.lastConfigHash = this.queries.latestConfigHash();
    this.scheduleFlush();
    this.schedulePrune();
  }

  /** Queue an event's rows for the next batch (a config revision only when it differs from the last). */
  record(e: RouterEvent): void {
    if (e.type === 'config') {
      if (e.hash === this.lastConfigHash) return;
      this.lastConfigHash = e.hash;
    }
    this.enqueue(rowsOf(e));
  }

  /** Queue a route count sample (for the route count chart). */
  sample(routes: number, established: number): void {
    this.enqueue([{ table: 'samples', values: [this.wall(), routes, established] }]);
  }

  private enqueue(rows: readonly Row[]): void {
    if (this.stopped !== undefined) { this.dropped += rows.length; return; }
    for (const r of rows) this.pending.push(r);
    const over = this.pending.length - this.opts.maxPending;
    if (over > 0) { this.pending.splice(0, over); this.dropped += over; }
  }

  /** Write every queued row in one transaction; returns how many were committed. */
  flush(): number {
    const batch = this.pending;
    if (batch.length === 0 || this.stopped !== undefined) return 0;
    this.pending = [];
    try {
      this.db.transaction(() => { for (const r of batch) this.inserts[r.table].run(...r.values); })();
    } catch (e) {
      this.stop(e, batch.length);
      return 0;
    }
    this.written += batch.length;
    return batch.length;
  }

  /** Apply retention now; returns rows deleted. */
  prune(): number {
    if (this.stopped !== undefined) return 0;
    try {
      return prune(this.db, this.opts.retention, this.wall());
    } catch (e) {
      this.stop(e, 0);
      return 0;
    }
  }

  private stop(e: unknown, lost: number): void {
    const code = (e as { code?: string }).code;
    this.stopped = code === 'SQLITE_FULL' ? 'disk full' : `write failed: ${code ?? (e instanceof Error ? e.message : String(e))}`;
    this.dropped += lost + this.pending.length;
    this.pending = [];
    this.opts.report?.(`history stopped (${this.stopped}); routing carries on`, e);
  }

  private scheduleFlush(): void {
    const { clock } = this.opts;
    this.flushTimer = clock.at(clock.now() + this.opts.flushMs, () => { this.flush(); this.scheduleFlush(); });
  }

  private schedulePrune(): void {
    const { clock } = this.opts;
    this.pruneTimer = clock.at(clock.now() + this.opts.pruneEveryMs, () => { this.prune(); this.schedulePrune(); });
  }

  charts(windowMs: number, bucketMs: number): HistoryView { return this.queries.charts(windowMs, bucketMs, this.wall()); }

  routeHistory(prefix: string, limit: number): ReturnType<HistorySource['routeHistory']> { return this.queries.routeHistory(prefix, limit); }

  /** Last batch written, timers stopped, database closed. */
  close(): void {
    this.flushTimer?.cancel();
    this.pruneTimer?.cancel();
    this.flush();
    this.db.close();
  }
}

/** Open (create, migrate, check) the history database at `path`. */
export function openStore(path: string, options: StoreOptions): HistoryStore {
  return new HistoryStore(path, options);
}
