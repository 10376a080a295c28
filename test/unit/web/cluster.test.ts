/**
 * The Cluster view (src/web/cluster.ts, cluster-page.ts, /cluster and /api/cluster): the node agents'
 * reports joined with the router's kernel next hops and BGP table, every disagreement named, and every
 * value from MQTT escaped on the page.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { KernelRouteView } from '../../../src/control/views.js';
import { ClusterView } from '../../../src/telemetry/cluster-view.js';
import { clusterModel, type ClusterOptions } from '../../../src/web/cluster.js';
import { MAX_ROWS } from '../../../src/web/pages.js';
import { startWeb, type WebServer } from '../../../src/web/server.js';
import { FakeRouter } from '../../e2e/fake-router.js';
import { sse } from './sse.js';

const VIP = '172.20.1.1/32';
const ROUTER = '192.168.10.1';
const enc = (s: string) => new TextEncoder().encode(s);
const servers: WebServer[] = [];
afterEach(async () => { for (const s of servers.splice(0)) await s.close(); });

function summary(peers: { name: string; address: string; state?: string; bfd?: { state: string; diagnostic: string } }[]) {
  return JSON.stringify({ node: 'x', synced: true, leader: false, stopMode: 'graceful', peers: peers.map((p) => ({ state: 'Established', announced: 1, ...p })), assignments: {}, failures: {} });
}

function service(name: string, ips: string[], announcedTo: string[], extra: Record<string, unknown> = {}) {
  return JSON.stringify({ service: name, ips, trafficPolicy: 'Cluster', localEndpoints: 1, announcedTo, ...extra });
}

/** Node agents node1..node3 (the fake router's peers 10.0.0.11-13) and node4 that has no session with it. */
function agents(): ClusterView {
  const v = new ClusterView('home', 'pi', () => 1_700_000_000_000);
  const put = (topic: string, payload: string) => v.apply(`vipgate/home/${topic}`, enc(payload));
  const peers = [{ name: 'rtr', address: ROUTER }, { name: 'other', address: '192.168.10.2' }];
  for (const n of ['node1', 'node2', 'node3', 'node4']) {
    put(`${n}/status`, 'online');
    put(`${n}/agent`, summary(peers));
  }
  put('node1/services/default_web', service('default/web', ['172.20.1.1'], ['rtr', 'other']));
  put('node1/services/default_db', service('default/db', ['172.20.1.9', 'bogus'], ['other']));
  put('node2/services/default_web', service('default/web', ['172.20.1.1'], ['rtr']));
  put('node3/services/default_web', service('default/web', ['172.20.1.1'], [], { trafficPolicy: 'Local', localEndpoints: 0 }));
  put('node4/services/default_web', service('default/web', ['172.20.1.1'], ['rtr']));
  return v;
}

/** A router whose kernel route leaves out one next hop its BGP table has (e.g. maximum-paths). */
class Uninstalled extends FakeRouter {
  constructor(private readonly missing: string) { super(); }
  override async routes(): Promise<KernelRouteView[]> {
    return (await super.routes()).map((r) => ({ ...r, nexthops: r.nexthops.filter((n) => n.gateway !== this.missing) }));
  }
}

function options(source: ClusterView): ClusterOptions {
  return { source, ownAddresses: ['127.0.0.1', ROUTER] };
}

const agreements = (m: Awaited<ReturnType<typeof clusterModel>>) =>
  Object.fromEntries(m.nodes.map((n) => [n.node, n.services.flatMap((s) => s.addresses.map((a) => `${s.service} ${a.ip} ${a.agreement}`))]));

describe('cluster model', () => {
  it('joins each node\'s Services with the router\'s next hops and names each disagreement', async () => {
    const fake = FakeRouter.withNodes(VIP, [1, 1, 1]);
    fake.addNode('10.0.0.99', 'lonely');
    fake.down('10.0.0.12');
    const m = await clusterModel(options(agents()), fake);
    expect(agreements(m)).toEqual({
      node1: ['default/db 172.20.1.9 not-announced', 'default/db bogus invalid', 'default/web 172.20.1.1 ok'],
      node2: ['default/web 172.20.1.1 no-path'],
      node3: ['default/web 172.20.1.1 stale'],
      node4: ['default/web 172.20.1.1 unmatched'],
    });
    expect(m.disagreements).toBe(2);
    expect(m.nodes.map((n) => n.session?.address ?? '-')).toEqual(['10.0.0.11', '10.0.0.12', '10.0.0.13', '-']);
    expect(m.nodes[1]!.session?.state).toBe('Idle');
    expect(m.nodes[0]!.agent!.peers.map((p) => `${p.name}:${p.thisRouter}`)).toEqual(['rtr:true', 'other:false']);
    expect(m.nodes[0]!.services.find((s) => s.service === 'default/web')!.addresses[0]!.nexthops).toEqual(['10.0.0.11', '10.0.0.13']);
    expect(m.unmatchedSessions).toEqual([{ name: 'lonely', address: '10.0.0.99', state: 'Idle' }]);
  });

  it('a path the router holds but did not install is told apart from no path', async () => {
    const fake = new Uninstalled('10.0.0.12');
    for (const [i, a] of ['10.0.0.11', '10.0.0.12'].entries()) { fake.addNode(a, `node${i + 1}`); fake.up(a, [VIP]); }
    const m = await clusterModel(options(agents()), fake);
    expect(agreements(m).node2).toEqual(['default/web 172.20.1.1 not-installed']);
  });

  it('an agent with no peer recognised as this router: any announcement counts', async () => {
    const fake = FakeRouter.withNodes(VIP, [1]);
    const m = await clusterModel({ source: agents(), ownAddresses: ['10.255.255.1'] }, fake);
    expect(agreements(m).node1).toEqual(['default/db 172.20.1.9 no-path', 'default/db bogus invalid', 'default/web 172.20.1.1 ok']);
  });
});

describe('/cluster and /api/cluster', () => {
  async function web(cluster?: ClusterOptions, source = FakeRouter.withNodes(VIP, [1, 1, 1])): Promise<WebServer> {
    const s = await startWeb({ host: '127.0.0.1', port: 0, source, throttleMs: 10, ...(cluster ? { cluster } : {}) });
    servers.push(s);
    return s;
  }

  it('every value from MQTT is escaped, element ids come from indexes', async () => {
    const v = agents();
    const evil = '<img src=x onerror=alert(1)>';
    v.apply(`vipgate/home/${evil}/status`, enc('online'));
    v.apply(`vipgate/home/${evil}/agent`, enc(summary([{ name: `"><script>alert(2)</script>`, address: '<b>1.2.3.4</b>', state: '<i>Up</i>' }])));
    v.apply(`vipgate/home/${evil}/services/x`, enc(service('<svg onload=alert(3)>', ['<u>ip</u>'], ['<a href=javascript:x>r</a>'], { trafficPolicy: "'&quot;" })));
    const s = await web(options(v));
    const html = await (await fetch(`${s.url}/cluster`)).text();
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(html).toContain('&lt;svg onload=alert(3)&gt;');
    expect(html).toContain('&lt;a href=javascript:x&gt;r&lt;/a&gt;');
    expect(html).toContain('&#39;&amp;quot;');
    const main = html.slice(html.indexOf('<main'));
    for (const raw of ['<img', '<script', '<svg', '<u>', '<b>', '<i>', '<a href=javascript']) expect(main).not.toContain(raw);
    expect(html).toContain('<a href="/cluster">Cluster</a>');
    expect([...html.matchAll(/ id="([^"]*)"/g)].map((m) => m[1]).filter((id) => id!.startsWith('h-node'))).toEqual(['h-node-0', 'h-node-1', 'h-node-2', 'h-node-3', 'h-node-4']);
  });

  it('/api/cluster is the model as JSON; without telemetry both are 404 and the page has no Cluster link', async () => {
    const s = await web(options(agents()));
    const api = await fetch(`${s.url}/api/cluster`);
    expect(api.headers.get('content-type')).toContain('application/json');
    const m = await api.json() as Awaited<ReturnType<typeof clusterModel>>;
    expect(m.nodes.map((n) => `${n.node}:${n.status}:${n.disagreements}`)).toEqual(['node1:online:0', 'node2:online:0', 'node3:online:1', 'node4:online:0']);
    expect(m.ignored).toEqual({ malformed: 0, oversized: 0, overLimit: 0 });

    const plain = await web();
    expect((await fetch(`${plain.url}/cluster`)).status).toBe(404);
    expect((await fetch(`${plain.url}/api/cluster`)).status).toBe(404);
    expect(await (await fetch(`${plain.url}/`)).text()).not.toContain('href="/cluster"');
  });

  it('the page lists at most MAX_ROWS Services in all; /api/cluster has them all', async () => {
    const v = new ClusterView('home', 'pi');
    for (const n of ['node1', 'node2', 'node3']) {
      for (let i = 0; i < 300; i++) v.apply(`vipgate/home/${n}/services/s${i}`, enc(service(`default/s${i}`, ['172.20.2.1'], [])));
    }
    const s = await web(options(v));
    const html = await (await fetch(`${s.url}/cluster`)).text();
    expect(html.match(/<tr role="row"><th scope="row" role="rowheader"><span class="name" title="default\/s/g)).toHaveLength(MAX_ROWS);
    expect(html).toContain('The first 200 of 300 Services are listed (all of them in /api/cluster).');
    expect(html).toContain(`300 Services, not listed: the page lists ${MAX_ROWS} in all (all of them in /api/cluster).`);
    expect(html).not.toContain('No Service reported.');
    const api = await (await fetch(`${s.url}/api/cluster`)).json() as { nodes: { services: unknown[] }[] };
    expect(api.nodes.map((n) => n.services.length)).toEqual([300, 300, 300]);
  });

  it('the page says when the broker is away and what was ignored', async () => {
    const v = new ClusterView('home', 'pi', Date.now, () => false);
    v.apply('vipgate/home/n1/agent', enc('{oops'));
    const html = await (await fetch(`${(await web(options(v))).url}/cluster`)).text();
    expect(html).toContain('Not connected to the MQTT broker');
    expect(html).toContain('Ignored from the broker: 1 malformed, 0 oversized, 0 past the limits');
    expect(html).toContain('No node agent has reported over MQTT.');
  });

  it('BFD as each agent reports it, and this router\'s own BFD with the node', async () => {
    const v = agents();
    v.apply('vipgate/home/node1/agent', enc(summary([{ name: 'rtr', address: ROUTER, bfd: { state: 'Up', diagnostic: 'None' } }])));
    v.apply('vipgate/home/node2/agent', enc(summary([{ name: 'rtr', address: ROUTER, state: 'Idle', bfd: { state: 'Down', diagnostic: 'Control Detection Time Expired' } }])));
    const fake = FakeRouter.withNodes(VIP, [1, 1, 1]);
    const bfd = { remoteState: 'Up', diagnostic: 'None', txIntervalMs: 100, detectionTimeMs: 300, transitions: 1, flaps: 0 };
    fake.bfdView = { sessions: [{ peer: '10.0.0.11', state: 'Up', ...bfd }], probes: [], services: [] };
    const m = await clusterModel(options(v), fake);
    expect(m.nodes.map((n) => [n.agent?.peers[0]?.bfd, n.session?.bfd])).toEqual([['Up', 'Up'], ['Down', undefined], [undefined, undefined], [undefined, undefined]]);
    const html = await (await fetch(`${(await web(options(v), fake)).url}/cluster`)).text();
    const sections = html.split('<section class="node"').slice(1);
    expect(sections[0]).toContain('this router\'s session with it: <span class="badge up">Established</span> BFD <span class="badge up">Up</span>');
    expect(sections[0]).toMatch(/<td role="cell" data-label="BFD"><span class="badge up">Up<\/span><\/td>/);
    expect(sections[1]).toContain('<span class="badge down">Down</span> <span class="muted">Control Detection Time Expired</span>');
    expect(sections[2]).toContain('<span class="muted">none</span>');
  });

  it('the live stream of the Cluster view sends a node\'s new report', async () => {
    const v = agents();
    const s = await web(options(v));
    const stream = await sse(`${s.url}/events?view=cluster`);
    try {
      expect((await stream.next()).html).not.toContain('agent offline');
      v.apply('vipgate/home/node2/status', enc('offline'));
      expect((await stream.next()).html).toContain('<span class="node-name name" title="node2">node2</span> <span class="badge down">agent offline</span>');
    } finally {
      stream.close();
    }
  });
});
