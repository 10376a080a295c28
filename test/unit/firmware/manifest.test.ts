/**
 * image/manifest.mjs: the Raspberry Pi Imager manifest written beside the image, for a small stand-in
 * image compressed with the real xz.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../../helpers/vipgate.js';

const dir = mkdtempSync(join(tmpdir(), 'vipgate-manifest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('Imager manifest', () => {
  it('describes the image: sizes and checksums of both forms, 64-bit Pi 3/4, no customisation', () => {
    const img = Buffer.alloc(1 << 20, 0x5a);
    writeFileSync(join(dir, 'x.img'), img);
    expect(spawnSync('xz', ['-k', '-0', join(dir, 'x.img')]).status).toBe(0);
    const xz = join(dir, 'x.img.xz');
    const r = spawnSync(process.execPath, [join(REPO, 'image/manifest.mjs'), '--name', 'x', '--version', '9.8.7',
      '--img-size', String(img.length), '--img-sha256', sha256(img), '--xz', xz, '--url', 'https://example.invalid/x.img.xz',
      '--date', '2026-01-02'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const m = JSON.parse(r.stdout) as { os_list: Record<string, unknown>[] };
    expect(m.os_list).toHaveLength(1);
    expect(m.os_list[0]).toEqual({
      name: 'vipgate 9.8.7 (64-bit)',
      description: expect.stringMatching(/vipgate\.yaml/),
      url: 'https://example.invalid/x.img.xz',
      release_date: '2026-01-02',
      extract_size: img.length,
      extract_sha256: sha256(img),
      image_download_size: statSync(xz).size,
      image_download_sha256: sha256(readFileSync(xz)),
      devices: ['pi4-64bit', 'pi3-64bit'],
      init_format: 'none',
    });
  });

  it('refuses to write a manifest without the checksum', () => {
    const r = spawnSync(process.execPath, [join(REPO, 'image/manifest.mjs'), '--name', 'x', '--version', '1', '--img-size', '1', '--xz', 'x', '--url', 'u'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--img-sha256 is required/);
  });
});
