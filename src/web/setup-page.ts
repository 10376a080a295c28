/**
 * The appliance's fallback status page, served while the router cannot run because no valid configuration
 * was ever installed (a wrong vipgate.yaml on the very first boot: firmware's vipgate-setup-page.service).
 * One read-only page and /api/status, both showing why the boot partition's vipgate.yaml was refused
 * (config-error.ts), with the router page's layout, escaping and security headers (server.ts, pages.ts).
 */
import Fastify from 'fastify';
import { CLIENT_JS, CSS } from './assets.js';
import { CONFIG_ERROR_FILE, readConfigError } from './config-error.js';
import { layout } from './pages.js';
import { SECURITY_HEADERS } from './security-headers.js';

export interface SetupPageOptions {
  readonly host: string;
  readonly port: number;
  /** Default CONFIG_ERROR_FILE. */
  readonly configErrorFile?: string;
}

export interface SetupPage {
  readonly url: string;
  close(): Promise<void>;
}

/** Shown when the import left no reason (e.g. the file was removed): the router still has no configuration. */
const NO_REASON = 'The router has no valid configuration yet, and the configuration import left no reason.';

const BODY = `<p class="lead">The router is not running: it has no valid configuration.</p>
<p>Edit <code>vipgate.yaml</code> on the card's boot partition (<code>vipgate.example.yaml</code> beside it lists every option), then restart the box.</p>`;

export async function startSetupPage(o: SetupPageOptions): Promise<SetupPage> {
  const reason = async () => (await readConfigError(o.configErrorFile ?? CONFIG_ERROR_FILE)) ?? NO_REASON;
  const app = Fastify({ logger: false });
  app.addHook('onSend', async (_req, reply, payload) => { reply.headers(SECURITY_HEADERS); return payload; });
  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store')
    .send(layout({ title: 'vipgate: not configured', heading: 'Not configured', admin: false, configError: await reason() }, BODY)));
  app.get('/api/status', async (_req, reply) => reply.header('cache-control', 'no-store').send({ router: 'not running', configError: await reason() }));
  app.get('/assets/app.css', (_req, reply) => reply.type('text/css; charset=utf-8').send(CSS));
  app.get('/assets/app.js', (_req, reply) => reply.type('text/javascript; charset=utf-8').send(CLIENT_JS));
  await app.listen({ host: o.host, port: o.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  return { url: `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`, close: () => app.close() };
}
