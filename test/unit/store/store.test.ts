import { mkdtempSync, rmSync, writeFileSync, readdirSync, openSync, writeSync, closeSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/lib/clock.js';
import { openStore, type StoreOptions } from '../../../src/store/store.js';
import { MIGRATIONS } from '../../../src/store/migrations.js';
import { usedBytes } from '../../../src/store/retention.js';
import type { RouterEvent } from '../../../src/control/views.js';

let dir: string;
let clock: FakeClock;
let wall: number;
const reports: string[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vg-store-'));
  clock = new FakeClock();
  wall = 1_700_000_000_000;
  reports.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const options = (extra: Partial<StoreOptions> = {}): StoreOptions => ({
  clock, wallClock: () => wall, report: (m) => reports.push(m), ...extra,
});

const nh = (...gws: string[]) => gws.map((gateway) => ({ gateway, weight: 1 }));
const routes = (at: number, prefix: string, oldGws: string[], newGws: string[]): RouterEvent => ({
  type: 'routes', at, changes: [{ prefix, oldNexthops: nh(...oldGws), newNexthops: nh(...newGws), reason: newGws.length ? 'multipath' : 'withdrawn' }],
});

describe('HistoryStore', () => {
  it('creates the schema at the latest version, WAL, and reopens without migrating again', () => {
    const path = join(dir, 'h.db');
    const s = openStore(path, options());
    expect(s.integrity).toBe('ok');
    s.close();
    const db = new Database(path);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
    db.close();
    const again = openStore(path, options());
    expect(again.integrity).toBe('ok');
    again.close();
  });

  it('writes queued events in one batch when the flush timer fires, not before', () => {
    const s = openStore(join(dir, 'h.db'), options({ flushMs: 500 }));
    s.record({ type: 'peer', at: wall, peer: '10.0.0.2', from: 'OpenConfirm', to: 'Established' });
    s.record(routes(wall, '172.20.1.1/32', [], ['10.0.0.2', '10.0.0.3']));
    s.record({ type: 'failover', at: wall, peer: '10.0.0.3', reason: 'hold timer expired', prefixes: 4, durationMs: 12.5 });
    clock.advance(499);
    expect(s.queries.count('route_changes')).toBe(0);
    clock.advance(1);
    expect(s.written).toBe(3);
    expect(s.queries.count('peer_events')).toBe(1);
    expect(s.queries.routeHistory('172.20.1.1/32', 10)).toEqual([
      { at: wall, prefix: '172.20.1.1/32', oldNexthops: [], newNexthops: nh('10.0.0.2', '10.0.0.3'), reason: 'multipath' },
    ]);
    expect(s.charts(3_600_000, 60_000).failovers).toEqual([{ at: wall, peer: '10.0.0.3', durationMs: 12.5, prefixes: 4 }]);
    s.close();
  });

  it('keeps a config revision only when its hash changed', () => {
    const s = openStore(join(dir, 'h.db'), options());
    s.record({ type: 'config', at: wall, hash: 'a', text: 'asn: 1' });
    s.record({ type: 'config', at: wall + 1, hash: 'a', text: 'asn: 1' });
    s.record({ type: 'config', at: wall + 2, hash: 'b', text: 'asn: 2' });
    s.close();
    const reopened = openStore(join(dir, 'h.db'), options());
    reopened.record({ type: 'config', at: wall + 3, hash: 'b', text: 'asn: 2' });
    reopened.flush();
    expect(reopened.queries.count('config_revisions')).toBe(2);
    reopened.close();
  });

  it('bounds the queue: the oldest rows are dropped and counted', () => {
    const s = openStore(join(dir, 'h.db'), options({ maxPending: 3 }));
    for (let i = 0; i < 5; i++) s.record(routes(wall + i, `10.1.0.${i}/32`, [], ['10.0.0.2']));
    expect(s.dropped).toBe(2);
    expect(s.flush()).toBe(3);
    expect(s.queries.routeHistory('10.1.0.0/32', 1)).toEqual([]);
    expect(s.queries.routeHistory('10.1.0.4/32', 1)).toHaveLength(1);
    s.close();
  });

  it('charts: route count samples, flaps per bucket (sessions leaving Established)', () => {
    const s = openStore(join(dir, 'h.db'), options());
    s.sample(3, 3);
    wall += 60_000;
    s.sample(2, 2);
    s.record({ type: 'peer', at: wall, peer: 'a', from: 'Established', to: 'Idle' });
    s.record({ type: 'peer', at: wall + 1, peer: 'b', from: 'Established', to: 'Idle' });
    s.record({ type: 'peer', at: wall + 2, peer: 'a', from: 'Idle', to: 'Connect' });
    s.flush();
    const c = s.charts(3_600_000, 60_000);
    expect(c.routeCounts.map((p) => p.value)).toEqual([3, 2]);
    expect(c.flaps).toEqual([{ at: Math.floor(wall / 60_000) * 60_000, value: 2 }]);
    s.close();
  });

  it('retention by age removes old rows, by size removes the oldest until under the limit', () => {
    const s = openStore(join(dir, 'h.db'), options({ retention: { maxAgeMs: 86_400_000, maxBytes: 200 * 1024 } }));
    s.record(routes(wall - 2 * 86_400_000, '10.9.9.9/32', [], ['10.0.0.2']));
    for (let i = 0; i < 5000; i++) s.record(routes(wall - 5000 + i, `10.2.${i >> 8}.${i & 255}/32`, ['10.0.0.2'], ['10.0.0.2', '10.0.0.3', '10.0.0.4']));
    s.flush();
    expect(s.prune()).toBeGreaterThan(1);
    expect(s.queries.routeHistory('10.9.9.9/32', 1)).toEqual([]);
    // the newest row survives, the oldest of the recent ones went for size
    expect(s.queries.routeHistory('10.2.19.135/32', 1)).toHaveLength(1);
    expect(s.queries.routeHistory('10.2.0.0/32', 1)).toEqual([]);
    s.close();
    const db = new Database(join(dir, 'h.db'));
    expect(usedBytes(db)).toBeLessThanOrEqual(200 * 1024);
    db.close();
  });

  it('a file that is not a database is moved aside and a new history started', () => {
    const path = join(dir, 'h.db');
    writeFileSync(path, Buffer.alloc(8192, 0x5a));
    const s = openStore(path, options());
    expect(s.integrity).not.toBe('ok');
    expect(reports.join('\n')).toMatch(/moved to .*h\.db\.corrupt-/);
    expect(readdirSync(dir).some((f) => f.startsWith('h.db.corrupt-'))).toBe(true);
    s.record(routes(wall, '10.0.0.0/24', [], ['10.0.0.2']));
    expect(s.flush()).toBe(1);
    s.close();
  });

  it('a damaged page is found by integrity_check at start', () => {
    const path = join(dir, 'h.db');
    const s = openStore(path, options());
    for (let i = 0; i < 3000; i++) s.record(routes(wall + i, `10.3.${i >> 8}.${i & 255}/32`, [], ['10.0.0.2']));
    s.close();
    // overwrite the middle of the file (index and table pages) with garbage
    const size = statSync(path).size;
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0x01), 0, 4096, Math.floor(size / 4096 / 2) * 4096);
    closeSync(fd);
    const again = openStore(path, options());
    expect(again.integrity).not.toBe('ok');
    expect(again.queries.count('route_changes')).toBe(0);
    again.close();
  });
});
