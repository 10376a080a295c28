/** The box's agent images directory: names read, the version served (own if present, else the newest). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listAgentImages, servedAgentVersion } from '../../../src/lib/agent-images.js';

const dir = mkdtempSync(join(tmpdir(), 'vg-agent-images-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
for (const n of ['vipgate-agent-0.9.0-arm64.tar.gz', 'vipgate-agent-0.10.0-amd64.tar', 'vipgate-agent-0.10.0-arm64.tar.gz', 'vipgate-agent-0.10.0-rc.1-amd64.tar',
  'vipgate-agent-0.10.0-arm64.tar.sha256', 'vipgate-agent-0.10.0-riscv64.tar', 'notes.txt']) writeFileSync(join(dir, n), '');

describe('agent images on the box', () => {
  it('lists the images by version and architecture, plain or gzip, with their checksum files', () => {
    const list = listAgentImages(dir).map(({ version, arch, gzip, sha256File }) => ({ version, arch, gzip, sha: sha256File.slice(dir.length + 1) }));
    expect(list.sort((a, b) => (`${a.version} ${a.arch}` < `${b.version} ${b.arch}` ? -1 : 1))).toEqual([
      { version: '0.10.0', arch: 'amd64', gzip: false, sha: 'vipgate-agent-0.10.0-amd64.tar.sha256' },
      { version: '0.10.0', arch: 'arm64', gzip: true, sha: 'vipgate-agent-0.10.0-arm64.tar.sha256' },
      { version: '0.10.0-rc.1', arch: 'amd64', gzip: false, sha: 'vipgate-agent-0.10.0-rc.1-amd64.tar.sha256' },
      { version: '0.9.0', arch: 'arm64', gzip: true, sha: 'vipgate-agent-0.9.0-arm64.tar.sha256' },
    ]);
    expect(listAgentImages(join(dir, 'missing'))).toEqual([]);
  });

  it('serves the router\'s own version when it is there, else the newest (numerically; a release after its pre-release)', () => {
    const list = listAgentImages(dir);
    expect(servedAgentVersion(list, '0.9.0')).toBe('0.9.0');
    expect(servedAgentVersion(list, '0.11.0')).toBe('0.10.0');
    expect(servedAgentVersion(list.filter((i) => i.version !== '0.10.0'), '0.11.0')).toBe('0.10.0-rc.1');
    expect(servedAgentVersion([], '0.11.0')).toBe('0.11.0');
  });
});
