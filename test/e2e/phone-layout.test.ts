/**
 * The status pages as people look at them, in headless chromium at desktop width (1200 px) and at phone
 * width (400 px), with the lab's names (k8s-m, k8s-w1, k8s-w2), IPv4 and IPv6 Service IPs, long Service
 * names, the history's charts and the node agents' reports: at 400 px no table scrolls sideways (no
 * scroll container is wider inside than out, the page neither) and no name breaks across lines (every
 * .name element is one line box). Screenshots of every page at both widths go to .test-results/e2e/
 * (layout-<page>-<width>.png), to be looked at.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/lib/clock.js';
import { openStore, type HistoryStore } from '../../src/store/store.js';
import { ClusterView } from '../../src/telemetry/cluster-view.js';
import { startWeb, type WebServer } from '../../src/web/server.js';
import { launchChromium, SHOTS, type Browser } from './browser.js';
import { FakeRouter } from './fake-router.js';

const V4 = '172.20.1.1/32';
const V6 = 'fd00:172:20::1/128';
const TOKEN = 'e2e-admin-token-123';
let browser: Browser;
let web: WebServer;
let store: HistoryStore;

beforeAll(async () => {
  const fake = new FakeRouter();
  for (const [i, name] of ['k8s-m', 'k8s-w1', 'k8s-w2'].entries()) {
    fake.addNode(`192.168.10.${[10, 101, 102][i]}`, name, i + 1);
    fake.up(`192.168.10.${[10, 101, 102][i]}`, [V4, '172.20.1.2/32', V6]);
  }
  fake.addNode('192.168.10.103', 'k8s-worker-with-a-long-name');
  const clock = new FakeClock();
  store = openStore(':memory:', { clock, wallClock: () => fake.now });
  for (let i = 0; i < 30; i++) { store.sample(3 + (i % 3), 3); fake.now += 60_000; }
  store.record({ type: 'peer', at: fake.now, peer: '192.168.10.102', from: 'Established', to: 'Idle' });
  store.record({ type: 'failover', at: fake.now, peer: '192.168.10.102', reason: 'BFD down', prefixes: 3, durationMs: 271.4 });
  store.flush();
  const agents = new ClusterView('lab', 'k8s-rtr', () => fake.now);
  const put = (topic: string, payload: unknown) => agents.apply(`vipgate/lab/${topic}`, new TextEncoder().encode(JSON.stringify(payload)));
  for (const node of ['k8s-m', 'k8s-w1', 'k8s-w2']) {
    agents.apply(`vipgate/lab/${node}/status`, new TextEncoder().encode('online'));
    put(`${node}/agent`, { node, synced: true, leader: node === 'k8s-m', stopMode: 'graceful-shutdown', assignments: {}, failures: {},
      peers: [{ name: '192.168.10.254', address: '192.168.10.254', state: 'Established', announced: 3, bfd: { state: 'Up', diagnostic: 'None' } }] });
    put(`${node}/services/monitoring_prometheus-kube-state-metrics`, { service: 'monitoring/prometheus-kube-state-metrics', ips: ['172.20.1.1', 'fd00:172:20::1'],
      trafficPolicy: 'Cluster', localEndpoints: 1, announcedTo: ['192.168.10.254'] });
  }
  web = await startWeb({ host: '127.0.0.1', port: 0, source: fake, now: () => fake.now, history: store, adminToken: TOKEN,
    cluster: { source: agents, ownAddresses: ['192.168.10.254'] } });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await web?.close();
  store?.close();
});

/** What is wrong with the layout: containers that scroll sideways, names broken across lines. */
async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const out = [];
    if (document.documentElement.scrollWidth > window.innerWidth) out.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + window.innerWidth);
    for (const el of document.querySelectorAll('.scroll, table')) {
      if (el.scrollWidth > el.clientWidth + 1) out.push('scrolls sideways: ' + el.outerHTML.slice(0, 80) + ' (' + el.scrollWidth + ' > ' + el.clientWidth + ')');
    }
    for (const el of document.querySelectorAll('.name')) {
      if (el.getClientRects().length > 1) out.push('name broken across lines: ' + el.textContent);
    }
    return out;
  })()`) as Promise<string[]>;
}

const PAGES: readonly [string, string][] = [
  ['overview', '/'], ['vip-v4', `/vip?prefix=${encodeURIComponent(V4)}`], ['vip-v6', `/vip?prefix=${encodeURIComponent(V6)}`], ['cluster', '/cluster'], ['admin', '/admin'],
];

describe('the pages at desktop and phone width', () => {
  it.each([1200, 400])('at %i px: nothing scrolls sideways, no name breaks; screenshots', async (width) => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${web.url}/admin`);
    // the browser context keeps the session cookie of an earlier run
    if (await page.getByLabel('Admin token').count()) {
      await page.getByLabel('Admin token').fill(TOKEN);
      await page.getByRole('button', { name: 'Log in' }).click();
    }
    for (const [name, path] of PAGES) {
      await page.goto(`${web.url}${path}`);
      expect(await page.locator('.name').count(), `${name} marks its names`).toBeGreaterThan(0);
      expect(await layoutProblems(page), `${name} at ${width} px`).toEqual([]);
      await page.screenshot({ path: join(SHOTS, `layout-${name}-${width}.png`), fullPage: true });
    }
    await page.close();
  });

  it('the check finds what it looks for (it can fail)', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 400, height: 900 });
    await page.setContent('<div class="scroll" style="overflow-x:auto"><table><tr><td style="white-space:nowrap">' + 'x'.repeat(200)
      + '</td></tr></table></div><p style="width:60px"><span class="name">k8s-worker-with-a-long-name</span></p>');
    const problems = await layoutProblems(page);
    expect(problems.some((p) => p.startsWith('scrolls sideways'))).toBe(true);
    expect(problems.some((p) => p.startsWith('name broken across lines'))).toBe(true);
    await page.close();
  });
});
