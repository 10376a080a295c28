/**
 * The code under test for the guest: a TypeScript entry bundled by esbuild into one ES module (node20),
 * placed at /payload/vm/guest/guest.mjs so that src/native's addon path (two levels up, build/Release)
 * resolves to /payload/build/Release/vipgate_native.node, which is copied from this checkout's build.
 * /payload/guest.mjs re-exports it, so scripts run `node /payload/guest.mjs ...`; /payload/package.json is
 * there for the version the code reports.
 * With `commonJs`, CommonJS packages in the bundle (pino, for code that logs) can require Node's own
 * modules: esbuild's require shim falls back to a global `require`, which a banner makes.
 * `bundles` adds more entries, each bundled the same way to its own path (also two levels deep, e.g.
 * vm/cli/vipgate.mjs for src/cli/main.ts's CLI, so that the addon path resolves the same).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT } from './image.js';

const REQUIRE_BANNER = "import { createRequire as __guestCreateRequire } from 'node:module';\nglobalThis.require = __guestCreateRequire(import.meta.url);";

async function bundle(entry: string, commonJs: boolean): Promise<Uint8Array> {
  const out = await build({
    entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', write: false, logLevel: 'silent',
    ...(commonJs ? { banner: { js: REQUIRE_BANNER } } : {}),
  });
  const js = out.outputFiles[0];
  if (!js) throw new Error(`esbuild produced nothing for ${entry}`);
  return js.contents;
}

export async function guestPayload(entry: string, extra: Readonly<Record<string, Uint8Array>> = {},
  opts: { readonly commonJs?: boolean; readonly bundles?: Readonly<Record<string, string>> } = {}): Promise<Map<string, Uint8Array>> {
  const js = { contents: await bundle(entry, opts.commonJs ?? false) };
  const addon = join(REPO_ROOT, 'build/Release/vipgate_native.node');
  if (!existsSync(addon)) throw new Error(`${addon} is missing: build the native addon first (npx node-gyp rebuild)`);
  const files = new Map<string, Uint8Array>([
    ['vm/guest/guest.mjs', js.contents],
    ['guest.mjs', new TextEncoder().encode("import './vm/guest/guest.mjs';\n")],
    ['build/Release/vipgate_native.node', readFileSync(addon)],
    // src/lib/version.ts reads the package.json two levels above the bundle, as beside dist/
    ['package.json', readFileSync(join(REPO_ROOT, 'package.json'))],
  ]);
  for (const [k, v] of Object.entries(extra)) files.set(k, v);
  for (const [path, e] of Object.entries(opts.bundles ?? {})) files.set(path, await bundle(e, true));
  return files;
}
