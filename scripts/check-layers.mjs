#!/usr/bin/env node
// Enforces the import layering of DESIGN.md: each folder of src/ may import only the folders listed for it,
// and no file of src/ imports itself through others (a file-level cycle, type imports included; a dynamic
// import() is a deliberate lazy load and does not count). Also the charter's size rule: no file of src/ over
// MAX_LINES lines.
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

// the source tree to check: src/, or the folder given (the script's own test runs it on made-up trees)
const root = process.argv[2] ? resolve(process.argv[2]) : resolve(dirname(new URL(import.meta.url).pathname), '..', 'src');
const problems = [];
const MAX_LINES = 450;
/** File -> the src/ files it imports statically (relative paths, `import type` included). */
const imports = new Map();
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
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (lines > MAX_LINES) problems.push(`${relative(root, file)}: ${lines} lines, more than ${MAX_LINES}: split it by job`);
  const deps = new Set();
  imports.set(file, deps);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s+['"](\.[^'"]+)['"]/g)) deps.add(resolve(dirname(file), m[1]).replace(/\.js$/, '.ts'));
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)) {
    const spec = m[1];
    if (spec.startsWith('.')) {
      deps.add(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
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

/** Tarjan's strongly connected components of the import graph; each one with more than a file is a cycle. */
function cycles() {
  let next = 0;
  const index = new Map(), low = new Map(), stack = [], onStack = new Set(), found = [];
  const visit = (v) => {
    index.set(v, next); low.set(v, next); next++;
    stack.push(v); onStack.add(v);
    for (const w of imports.get(v) ?? []) {
      if (!imports.has(w)) continue;
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc = [];
    for (let w; w !== v;) { w = stack.pop(); onStack.delete(w); scc.push(w); }
    if (scc.length > 1 || imports.get(v).has(v)) found.push(scc);
  };
  for (const f of imports.keys()) if (!index.has(f)) visit(f);
  return found;
}

/** One way round a component, as a path of files: a -> b -> ... -> a. */
function cyclePath(scc) {
  const inside = new Set(scc);
  const start = scc[scc.length - 1];
  const from = new Map([[start, undefined]]);
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    for (const w of imports.get(queue[i])) {
      if (w === start) {
        const path = [start];
        for (let at = queue[i]; at !== start; at = from.get(at)) path.splice(1, 0, at);
        return [...path, start];
      }
      if (inside.has(w) && !from.has(w)) { from.set(w, queue[i]); queue.push(w); }
    }
  }
  return [start, start];
}

for (const scc of cycles()) problems.push(`import cycle: ${cyclePath(scc).map((f) => relative(root, f)).join(' -> ')}`);
if (problems.length) { console.error(`layering: ${problems.length} violation(s)\n${problems.join('\n')}`); process.exit(1); }
console.log('layering: ok');
