/**
 * The status page's /k3s/: the two install commands for the address the page was reached at, the rendered
 * manifests at /k3s/agent.yaml, the agent images by architecture (Debian's and uname -m's names) from a
 * plain .tar or a .tar.gz decompressed on the way, their checksums, and clear answers when something is
 * missing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseRouterConfig } from '../../../src/config/router-config.js';
import { vipgateVersion } from '../../../src/lib/version.js';
import { loadTemplates, renderAgentManifests } from '../../../src/router/agent-manifests.js';
import { startWeb, type WebServer } from '../../../src/web/server.js';
import { FakeRouter } from '../../e2e/fake-router.js';
import { REPO } from '../../helpers/vipgate.js';

const CONFIG = parseRouterConfig(`asn: 64513
routerId: 192.168.10.254
neighbors: [{ range: 192.168.10.0/24, remoteAs: 64512, import: { prefixes: ["172.20.1.0/24 le 32"] }, export: none, password: md5-s3cret }]
`);
const templates = loadTemplates(join(REPO, 'deploy'));
const version = vipgateVersion();
const dir = mkdtempSync(join(tmpdir(), 'vg-k3s-'));
const amd64 = randomBytes(200_000);
const arm64 = randomBytes(150_000);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
writeFileSync(join(dir, `vipgate-agent-${version}-amd64.tar`), amd64);
writeFileSync(join(dir, `vipgate-agent-${version}-amd64.tar.sha256`), `${sha(amd64)}  vipgate-agent-${version}-amd64.tar\n`);
writeFileSync(join(dir, `vipgate-agent-${version}-arm64.tar.gz`), gzipSync(arm64));
writeFileSync(join(dir, `vipgate-agent-${version}-arm64.tar.sha256`), `${sha(arm64)}  vipgate-agent-${version}-arm64.tar\n`);
// another version's image is never served for this one's manifests
writeFileSync(join(dir, 'vipgate-agent-0.0.1-amd64.tar'), 'old');

const servers: WebServer[] = [];
afterEach(async () => { for (const s of servers.splice(0)) await s.close(); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function web(images = dir, manifests = (o: { range?: string; boxUrl?: string }) => renderAgentManifests(CONFIG, { local: ['192.168.10.254/24'], version, templates, ...o })): Promise<WebServer> {
  const s = await startWeb({ host: '127.0.0.1', port: 0, source: new FakeRouter(), k3s: { manifests, images } });
  servers.push(s);
  return s;
}

describe('/k3s/ on the status page', () => {
  it('the page: the two commands for this address, what to add by hand, both images with their checksums; linked from the overview', async () => {
    const s = await web();
    const host = s.url.replace('http://', '');
    const html = await (await fetch(`${s.url}/k3s/`)).text();
    expect(html).toContain(`curl -fsS http://${host}/k3s/vipgate-agent-$(uname -m).tar | sudo k3s ctr images import -`);
    expect(html).toContain(`kubectl apply -f http://${host}/k3s/agent.yaml`);
    expect(html).toContain('has a TCP MD5 password, which is not rendered');
    expect(html).not.toContain('md5-s3cret');
    expect(html).toContain(`<code>${sha(amd64)}</code>`);
    expect(html).toContain(`<code>${sha(arm64)}</code>`);
    expect(await (await fetch(`${s.url}/`)).text()).toContain('<a href="/k3s/">k3s</a>');
    expect((await fetch(`${s.url}/k3s`, { redirect: 'manual' })).headers.get('location')).toBe('/k3s/');
  });

  it('a Host header that is no host name or address is not put into the commands', async () => {
    const s = await web();
    const text = await new Promise<string>((resolve, reject) => {
      const req = request(`${s.url}/k3s/agent.yaml`, { headers: { host: 'evil"><x' } }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => { body += c; }).on('end', () => resolve(body));
      });
      req.on('error', reject).end();
    });
    expect(text).not.toContain('evil');
    expect(text).toContain('sudo k3s ctr images import vipgate-agent-VERSION-');
  });

  it('agent.yaml: the rendered manifests for kubectl apply, with the install commands for the address asked', async () => {
    const s = await web();
    const res = await fetch(`${s.url}/k3s/agent.yaml`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/yaml; charset=utf-8');
    const text = await res.text();
    expect(text).toBe(renderAgentManifests(CONFIG, { local: ['192.168.10.254/24'], version, templates, boxUrl: s.url }).yaml);
    expect(text).toContain(`image: docker.io/library/vipgate-agent:${version}`);
    const unknown = await fetch(`${s.url}/k3s/agent.yaml?range=10.0.0.0/8`);
    expect(unknown.status).toBe(409);
    expect(await unknown.text()).toMatch(/no dynamic neighbor with range 10\.0\.0\.0\/8/);
  });

  it('the images: this version\'s, by Debian\'s or uname -m\'s architecture name, plain or decompressed on the way, and their checksums', async () => {
    const s = await web();
    for (const name of ['amd64', 'x86_64']) {
      const res = await fetch(`${s.url}/k3s/vipgate-agent-${name}.tar`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/x-tar');
      expect(res.headers.get('content-length')).toBe(String(amd64.length));
      expect(Buffer.from(await res.arrayBuffer()).equals(amd64)).toBe(true);
    }
    for (const name of ['arm64', 'aarch64']) {
      const body = Buffer.from(await (await fetch(`${s.url}/k3s/vipgate-agent-${name}.tar`)).arrayBuffer());
      expect(sha(body)).toBe(sha(arm64));
    }
    expect(await (await fetch(`${s.url}/k3s/vipgate-agent-aarch64.tar.sha256`)).text()).toBe(`${sha(arm64)}  vipgate-agent-aarch64.tar\n`);
    const riscv = await fetch(`${s.url}/k3s/vipgate-agent-riscv64.tar`);
    expect(riscv.status).toBe(404);
    expect(await riscv.text()).toMatch(/no agent image for riscv64 on this box/);
    expect((await fetch(`${s.url}/k3s/other.tar`)).status).toBe(404);
  });

  it('a box without images, and a configuration without dynamic neighbors: said so, nothing else breaks', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'vg-k3s-empty-'));
    try {
      const s = await web(empty, () => { throw new Error('no dynamic neighbor (neighbors[].range) for the k3s nodes to connect from'); });
      const html = await (await fetch(`${s.url}/k3s/`)).text();
      expect(html).toContain('No agent configuration can be rendered from this router\'s configuration: no dynamic neighbor');
      expect(html.match(/not on this box/g)).toHaveLength(2);
      expect((await fetch(`${s.url}/k3s/vipgate-agent-amd64.tar`)).status).toBe(404);
      expect((await fetch(`${s.url}/k3s/agent.yaml`)).status).toBe(409);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
