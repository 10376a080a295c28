/**
 * The status page's k3s onboarding, for a cluster to install the node agent from the box in two commands:
 *   GET /k3s/                          the two commands (with the address the page was reached at), what
 *                                      has to be added by hand, the images on offer and their checksums
 *   GET /k3s/agent.yaml[?range=R]      the manifests the router renders from its configuration
 *                                      (namespace, RBAC, ConfigMap, DaemonSet), for `kubectl apply -f URL`
 *   GET /k3s/vipgate-agent-ARCH.tar    the agent's image for ARCH (amd64 or arm64, also by `uname -m`'s
 *                                      x86_64 / aarch64) as the docker-archive `k3s ctr images import -`
 *                                      reads, from the images directory (src/lib/agent-images.ts):
 *                                      vipgate-agent-VERSION-ARCH.tar as it is, or .tar.gz decompressed on
 *                                      the way (how the SD image keeps them)
 *   GET /k3s/vipgate-agent-ARCH.tar.sha256   its SHA-256, in sha256sum's format for that file name
 * VERSION is the one servedAgentVersion() picks, the tag the rendered DaemonSet names. Read-only, like the page.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AgentManifestsView } from '../control/views.js';
import { listAgentImages, servedAgentVersion, type AgentArch, type AgentImageFile } from '../lib/agent-images.js';
import { vipgateVersion } from '../lib/version.js';
import { esc } from './html.js';

export interface K3sOptions {
  /** The rendered manifests; throws when the configuration has nothing to render from. */
  readonly manifests: (o: { readonly range?: string; readonly boxUrl?: string }) => AgentManifestsView;
  /** The directory with vipgate-agent-VERSION-ARCH.tar[.gz] and .tar.sha256 (src/lib/agent-images.ts). */
  readonly images: string;
}

type PageFn = (reply: FastifyReply, title: string, heading: string, body: string) => FastifyReply;

const ARCHES: Readonly<Record<string, AgentArch>> = { amd64: 'amd64', x86_64: 'amd64', arm64: 'arm64', aarch64: 'arm64' };

/** The image of `arch` in the version served (a plain .tar preferred to a .tar.gz). */
function findImage(dir: string, arch: AgentArch): AgentImageFile | undefined {
  const all = listAgentImages(dir);
  const version = servedAgentVersion(all, vipgateVersion());
  return all.filter((i) => i.arch === arch && i.version === version).sort((a, b) => Number(a.gzip) - Number(b.gzip))[0];
}

async function sha256Of(image: AgentImageFile | undefined): Promise<string | undefined> {
  if (!image) return undefined;
  try {
    return /^[0-9a-f]{64}/.exec(await readFile(image.sha256File, 'utf8'))?.[0];
  } catch { return undefined; }
}

/** The box as the client reached it, for commands that work from where the page was read (a host name or address, and port). */
function boxUrl(req: FastifyRequest): string | undefined {
  const host = req.headers.host;
  return host !== undefined && /^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/.test(host) ? `http://${host}` : undefined;
}

export function registerK3s(app: FastifyInstance, o: K3sOptions, page: PageFn): void {
  const dir = o.images;
  const render = (req: FastifyRequest) => {
    const range = (req.query as Record<string, unknown>).range;
    const url = boxUrl(req);
    return o.manifests({ ...(url ? { boxUrl: url } : {}), ...(typeof range === 'string' && range ? { range } : {}) });
  };

  app.get('/k3s', (_req, reply) => reply.redirect('/k3s/', 301));
  app.get('/k3s/', async (req, reply) => {
    let view: AgentManifestsView | undefined;
    let problem: string | undefined;
    try { view = render(req); } catch (e) { problem = (e as Error).message; }
    const rows = await Promise.all((['arm64', 'amd64'] as const).map(async (arch) => {
      const f = findImage(dir, arch);
      const sum = await sha256Of(f);
      return `<tr><th scope="row">${arch}</th><td>${f ? `<a href="/k3s/vipgate-agent-${arch}.tar">vipgate-agent-${arch}.tar</a> <span class="muted">${esc(f.version)}</span>` : '<span class="muted">not on this box</span>'}</td><td>${sum ? `<code>${sum}</code>` : ''}</td></tr>`;
    }));
    const body = problem !== undefined
      ? `<section class="alert" role="alert"><p>No agent configuration can be rendered from this router's configuration: ${esc(problem)}</p></section>`
      : `<p class="lead">The vipgate agent for this router's k3s nodes (${esc(view!.ranges.join(', '))}), image <code>${esc(view!.image)}</code>.</p>
<h2>Install</h2><pre>${esc(view!.install.join('\n'))}</pre>
${view!.warnings.length > 0 ? `<h2>Notes</h2><ul>${view!.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : ''}
<p><a href="/k3s/agent.yaml">agent.yaml</a>: the namespace, RBAC, the agent's ConfigMap and the DaemonSet.</p>
<h2>The agent's configuration</h2><pre>${esc(view!.agentConfig)}</pre>`;
    return page(reply, 'k3s – vipgate', 'k3s nodes', `${body}
<div class="scroll"><table><caption>Agent images (import on each node the one of its architecture)</caption>
<thead><tr><th scope="col">Architecture</th><th scope="col">Image</th><th scope="col">SHA-256</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`);
  });

  app.get('/k3s/agent.yaml', (req, reply) => {
    try {
      return reply.type('application/yaml; charset=utf-8').header('cache-control', 'no-store').send(render(req).yaml);
    } catch (e) {
      return reply.code(409).type('text/plain; charset=utf-8').send(`vipgate: no agent manifests from this router's configuration: ${(e as Error).message}\n`);
    }
  });

  // one route for both names (vipgate-agent-ARCH.tar and .tar.sha256): a parameter followed by text is ambiguous to the router
  app.get<{ Params: { file: string } }>('/k3s/:file', async (req, reply) => {
    const m = /^vipgate-agent-([a-z0-9_]+)\.tar(\.sha256)?$/.exec(req.params.file);
    const arch = m ? ARCHES[m[1]!] : undefined;
    const text = (code: number, t: string) => reply.code(code).type('text/plain; charset=utf-8').send(`${t}\n`);
    if (!m) return text(404, `no such file: /k3s/${req.params.file}`);
    const f = arch ? findImage(dir, arch) : undefined;
    if (m[2]) {
      const sum = await sha256Of(f);
      return sum ? text(200, `${sum}  vipgate-agent-${m[1]}.tar`) : text(404, `no agent image checksum for ${m[1]} on this box`);
    }
    if (!f) return text(404, `no agent image for ${m[1]} on this box (arm64 and amd64 are built by npm run agent-image)`);
    reply.type('application/x-tar').header('content-disposition', `attachment; filename="vipgate-agent-${m[1]}.tar"`);
    if (!f.gzip) return reply.header('content-length', (await stat(f.file)).size).send(createReadStream(f.file));
    return reply.send(createReadStream(f.file).pipe(createGunzip()));
  });
}
