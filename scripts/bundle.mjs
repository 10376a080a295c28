// The CLI that bin/vipgate.js runs, as a few minified ES modules (esbuild) instead of ~200 files: `npm run
// build` runs this after tsc. dist/bundle/ holds main.js (src/cli/main.ts), worker.js (the BFD thread,
// src/bfd/worker.ts) and the chunks they share, split at the dynamic imports so that each command still
// loads only its own code. On this machine it cut an idle router from 77 to 71 MiB RSS, an agent with 100
// Services from 100 to 86 MiB and the router's CPU time to its first answer from 0.37 to 0.22 s (bench/start.ts):
// V8 keeps each module's source text and compiles less when there is less of it, and Node resolves a few
// files instead of hundreds. dist/bundle/ sits at the depth of dist/cli/, so the paths the code takes from
// import.meta.url (../../package.json, ../../build/Release, ../../deploy/) hold in both. Left outside: native
// addons and the packages loaded only by optional features (they stay in node_modules and load as before),
// and `vipgate lab`, whose helpers are separate scripts beside its modules in dist/lab/.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

// chunk names carry content hashes: a rebuild must not leave the last build's chunks behind
rmSync(`${root}dist/bundle`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { main: 'dist/cli/main.js', worker: 'dist/bfd/worker.js' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  // error classes and stack traces keep their names
  keepNames: true,
  // read only under node --enable-source-maps
  sourcemap: 'external',
  external: ['better-sqlite3', 'raw-socket', '@kubernetes/client-node', 'fastify', 'prom-client', '*/lab/main.js'],
  // the bundled CommonJS packages (pino, mqtt) call require() for Node's own modules
  banner: { js: 'import { createRequire as __vipgateRequire } from "node:module"; const require = __vipgateRequire(import.meta.url);' },
  logLevel: 'warning',
});
