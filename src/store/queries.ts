/** Reading the history back: chart series and one prefix's route changes (the web page's HistorySource). */
import type Database from 'better-sqlite3';
import type { HistoryTable } from './migrations.js';
import type { HistoryView, NexthopView, RouteChangeView, SamplePoint } from '../control/views.js';

export interface RecentPeerEvent { readonly at: number; readonly peer: string; readonly from: string; readonly to: string; readonly reason: string | null }

export class HistoryQueries {
  constructor(private readonly db: Database.Database) {}

  charts(windowMs: number, bucketMs: number, now: number): HistoryView {
    const since = now - windowMs;
    const routeCounts = this.db.prepare<[number], SamplePoint>('SELECT at, routes AS value FROM samples WHERE at >= ? ORDER BY at').all(since);
    const b = Math.max(1, Math.floor(bucketMs));
    const flaps = this.db.prepare<[number], SamplePoint>(
      `SELECT (at / ${b}) * ${b} AS at, COUNT(*) AS value FROM peer_events
       WHERE at >= ? AND from_state = 'Established' GROUP BY at / ${b} ORDER BY 1`,
    ).all(since);
    const failovers = this.db.prepare<[number], { at: number; peer: string; durationMs: number; prefixes: number }>(
      'SELECT at, peer, duration_ms AS durationMs, prefixes FROM (SELECT * FROM failovers WHERE at >= ? ORDER BY id DESC LIMIT 50) ORDER BY id',
    ).all(since);
    return { routeCounts, flaps, failovers };
  }

  routeHistory(prefix: string, limit: number): (RouteChangeView & { at: number })[] {
    const rows = this.db.prepare<[string, number], { at: number; prefix: string; old_nexthops: string; new_nexthops: string; reason: string }>(
      'SELECT at, prefix, old_nexthops, new_nexthops, reason FROM route_changes WHERE prefix = ? ORDER BY id DESC LIMIT ?',
    ).all(prefix, limit);
    return rows.map((r) => ({
      at: r.at, prefix: r.prefix, reason: r.reason,
      oldNexthops: JSON.parse(r.old_nexthops) as NexthopView[], newNexthops: JSON.parse(r.new_nexthops) as NexthopView[],
    }));
  }

  recentPeerEvents(limit: number): RecentPeerEvent[] {
    return this.db.prepare<[number], RecentPeerEvent>(
      'SELECT at, peer, from_state AS "from", to_state AS "to", reason FROM peer_events ORDER BY id DESC LIMIT ?',
    ).all(limit);
  }

  latestConfigHash(): string | undefined {
    return this.db.prepare<[], { hash: string }>('SELECT hash FROM config_revisions ORDER BY id DESC LIMIT 1').get()?.hash;
  }

  count(table: HistoryTable): number {
    return (this.db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).get()?.n) ?? 0;
  }
}
