#!/usr/bin/env node
// Writes the Raspberry Pi Imager manifest (an "os_list" JSON, the format of Imager's repository files)
// for one image, to stdout. Imager checks extract_sha256 (the uncompressed image) after writing the card.
// usage: node manifest.mjs --name N --version V --img-size BYTES --img-sha256 HEX --xz FILE --url URL
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({
  options: {
    name: { type: 'string' }, version: { type: 'string' }, 'img-size': { type: 'string' },
    'img-sha256': { type: 'string' }, xz: { type: 'string' }, url: { type: 'string' },
    date: { type: 'string' },
  },
});
for (const k of ['name', 'version', 'img-size', 'img-sha256', 'xz', 'url']) {
  if (!a[k]) { console.error(`manifest.mjs: --${k} is required`); process.exit(2); }
}

const entry = {
  name: `vipgate ${a.version} (64-bit)`,
  description: 'Edge BGP router for Kubernetes Service IPs: ECMP to the nodes announcing them. Edit vipgate.yaml on the boot partition before first boot.',
  url: a.url,
  release_date: a.date ?? new Date().toISOString().slice(0, 10),
  extract_size: Number(a['img-size']),
  extract_sha256: a['img-sha256'],
  image_download_size: statSync(a.xz).size,
  image_download_sha256: createHash('sha256').update(readFileSync(a.xz)).digest('hex'),
  // Debian's linux-image-arm64 6.1 drives the Pi 3 and Pi 4 family, not the Pi 5
  devices: ['pi4-64bit', 'pi3-64bit'],
  init_format: 'none',
};
process.stdout.write(`${JSON.stringify({ os_list: [entry] }, null, 2)}\n`);
