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

/** The value `path` leads to inside `root`, or undefined. */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/** A value as the file wrote it: `"sixty"`, `70000`, `true`, `a list`, `a mapping`. */
function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return v.length === 0 ? 'an empty list' : 'a list';
  if (v !== null && typeof v === 'object') return 'a mapping';
  return String(v);
}

const KIND: Readonly<Record<string, string>> = { number: 'a number', int: 'a whole number', string: 'text', boolean: 'true or false', array: 'a list', object: 'a mapping' };
const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
const countOf = (v: unknown): number | undefined => (Array.isArray(v) ? v.length : typeof v === 'string' ? v.length : undefined);

/**
 * What is wrong with the value as given, in words: zod's own texts ("Too small: expected array to have
 * >=1 items", "Invalid input: expected number, received string") are replaced; a schema's own message is
 * kept and the value it refused is added when the message does not show it.
 */
function issueMessage(i: z.core.$ZodIssue, v: unknown): string {
  const own = !/^(Invalid input|Invalid option|Too small|Too big|Invalid string|Invalid number|Unrecognized key)/.test(i.message);
  // the message names the value already: as "text", or as a word of its own
  const shows = (text: string): boolean => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && String(v) !== ''
    && new RegExp(`(^|[^\\w.])${String(v).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w.])`).test(text);
  const not = (text: string): string => (v === undefined || shows(text) ? text : `${text}, not ${shown(v)}`);
  if (own) return not(i.message);
  switch (i.code) {
    case 'invalid_type': return not(`must be ${KIND[i.expected] ?? i.expected}`);
    case 'invalid_value': return not(`must be one of ${i.values.map((x) => JSON.stringify(x)).join(', ')}`);
    case 'too_small': case 'too_big': {
      const small = i.code === 'too_small';
      const bound = Number(small ? i.minimum : i.maximum);
      const exact = i.inclusive !== false;
      const n = countOf(v);
      if (i.origin === 'array' || i.origin === 'set') return `must have ${small ? 'at least' : 'at most'} ${plural(exact ? bound : bound + (small ? 1 : -1), 'entry', 'entries')}, found ${n === 0 ? 'none' : n}`;
      if (i.origin === 'string') return small && bound === 1 ? 'must not be empty' : `must be ${small ? 'at least' : 'at most'} ${plural(bound, 'character', 'characters')} long, not ${n}`;
      return not(`must be ${small ? (exact ? 'at least' : 'greater than') : (exact ? 'at most' : 'less than')} ${bound}`);
    }
    default: return not(i.message);
  }
}

/**
 * Zod issues as ConfigIssues, each message saying what is wrong with the value `input` holds at that
 * path (a missing value: "required"). For a union that failed, when exactly one alternative got past the
 * type check (its problems are all inside the value), report that alternative's problems, which name the
 * real field; otherwise the union's own message.
 */
export function zodIssues(issues: readonly z.core.$ZodIssue[], input: unknown, prefix: readonly PropertyKey[] = []): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const i of issues) {
    const path = [...prefix, ...i.path];
    const value = valueAt(input, i.path);
    if (i.code === 'invalid_union') {
      const nested = i.errors.filter((branch) => branch.length > 0 && branch.every((b) => b.path.length > 0));
      if (nested.length === 1) {
        out.push(...zodIssues(nested[0]!, value, path));
        continue;
      }
    }
    if (i.code === 'invalid_key') {
      out.push(...zodIssues(i.issues, value, path));
    } else if (i.code === 'unrecognized_keys') {
      for (const k of i.keys) out.push({ path: formatPath([...path, k]), message: 'unknown field' });
    } else if (value === undefined && i.code !== 'custom') {
      out.push({ path: formatPath(path), message: 'required' });
    } else {
      out.push({ path: formatPath(path), message: issueMessage(i, value) });
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
  const issues = [...(parsed.success ? [] : zodIssues(parsed.error.issues, raw)), ...semanticIssues(raw)];
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
