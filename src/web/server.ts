/**
 * The router's web status page (fastify), read-only unless an admin token is configured:
 *   GET  /                 overview: peers, Service IPs, ECMP groups, recent events, history charts
 *   GET  /vip?prefix=P     one Service IP: the nodes serving it, weights, since when, its changes
 *   GET  /cluster          the node agents' MQTT reports joined with this router's routes (cluster.ts),
 *                          when the router reads them (WebOptions.cluster)
 *   GET  /events?view=...  Server-Sent Events with the live region of that page
 *   GET  /metrics          Prometheus text format
 *   GET  /api/status       the control API views as JSON, and configError (below)
 *   GET  /api/cluster      the Cluster page's model as JSON (404 without WebOptions.cluster)
 *   GET  /k3s/...          installing the node agent from the box: the rendered manifests and the agent
 *                          images (k3s.ts), when WebOptions.k3s is given
 *   GET  /admin, POST /admin/login|logout|clear   session reset behind the token (admin.ts)
 *   POST /api/clear        the same for scripts, with Authorization: Bearer <token>
 * It reads the router through RouterStatusSource (the control API's shapes) and the history through
 * HistorySource; every asset is served from memory with a strict Content-Security-Policy. On the
 * appliance, a vipgate.yaml rejected at boot is reported at the top of the overview and in /api/status
 * (config-error.ts).
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { HistorySource, RouterStatusSource } from '../control/views.js';
import type { Logger } from '../lib/log.js';
import { AdminGate, foreignOrigin, SESSION_COOKIE } from './admin.js';
import { CLIENT_JS, CSS } from './assets.js';
import { clusterModel, type ClusterOptions } from './cluster.js';
import { clusterBody } from './cluster-page.js';
import { CONFIG_ERROR_FILE, readConfigError } from './config-error.js';
import { esc } from './html.js';
import { registerK3s, type K3sOptions } from './k3s.js';
import { LiveHub } from './live.js';
import { RouterMetrics, type ExtraGauge } from './metrics.js';
import { EventRing, overview, service } from './model.js';
import { layout, nameTag, overviewBody, serviceBody, table } from './pages.js';
import { SECURITY_HEADERS } from './security-headers.js';

export interface WebOptions {
  readonly host: string;
  /** 0: any free port (see WebServer.url). */
  readonly port: number;
  readonly source: RouterStatusSource;
  readonly history?: HistorySource;
  /** Enables the admin actions; at least 12 characters. */
  readonly adminToken?: string;
  readonly gauges?: readonly ExtraGauge[];
  readonly log?: Logger;
  /** Wall clock (ms since 1970). */
  readonly now?: () => number;
  readonly throttleMs?: number;
  /** Shown when present: why the boot partition's configuration was rejected (default CONFIG_ERROR_FILE). */
  readonly configErrorFile?: string;
  /** The node agents' reports (the router's MQTT telemetry reads them): enables /cluster. */
  readonly cluster?: ClusterOptions;
  /** The agent's manifests and images for the k3s nodes: enables /k3s/. */
  readonly k3s?: K3sOptions;
}

export interface WebServer {
  readonly url: string;
  readonly metrics: RouterMetrics;
  close(): Promise<void>;
}

const HISTORY_WINDOW_MS = 6 * 3600_000;
const FLAP_BUCKET_MS = 600_000;

export async function startWeb(o: WebOptions): Promise<WebServer> {
  const now = o.now ?? Date.now;
  const { source, history } = o;
  const gate = o.adminToken !== undefined ? new AdminGate(o.adminToken, now) : undefined;
  const events = new EventRing();
  const hub = new LiveHub(o.throttleMs);
  const metrics = new RouterMetrics(source, o.gauges);
  const unsubscribe = source.subscribe((e) => { events.push(e); hub.changed(); });
  const unsubscribeCluster = o.cluster?.source.subscribe(() => hub.changed());
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
  app.addHook('onSend', async (_req, reply, payload) => { reply.headers(SECURITY_HEADERS); return payload; });

  const configError = () => readConfigError(o.configErrorFile ?? CONFIG_ERROR_FILE);
  const page = (reply: FastifyReply, title: string, heading: string, body: string, eventsUrl?: string, alert?: string) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store')
      .send(layout({ title, heading, admin: gate !== undefined, cluster: o.cluster !== undefined, k3s: o.k3s !== undefined, ...(eventsUrl ? { events: eventsUrl } : {}), ...(alert ? { configError: alert } : {}) }, body));
  const charts = () => history?.charts(HISTORY_WINDOW_MS, FLAP_BUCKET_MS);
  const renderOverview = async () => overviewBody(await overview(source, events), charts());
  const renderService = async (prefix: string) => serviceBody(prefix, await service(source, prefix, now()), history?.routeHistory(prefix, 20), now());
  const prefixOf = (req: FastifyRequest) => String((req.query as Record<string, unknown>).prefix ?? '');
  const cluster = o.cluster;
  const renderCluster = async () => (cluster ? clusterBody(await clusterModel(cluster, source)) : '<p class="muted">The router reads no node agent telemetry (no telemetry section).</p>');

  app.get('/', async (_req, reply) => page(reply, 'vipgate status', 'Status', await renderOverview(), '/events?view=overview', await configError()));
  app.get('/vip', async (req, reply) => {
    const prefix = prefixOf(req);
    if (!prefix) return reply.code(400).type('text/plain').send('prefix missing');
    return page(reply, `${prefix} – vipgate`, `Service IP ${prefix}`, await renderService(prefix), `/events?view=vip&prefix=${encodeURIComponent(prefix)}`);
  });
  app.get('/events', (req, reply) => {
    const view = String((req.query as Record<string, unknown>).view ?? 'overview');
    const prefix = prefixOf(req);
    reply.hijack();
    hub.attach(reply.raw, view === 'vip' ? () => renderService(prefix) : view === 'cluster' ? renderCluster : renderOverview);
  });
  app.get('/cluster', async (_req, reply) => page(cluster ? reply : reply.code(404), 'Cluster – vipgate', 'Cluster', await renderCluster(), cluster ? '/events?view=cluster' : undefined));
  app.get('/api/cluster', async (_req, reply) => (cluster ? clusterModel(cluster, source) : reply.code(404).send({ error: 'no telemetry section: the router reads no node agent reports' })));
  app.get('/assets/app.css', (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'max-age=3600').send(CSS));
  app.get('/assets/app.js', (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'max-age=3600').send(CLIENT_JS));
  app.get('/metrics', async (_req, reply) => reply.type(metrics.contentType).send(await metrics.text()));
  app.get('/api/status', async () => ({ summary: source.summary(), routes: await source.routes(), counters: source.counters(), configError: (await configError()) ?? null }));

  registerAdmin(app, gate, source, page);
  if (o.k3s) registerK3s(app, o.k3s, page);

  await app.listen({ host: o.host, port: o.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  const url = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`;
  o.log?.info({ url, admin: gate !== undefined }, 'web status page listening');
  return {
    url, metrics,
    async close() {
      unsubscribe();
      unsubscribeCluster?.();
      hub.close();
      metrics.close();
      await app.close();
    },
  };
}

type PageFn = (reply: FastifyReply, title: string, heading: string, body: string) => FastifyReply;

function registerAdmin(app: FastifyInstance, gate: AdminGate | undefined, source: RouterStatusSource, page: PageFn): void {
  if (!gate) {
    app.get('/admin', (_req, reply) => page(reply.code(404), 'Admin – vipgate', 'Admin', '<p>This page is read-only: no admin token is configured (web.adminToken).</p>'));
    return;
  }
  const body = (req: FastifyRequest) => (req.body ?? {}) as Record<string, string | undefined>;
  const refuse = (reply: FastifyReply, code: number, why: string) => page(reply.code(code), 'Refused – vipgate', 'Refused', `<p class="warn">${esc(why)}</p><p><a href="/admin">Back</a></p>`);
  const sameOrigin = (req: FastifyRequest) => !foreignOrigin(req.headers.origin, req.headers.host);

  app.get('/admin', (req, reply) => {
    const session = gate.session(req.headers.cookie);
    if (!session) {
      return page(reply, 'Admin login – vipgate', 'Admin login', `<form method="post" action="/admin/login">
<label for="token">Admin token</label><input id="token" name="token" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button></form>`);
    }
    const csrf = esc(gate.csrfFor(session));
    const q = req.query as Record<string, string | undefined>;
    const done = q.reset ? `<p role="status" class="lead">Reset: ${esc(q.reset)}</p>` : '';
    const rows = source.summary().peers.map((p) => [nameTag(p.hostname ?? p.name), esc(p.state), `<form class="inline" method="post" action="/admin/clear"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="peer" value="${esc(p.address)}">
<button type="submit" aria-label="Reset the session with ${esc(p.name)}">Reset session</button></form>`]);
    return page(reply, 'Admin – vipgate', 'Admin', `${done}${table('Reset a BGP session (clear bgp)', ['Peer', 'State', 'Action'], rows, 'No peers configured.')}
<form method="post" action="/admin/clear"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="peer" value="*"><button type="submit">Reset all sessions</button></form>
<form method="post" action="/admin/logout"><input type="hidden" name="csrf" value="${csrf}"><button type="submit">Log out</button></form>`);
  });

  app.post('/admin/login', (req, reply) => {
    if (!sameOrigin(req)) return refuse(reply, 403, 'Cross-site request refused.');
    const session = gate.login(body(req).token);
    if (!session) return refuse(reply, 403, 'Wrong token.');
    return reply.header('set-cookie', `${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/; Max-Age=28800`).redirect('/admin', 303);
  });

  app.post('/admin/clear', (req, reply) => {
    const session = gate.session(req.headers.cookie);
    if (!session) return refuse(reply, 401, 'Log in first.');
    if (!sameOrigin(req) || !gate.checkCsrf(session, body(req).csrf)) return refuse(reply, 403, 'Missing or wrong CSRF token.');
    try {
      const r = source.clear(body(req).peer ?? '');
      return reply.redirect(`/admin?reset=${encodeURIComponent(r.reset.join(', '))}`, 303);
    } catch (e) {
      return refuse(reply, 404, e instanceof Error ? e.message : String(e));
    }
  });

  app.post('/admin/logout', (req, reply) => {
    const session = gate.session(req.headers.cookie);
    if (session && gate.checkCsrf(session, body(req).csrf)) gate.logout(session);
    return reply.header('set-cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`).redirect('/', 303);
  });

  app.post('/api/clear', (req, reply) => {
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !gate.checkToken(auth.slice(7))) return reply.code(401).send({ error: 'bearer token required' });
    const peer = typeof (req.body as { peer?: unknown } | undefined)?.peer === 'string' ? (req.body as { peer: string }).peer : '*';
    try {
      return source.clear(peer);
    } catch (e) {
      return reply.code(404).send({ error: e instanceof Error ? e.message : String(e) });
    }
  });
}
