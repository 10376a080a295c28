/**
 * The one error configuration loading throws: every problem found, each with the path of the field
 * ("neighbors[1].holdTime") and the reason, so the operator can fix them all in one go.
 */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly issues: readonly ConfigIssue[], readonly source = 'configuration') {
    super(`${source}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n${issues.map((i) => `  ${i.path || '(top)'}: ${i.message}`).join('\n')}`);
  }
}

/** "neighbors[1].holdTime" from ['neighbors', 1, 'holdTime']. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}
