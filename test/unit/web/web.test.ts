import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/lib/clock.js';
import { openStore } from '../../../src/store/store.js';
import { startWeb, type WebOptions, type WebServer } from '../../../src/web/server.js';
import { barChart, lineChart } from '../../../src/web/svg.js';
import { esc, duration } from '../../../src/web/html.js';
import { EventRing } from '../../../src/web/model.js';
import { MAX_ROWS } from '../../../src/web/pages.js';
import { FakeRouter } from '../../e2e/fake-router.js';
import { sse } from './sse.js';

const VIP = '172.20.1.1/32';
const TOKEN = 'correct-horse-battery';
const servers: WebServer[] = [];
afterEach(async () => { for (const s of servers.splice(0)) await s.close(); });

const cluster = () => FakeRouter.withNodes(VIP, [1, 2, 3]);

async function web(source: FakeRouter, extra: Partial<WebOptions> = {}): Promise<WebServer> {
  const s = await startWeb({ host: '127.0.0.1', port: 0, source, now: () => source.now, throttleMs: 10, ...extra });
  servers.push(s);
  return s;
}

describe('web status page', () => {
  it('overview: peers, the Service IP with three weighted next hops, ECMP group, events; only local assets', async () => {
    const s = await web(cluster());
    const res = await fetch(`${s.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    for (const n of ['node1', 'node2', 'node3']) expect(html).toContain(`<th scope="row" role="rowheader"><span class="name" title="${n}">${n}</span> <span class="muted">`);
    expect(html).toContain(`<a href="/vip?prefix=172.20.1.1%2F32">172.20.1.1/32</a>`);
    expect(html).toContain('via 10.0.0.13</span> weight 3 <span class="share">(50%)</span>');
    expect(html).toContain('10.0.0.11×1, 10.0.0.12×2, 10.0.0.13×3');
    expect(html).toContain('<strong id="peers-up">3 of 3</strong>');
    for (const m of html.matchAll(/(?:src|href)="([^"]*)"/g)) expect(m[1]).toMatch(/^[/#]/);
    expect(await (await fetch(`${s.url}/assets/app.js`)).text()).toContain('EventSource');
  });

  it('Service IP page: nodes, weights, shares and since when', async () => {
    const f = cluster();
    f.now += 90_000;
    const s = await web(f);
    const html = await (await fetch(`${s.url}/vip?prefix=${encodeURIComponent(VIP)}`)).text();
    expect(html).toContain('<strong id="vip-count">3</strong> nodes serve 172.20.1.1/32');
    expect(html).toContain('<th scope="row" role="rowheader"><span class="name" title="node2">node2</span></th><td role="cell" data-label="Next hop">10.0.0.12</td><td role="cell" data-label="Weight">2</td>');
    expect(html).toContain('<time datetime="2023-11-14T22:13:20.000Z">');
    expect(html).toContain('(1m 30s)');
    const gone = await (await fetch(`${s.url}/vip?prefix=10.9.9.9%2F32`)).text();
    expect(gone).toContain('10.9.9.9/32 is not installed');
  });

  it('live updates: the overview stream sends the new state when a node goes down', async () => {
    const f = cluster();
    const s = await web(f);
    const stream = await sse(`${s.url}/events?view=overview`);
    try {
      const first = await stream.next();
      expect(first.html).toContain('3 of 3');
      f.down('10.0.0.12', 'hold timer expired', 4.2);
      const second = await stream.next();
      expect(second.version).toBe(first.version + 1);
      expect(second.html).toContain('2 of 3');
      expect(second.html).toContain('10.0.0.11×1, 10.0.0.13×3');
      expect(second.html).toContain('failover: <strong>10.0.0.12</strong> lost, 1 routes moved in 4.20 ms');
    } finally {
      stream.close();
    }
  });

  it('is read-only without a token', async () => {
    const f = cluster();
    const s = await web(f);
    expect((await fetch(`${s.url}/admin`)).status).toBe(404);
    expect((await fetch(`${s.url}/admin/clear`, { method: 'POST', body: 'peer=*', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(404);
    expect((await fetch(`${s.url}/api/clear`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
    expect(f.cleared).toEqual([]);
  });

  it('admin: token login, CSRF token and same origin required to reset a session', async () => {
    const f = cluster();
    const s = await web(f, { adminToken: TOKEN });
    const form = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) => fetch(`${s.url}${path}`, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
    expect((await form('/admin/login', { token: 'wrong-token-123' })).status).toBe(403);
    const login = await form('/admin/login', { token: TOKEN });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect(login.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    const adminHtml = await (await fetch(`${s.url}/admin`, { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(adminHtml)![1]!;
    expect(adminHtml).toContain('<label for="token">'.slice(0, 0) + 'Reset the session with 10.0.0.12');

    expect((await form('/admin/clear', { peer: '10.0.0.12' }, { cookie })).status).toBe(403);
    expect((await form('/admin/clear', { peer: '10.0.0.12', csrf: `${csrf}x` }, { cookie })).status).toBe(403);
    expect((await form('/admin/clear', { peer: '10.0.0.12', csrf }, { cookie, origin: 'http://evil.example' })).status).toBe(403);
    expect((await form('/admin/clear', { peer: '10.0.0.12', csrf })).status).toBe(401);
    expect(f.cleared).toEqual([]);
    const ok = await form('/admin/clear', { peer: '10.0.0.12', csrf }, { cookie, origin: s.url });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/admin?reset=10.0.0.12');
    expect(f.cleared).toEqual(['10.0.0.12']);

    const api = (auth: string) => fetch(`${s.url}/api/clear`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ peer: '10.0.0.13' }) });
    expect((await api('Bearer nope-nope-nope')).status).toBe(401);
    expect(await (await api(`Bearer ${TOKEN}`)).json()).toEqual({ reset: ['10.0.0.13'] });
  });

  it('a token shorter than 12 characters is refused', async () => {
    await expect(startWeb({ host: '127.0.0.1', port: 0, source: cluster(), adminToken: 'short' })).rejects.toThrow(/at least 12/);
  });

  it('charts from the history database', async () => {
    const f = cluster();
    const clock = new FakeClock();
    const store = openStore(':memory:', { clock, wallClock: () => f.now });
    try {
      store.sample(3, 3);
      f.now += 60_000;
      store.sample(2, 2);
      store.record({ type: 'peer', at: f.now, peer: '10.0.0.13', from: 'Established', to: 'Idle' });
      store.record({ type: 'failover', at: f.now, peer: '10.0.0.13', reason: 'x', prefixes: 1, durationMs: 12 });
      store.record({ type: 'routes', at: f.now, changes: [{ prefix: VIP, oldNexthops: [{ gateway: '10.0.0.13', weight: 3 }], newNexthops: [], reason: 'withdrawn' }] });
      store.flush();
      const s = await web(f, { history: store });
      const html = await (await fetch(`${s.url}/`)).text();
      expect(html).toContain('<title id="c-routes-t">Installed routes</title><desc id="c-routes-d">2 samples, latest 2, highest 3</desc>');
      expect(html).toContain('<title>10.0.0.13: 12 ms</title>');
      const vip = await (await fetch(`${s.url}/vip?prefix=${encodeURIComponent(VIP)}`)).text();
      expect(vip).toContain('10.0.0.13×3 → none <span class="muted">withdrawn</span>');
    } finally {
      store.close();
    }
  });
});

describe('page helpers', () => {
  it('escapes text for HTML', () => {
    expect(esc(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
  it('durations', () => {
    expect([duration(5), duration(303), duration(7800), duration(277_200)]).toEqual(['5s', '5m 3s', '2h 10m', '3d 5h']);
  });
  it('charts: a step line through the samples, bars scaled to the highest, a note when empty', () => {
    const line = lineChart('l', 'Routes', [{ at: 0, value: 0 }, { at: 10, value: 4 }]);
    expect(line).toContain('<polyline class="line" points="52.0,102.0 312.0,102.0 312.0,8.0"/>');
    const bars = barChart('b', 'Times', [1, 2]);
    expect(bars.match(/<rect /g)).toHaveLength(2);
    expect(bars).toContain('height="94.0"');
    expect(lineChart('e', 'Empty', [])).toContain('No data yet.');
  });
});

describe('recent events', () => {
  it('lists sessions reaching or leaving Established, not every FSM step', () => {
    const ring = new EventRing(3);
    for (const [from, to] of [['Idle', 'Connect'], ['Connect', 'OpenSent'], ['OpenConfirm', 'Established'], ['Established', 'Idle']]) {
      ring.push({ type: 'peer', at: 0, peer: 'p', from: from!, to: to! });
    }
    ring.push({ type: 'config', at: 0, hash: 'h', text: '' });
    ring.push({ type: 'failover', at: 1, peer: 'p', reason: 'r', prefixes: 1, durationMs: 1 });
    ring.push({ type: 'routes', at: 2, changes: [] });
    expect(ring.recent().map((e) => e.type)).toEqual(['routes', 'failover', 'peer']);
  });
});

describe('large tables', () => {
  it('the overview lists at most MAX_ROWS Service IPs and says how many there are', async () => {
    const f = FakeRouter.withNodes(VIP, [1]);
    f.up('10.0.0.11', Array.from({ length: MAX_ROWS + 20 }, (_, i) => `10.60.${i >> 8}.${i & 255}/32`));
    const s = await web(f);
    const html = await (await fetch(`${s.url}/`)).text();
    expect(html.match(/<a href="\/vip\?prefix=/g)).toHaveLength(MAX_ROWS);
    expect(html).toContain(`The first ${MAX_ROWS} of ${MAX_ROWS + 20} routes are listed`);
    expect(html).toContain(`<td role="cell" data-label="Routes">${MAX_ROWS + 20} <span class="muted">`);
  });
});
