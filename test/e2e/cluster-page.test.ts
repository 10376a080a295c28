/**
 * The Cluster page in headless chromium: a router state source the test controls (three nodes announcing
 * one Service IP, one of them down) and the node agents' reports as the router's MQTT view holds them.
 * The page shows each node's agent online/offline, its sessions as it sees them, its Services with this
 * router's verdict per address (agrees, no path from it, still routed via it, no session to compare); a
 * node whose name and payloads carry HTML shows that HTML as text (no element made, no script run); a
 * node going offline changes the open page live. A screenshot is kept in .test-results/e2e/.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterView } from '../../src/telemetry/cluster-view.js';
import { startWeb, type WebServer } from '../../src/web/server.js';
import { launchChromium, SHOTS, type Browser } from './browser.js';
import { FakeRouter } from './fake-router.js';

const VIP = '172.20.1.1/32';
const EVIL = '<img src=x onerror=alert(1)>';
let browser: Browser;
let web: WebServer;
let agents: ClusterView;

const put = (topic: string, payload: string) => agents.apply(`vipgate/home/${topic}`, new TextEncoder().encode(payload));

function report(node: string, services: { name: string; ips: string[]; announcedTo: string[]; policy?: string; local?: number }[]): void {
  put(`${node}/status`, 'online');
  put(`${node}/agent`, JSON.stringify({
    node, synced: true, leader: node === 'node1', stopMode: 'graceful', assignments: { 'default/web': ['172.20.1.1'] }, failures: {},
    peers: [{ name: 'edge', address: '192.168.10.1', state: 'Established', announced: services.length, gracefulRestart: true }],
  }));
  for (const s of services) {
    put(`${node}/services/${s.name.replace('/', '_')}`, JSON.stringify({
      service: s.name, ips: s.ips, trafficPolicy: s.policy ?? 'Cluster', localEndpoints: s.local ?? 1, announcedTo: s.announcedTo,
    }));
  }
}

beforeAll(async () => {
  const fake = FakeRouter.withNodes(VIP, [1, 1, 1]);
  fake.down('10.0.0.12');
  agents = new ClusterView('home', 'edge', () => fake.now);
  report('node1', [{ name: 'default/web', ips: ['172.20.1.1'], announcedTo: ['edge'] }]);
  report('node2', [{ name: 'default/web', ips: ['172.20.1.1'], announcedTo: ['edge'] }]);
  report('node3', [{ name: 'default/web', ips: ['172.20.1.1'], announcedTo: [], policy: 'Local', local: 0 }]);
  put(`${EVIL}/status`, 'offline');
  put(`${EVIL}/agent`, JSON.stringify({
    node: EVIL, synced: false, leader: false, stopMode: '<b>bold</b>', assignments: {}, failures: { '<script>alert(2)</script>': '<i>why</i>' },
    peers: [{ name: '<svg onload=alert(3)>', address: '"><a href=x>', state: '<u>Up</u>' }],
  }));
  put(`${EVIL}/services/x`, JSON.stringify({ service: '<marquee>svc</marquee>', ips: ['<p>1.2.3.4</p>'], trafficPolicy: '&amp;', localEndpoints: 0, announcedTo: ['<em>r</em>'] }));
  web = await startWeb({ host: '127.0.0.1', port: 0, source: fake, now: () => fake.now, cluster: { source: agents, ownAddresses: ['192.168.10.1'] } });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await web?.close();
});

// the few browser globals page.evaluate uses (the test's TypeScript has no DOM library)
declare const document: { documentElement: { scrollWidth: number } };
declare const window: { innerWidth: number };

const texts = (page: Page, selector: string) => page.locator(selector).allTextContents();

describe('Cluster page in chromium', () => {
  it('shows each node agent, its sessions and Services against the router\'s routes, HTML from MQTT as text, and follows a node going offline live', async () => {
    const page = await browser.context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    await page.setViewportSize({ width: 1200, height: 900 });
    await page.goto(`${web.url}/`);
    await page.getByRole('link', { name: 'Cluster' }).click();
    await page.locator('#conn', { hasText: /^live/ }).waitFor({ timeout: 10_000 });

    expect(await page.locator('h1').textContent()).toBe('Cluster');
    expect(await page.locator('#agents-online').textContent()).toBe('3 of 4');
    expect(await page.locator('#disagreements').textContent()).toBe('2');
    expect(await texts(page, 'section.node h2 .node-name')).toEqual([EVIL, 'node1', 'node2', 'node3']);
    expect(await texts(page, 'section.node h2 .badge')).toEqual(['agent offline', 'agent online', 'agent online', '1 disagreement', 'agent online', '1 disagreement']);

    const node = (i: number) => page.locator('section.node').nth(i);
    expect(await node(1).locator('p').first().textContent()).toContain("this router's session with it: Established 10.0.0.11");
    expect(await node(1).locator('table').first().locator('tbody tr').first().textContent()).toContain('edge (this router)192.168.10.1Established1');
    expect(await node(1).locator('[data-agreement]').allTextContents()).toEqual(['172.20.1.1 router agrees router next hops: 10.0.0.11, 10.0.0.13']);
    expect(await node(2).locator('p').first().textContent()).toContain("this router's session with it: Idle 10.0.0.12");
    expect(await node(2).locator('[data-agreement]').getAttribute('data-agreement')).toBe('no-path');
    expect(await node(2).locator('[data-agreement] .badge').textContent()).toBe('router has no path from it');
    expect(await node(3).locator('[data-agreement] .badge').textContent()).toBe('router still routes via it');
    expect(await node(3).locator('tbody').nth(1).locator('td').allTextContents()).toEqual([expect.stringContaining('172.20.1.1'), 'Local', '0', 'nobody']);

    // HTML from MQTT is shown as text: no element is made from it and no script runs
    const evil = node(0);
    expect(await evil.locator('p').first().textContent()).toContain('on stop: <b>bold</b>');
    expect(await evil.locator('.events li').textContent()).toBe('<script>alert(2)</script>: <i>why</i>');
    expect(await evil.locator('tbody').first().locator('th, td').allTextContents()).toEqual(['<svg onload=alert(3)>', '"><a href=x>', '<u>Up</u>', '?', 'none', '']);
    expect(await evil.locator('tbody').nth(1).locator('th, td').allTextContents())
      .toEqual(['<marquee>svc</marquee>', '<p>1.2.3.4</p> not an IP address', '&amp;', '0', '<em>r</em>']);
    expect(await page.locator('main img, main svg, main script, main marquee, main b, main u, main em, main a[href="x"]').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'cluster.png'), fullPage: true });

    put('node2/status', 'offline');
    await node(2).locator('h2 .badge', { hasText: 'agent offline' }).waitFor({ timeout: 15_000 });
    expect(await page.locator('#agents-online').textContent()).toBe('2 of 4');

    const api = await (await fetch(`${web.url}/api/cluster`)).json() as { nodes: { node: string; status: string }[]; disagreements: number };
    expect(api.nodes.map((n) => `${n.node}:${n.status}`)).toEqual([`${EVIL}:offline`, 'node1:online', 'node2:offline', 'node3:online']);
    expect(api.disagreements).toBe(2);
    expect(dialogs).toEqual([]);
    // on a phone the page itself does not scroll sideways (the tables scroll in their own box)
    await page.setViewportSize({ width: 375, height: 740 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.close();
  });
});
