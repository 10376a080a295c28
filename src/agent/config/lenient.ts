/**
 * Reading MetalLB's objects field by field, with nothing dropped silently: a field the schema does not
 * know is a warning naming its path (MetalLB's API server prunes unknown fields, so such a field has no
 * effect there either), and the rest of the object is still read; every other problem is an error with
 * its path and what is wrong with the value as given (zodIssues). The schemas are strict objects; the
 * unknown keys they report are taken out and the object parsed again.
 */
import type { z } from 'zod';
import { formatPath } from '../../config/error.js';
import { zodIssues } from '../../config/router-config.js';

/** Where a conversion reports what it found: errors refuse the configuration, warnings do not. */
export interface Findings {
  issue(path: string, message: string): void;
  warn(path: string, message: string): void;
}

/** "BGPPeer/a.spec" + ["nodeSelectors", 0] → "BGPPeer/a.spec.nodeSelectors[0]". */
export function joinPath(base: string, sub: readonly PropertyKey[] | string): string {
  const rest = typeof sub === 'string' ? sub : formatPath(sub);
  if (rest === '') return base;
  return base === '' || rest.startsWith('[') ? `${base}${rest}` : `${base}.${rest}`;
}

function withoutKeys(value: unknown, path: readonly PropertyKey[], keys: readonly string[]): void {
  let v = value;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  if (v !== null && typeof v === 'object') for (const k of keys) delete (v as Record<string, unknown>)[k];
}

/**
 * `schema` applied to `value`; unknown fields are warned about (`unknown(path)` may say more than
 * "unknown field", e.g. which API version has it), other problems reported as errors under `base`.
 * Undefined when there were errors.
 */
export function parseKnown<T extends z.ZodType>(schema: T, value: unknown, base: string, f: Findings,
  unknown: (path: readonly PropertyKey[]) => string = () => 'unknown field, ignored'): z.output<T> | undefined {
  let input: unknown = structuredClone(value ?? {});
  for (let round = 0; round < 8; round++) {
    const r = schema.safeParse(input);
    if (r.success) return r.data;
    const keys = r.error.issues.filter((i) => i.code === 'unrecognized_keys');
    const other = r.error.issues.filter((i) => i.code !== 'unrecognized_keys');
    for (const i of keys) for (const k of i.keys) f.warn(joinPath(base, [...i.path, k]), unknown([...i.path, k]));
    if (other.length > 0) {
      for (const i of zodIssues(other, input)) f.issue(joinPath(base, i.path), i.message);
      return undefined;
    }
    for (const i of keys) withoutKeys(input, i.path, i.keys);
  }
  f.issue(base, 'too deeply nested unknown fields');
  return undefined;
}
