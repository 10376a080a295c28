/**
 * The status page reports a vipgate.yaml the appliance rejected at boot (the file config-import.sh
 * writes): on the overview, escaped, and in /api/status; nothing when there is no such file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readConfigError } from '../../../src/web/config-error.js';
import { startWeb, type WebServer } from '../../../src/web/server.js';
import { FakeRouter } from '../../e2e/fake-router.js';

const dir = mkdtempSync(join(tmpdir(), 'vipgate-config-error-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const servers: WebServer[] = [];
afterEach(async () => { for (const s of servers.splice(0)) await s.close(); });

async function web(configErrorFile: string): Promise<WebServer> {
  const source = FakeRouter.withNodes('172.20.1.1/32', [1]);
  const s = await startWeb({ host: '127.0.0.1', port: 0, source, now: () => source.now, configErrorFile });
  servers.push(s);
  return s;
}

const REJECTION = `vipgate.yaml (boot partition) was not applied:
vipgate.yaml: neighbors.0.remoteAs: <expected number> & "x"
The router keeps running with its previous configuration. Fix the file on the boot partition and restart the box.`;

describe('configuration error on the status page', () => {
  it('shows the reason at the top of the overview, escaped, and in /api/status', async () => {
    const file = join(dir, 'config-error.txt');
    writeFileSync(file, `${REJECTION}\n\n`);
    const s = await web(file);
    const html = await (await fetch(`${s.url}/`)).text();
    expect(html).toContain('<section class="alert" role="alert" aria-labelledby="h-config-error"><h2 id="h-config-error">Configuration not applied</h2>');
    expect(html).toContain('neighbors.0.remoteAs: &lt;expected number&gt; &amp; &quot;x&quot;');
    expect(html.indexOf('Configuration not applied')).toBeLessThan(html.indexOf('id="live"'));
    const api = await (await fetch(`${s.url}/api/status`)).json() as { configError: string | null; summary: unknown };
    expect(api.configError).toBe(REJECTION);
    expect(api.summary).toBeDefined();
  });

  it('follows the file: fixed at the next boot, the notice is gone', async () => {
    const file = join(dir, 'come-and-go.txt');
    writeFileSync(file, REJECTION);
    const s = await web(file);
    expect(await (await fetch(`${s.url}/`)).text()).toContain('Configuration not applied');
    rmSync(file);
    expect(await (await fetch(`${s.url}/`)).text()).not.toContain('Configuration not applied');
    expect((await (await fetch(`${s.url}/api/status`)).json() as { configError: unknown }).configError).toBeNull();
  });

  it('reads nothing from an absent or empty file, a bounded amount from a huge one', async () => {
    expect(await readConfigError(join(dir, 'absent.txt'))).toBeUndefined();
    writeFileSync(join(dir, 'empty.txt'), ' \n');
    expect(await readConfigError(join(dir, 'empty.txt'))).toBeUndefined();
    writeFileSync(join(dir, 'huge.txt'), 'x'.repeat(100_000));
    const huge = await readConfigError(join(dir, 'huge.txt'));
    expect(huge).toBe(`${'x'.repeat(8192)}\n…`);
  });

  it('a file that cannot be read is reported as such, not hidden', async () => {
    expect(await readConfigError(dir)).toMatch(/cannot be read: .*EISDIR/);
  });
});
