/**
 * `vipgate status-page` (the built CLI, as vipgate-setup-page.service runs it) on a free loopback port: the
 * page and /api/status show the config import's reason, escaped, with the status page's security headers;
 * without a file they still say the router has no configuration; SIGTERM ends it with exit 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, REPO } from '../../helpers/vipgate.js';

const dir = mkdtempSync(join(tmpdir(), 'vipgate-setup-page-'));
const children: ChildProcess[] = [];
beforeAll(() => {
  if (!existsSync(join(REPO, 'dist/cli/status-page.js'))) throw new Error('dist/ is missing the status-page command: run `npm run build`');
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the page on 127.0.0.1 with a kernel-chosen port; resolves with its URL from the first line it prints. */
function startPage(configError: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, 'status-page', '--config-error', configError, '--address', '127.0.0.1', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no URL within 30 s; stderr: ${err}`)), 30_000);
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
      if (m) { clearTimeout(timer); resolve({ child, url: m[1]! }); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`exited ${code}: ${err}`)); });
  });
}

function exitCode(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('vipgate status-page', () => {
  it('shows the escaped reason on the page and in /api/status, and stops on SIGTERM', async () => {
    const reason = 'vipgate.yaml (boot partition) was not applied:\nneighbors.0.address: "<script>alert(1)</script>" & \'x\' is not an address';
    const file = join(dir, 'config-error.txt');
    writeFileSync(file, `${reason}\n\n`);
    const { child, url } = await startPage(file);

    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    const html = await page.text();
    expect(html).toContain('Configuration not applied');
    expect(html).toContain('neighbors.0.address: &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot; &amp; &#39;x&#39; is not an address');
    expect(html).not.toContain('<script>alert(1)');

    const api = await fetch(`${url}/api/status`);
    expect(api.status).toBe(200);
    expect(await api.json()).toEqual({ router: 'not running', configError: reason });
    expect((await fetch(`${url}/assets/app.css`)).status).toBe(200);
    expect((await fetch(`${url}/admin`)).status).toBe(404);

    // the file is read per request
    writeFileSync(file, 'hostname (boot partition) was not applied:\n"a_b" is not a host name');
    expect(await (await fetch(`${url}/`)).text()).toContain('&quot;a_b&quot; is not a host name');

    child.kill('SIGTERM');
    expect(await exitCode(child)).toBe(0);
  }, 60_000);

  it('without a reason file it still says the router has no valid configuration', async () => {
    const { child, url } = await startPage(join(dir, 'missing.txt'));
    const status = await (await fetch(`${url}/api/status`)).json() as { configError: string };
    expect(status.configError).toMatch(/no valid configuration yet/);
    expect(await (await fetch(`${url}/`)).text()).toContain('no valid configuration yet');
    child.kill('SIGTERM');
    expect(await exitCode(child)).toBe(0);
  }, 60_000);

  it('refuses a bad port as a usage error (exit 2)', async () => {
    const child = spawn(process.execPath, [CLI, 'status-page', '--port', '80x'], { stdio: 'ignore' });
    children.push(child);
    expect(await exitCode(child)).toBe(2);
  }, 30_000);
});
