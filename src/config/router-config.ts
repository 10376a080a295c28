/**
 * `vipgate router --config FILE`: YAML text → validated RouterConfig in one pure function
 * (parseRouterConfig), plus the file-reading wrapper. Every problem is reported at once: YAML syntax
 * errors, then every schema issue and every cross-field problem, each with its field path.
 */
import { readFile } from 'node:fs/promises';
import { parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError, formatPath, type ConfigIssue } from './error.js';
import { resolveConfig, type RouterConfig } from './resolve.js';
import { routerConfigSchema } from './schema.js';
import { semanticIssues } from './semantic.js';

/**
 * Zod issues as ConfigIssues. For a union that failed, when exactly one alternative got past the type
 * check (its problems are all inside the value), report that alternative's problems, which name the
 * real field; otherwise the union's own message.
 */
export function zodIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const i of issues) {
    const path = [...prefix, ...i.path];
    if (i.code === 'invalid_union') {
      const nested = i.errors.filter((branch) => branch.length > 0 && branch.every((b) => b.path.length > 0));
      if (nested.length === 1) {
        out.push(...zodIssues(nested[0]!, path));
        continue;
      }
    }
    if (i.code === 'invalid_key') {
      out.push(...zodIssues(i.issues, path));
    } else if (i.code === 'unrecognized_keys') {
      for (const k of i.keys) out.push({ path: formatPath([...path, k]), message: 'unknown field' });
    } else if (i.code === 'invalid_type' && i.input === undefined) {
      out.push({ path: formatPath(path), message: 'required' });
    } else {
      out.push({ path: formatPath(path), message: i.message });
    }
  }
  return out;
}

/**
 * The values of parsed YAML documents. Syntax errors become a ConfigError, and so do the problems the yaml
 * library reports only while building the value (an alias to an anchor not yet set, too many aliases: it
 * throws ReferenceError there), so that a configuration file can only ever cause a ConfigError.
 */
export function yamlDocumentValues(docs: readonly Document[], source: string): unknown[] {
  const errors = docs.flatMap((d) => d.errors);
  if (errors.length > 0) {
    throw new ConfigError(errors.map((e) => ({ path: e.linePos ? `line ${e.linePos[0].line}` : '', message: e.message.split('\n')[0]! })), source);
  }
  try {
    return docs.map((d) => d.toJS() as unknown);
  } catch (e) {
    throw new ConfigError([{ path: '', message: e instanceof Error ? e.message : String(e) }], source);
  }
}

/** Parse and validate a router configuration; throws ConfigError listing every problem. */
export function parseRouterConfig(yamlText: string, source = 'configuration'): RouterConfig {
  const raw: unknown = yamlDocumentValues([parseDocument(yamlText, { prettyErrors: true, uniqueKeys: true })], source)[0] ?? {};
  const parsed = routerConfigSchema.safeParse(raw);
  const issues = [...(parsed.success ? [] : zodIssues(parsed.error.issues)), ...semanticIssues(raw)];
  if (issues.length > 0 || !parsed.success) throw new ConfigError(issues, source);
  return resolveConfig(parsed.data);
}

export async function loadRouterConfig(file: string): Promise<RouterConfig> {
  return (await readRouterConfig(file)).config;
}

/** The file read once: its configuration, and its text (recorded in the history as a revision). */
export async function readRouterConfig(file: string): Promise<{ readonly config: RouterConfig; readonly text: string }> {
  const text = await readFile(file, 'utf8');
  return { config: parseRouterConfig(text, file), text };
}
