/**
 * Kernel module load order without depmod: each .ko names its dependencies in its .modinfo strings
 * ("depends=nf_conntrack,libcrc32c"); the image's init insmods modules in dependency order.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The dependencies a module file declares. */
export function moduleDepends(koFile: string): string[] {
  const b = readFileSync(koFile);
  const at = b.indexOf('depends=');
  if (at < 0) return [];
  const value = b.toString('latin1', at + 'depends='.length, b.indexOf(0, at));
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * Module files for `wanted` and their dependencies, dependencies first. `locate` maps a module name
 * ("ip_vs", "nf_defrag_ipv4") to its path under the modules directory. `extra` lists modules that a module
 * requests at run time rather than by symbol (e.g. libcrc32c asks the crypto API for crc32c).
 */
export function moduleLoadOrder(wanted: readonly string[], modulesDir: string, locate: (name: string) => string | undefined,
  extra: Readonly<Record<string, readonly string[]>> = {}): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string, chain: readonly string[]): void => {
    if (seen.has(name)) return;
    if (chain.includes(name)) throw new Error(`module dependency cycle: ${[...chain, name].join(' -> ')}`);
    const rel = locate(name);
    if (!rel || !existsSync(join(modulesDir, rel))) throw new Error(`kernel module ${name} not found in ${modulesDir}`);
    for (const d of [...(extra[name] ?? []), ...moduleDepends(join(modulesDir, rel))]) visit(d, [...chain, name]);
    seen.add(name);
    order.push(rel);
  };
  for (const w of wanted) visit(w, []);
  return order;
}
