#!/usr/bin/env node
// Enforces the import layering of DESIGN.md: each folder of src/ may import only the folders listed for it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

const ALLOWED = {
  lib: [],
  native: ['lib'],
  wire: ['lib'],
  bgp: ['lib', 'wire'],
  bfd: ['lib', 'wire', 'native'],
  probe: ['lib'],
  nft: ['lib'],
  fib: ['lib', 'wire', 'native'],
  config: ['lib', 'wire'],
  store: ['lib', 'control'],
  telemetry: ['lib', 'control'],
  metrics: ['lib'],
  web: ['lib', 'control', 'metrics'],
  control: ['lib'],
  router: ['lib', 'native', 'wire', 'bgp', 'bfd', 'probe', 'nft', 'fib', 'config', 'store', 'telemetry', 'web', 'control'],
  agent: ['lib', 'native', 'wire', 'bgp', 'bfd', 'nft', 'config', 'telemetry', 'control', 'metrics'],
  lab: ['lib', 'nft', 'config', 'control', 'telemetry'],
  cli: ['lib', 'config', 'control', 'router', 'agent', 'lab', 'web'],
};
// Only these folders may import these packages.
const PACKAGE_OWNERS = { 'better-sqlite3': ['store'], mqtt: ['telemetry'], 'ip-address': ['lib'], 'raw-socket': ['probe'] };

const root = resolve(dirname(new URL(import.meta.url).pathname), '..', 'src');
const problems = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts')) check(p);
  }
}
function check(file) {
  const layer = relative(root, file).split('/')[0];
  if (!(layer in ALLOWED)) { problems.push(`${relative(root, file)}: folder src/${layer} is not in the layer map`); return; }
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)) {
    const spec = m[1];
    if (spec.startsWith('.')) {
      const target = relative(root, resolve(dirname(file), spec)).split('/')[0];
      if (target !== layer && !ALLOWED[layer].includes(target)) problems.push(`${relative(root, file)}: src/${layer} may not import src/${target} (${spec})`);
    } else {
      const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      const owners = PACKAGE_OWNERS[pkg];
      if (owners && !owners.includes(layer)) problems.push(`${relative(root, file)}: only src/${owners.join(', src/')} may import ${pkg}`);
    }
  }
}
walk(root);
if (problems.length) { console.error(`layering: ${problems.length} violation(s)\n${problems.join('\n')}`); process.exit(1); }
console.log('layering: ok');
