/**
 * `vipgate router --config FILE`: YAML text → validated RouterConfig in one pure function
 * (parseRouterConfig), plus the file-reading wrapper. Every problem is reported at once: YAML syntax
 * errors, then every schema issue and every cross-field problem, each with its field path.
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
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

/** Parse and validate a router configuration; throws ConfigError listing every problem. */
export function parseRouterConfig(yamlText: string, source = 'configuration'): RouterConfig {
  const doc = parseDocument(yamlText, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => ({ path: e.linePos ? `line ${e.linePos[0].line}` : '', message: e.message.split('\n')[0]! })), source);
  }
  const raw: unknown = doc.toJS() ?? {};
  const parsed = routerConfigSchema.safeParse(raw);
  const issues = [...(parsed.success ? [] : zodIssues(parsed.error.issues)), ...semanticIssues(raw)];
  if (issues.length > 0 || !parsed.success) throw new ConfigError(issues, source);
  return resolveConfig(parsed.data);
}

export async function loadRouterConfig(file: string): Promise<RouterConfig> {
  return parseRouterConfig(await readFile(file, 'utf8'), file);
}
