/**
 * A small argument parser: positional words, `--flag`, `--key value` and `--key=value`. Unknown flags
 * are errors so that a typo never silently changes what a command does.
 */
export class UsageError extends Error {
  constructor(message: string) { super(message); this.name = 'UsageError'; }
}

export interface ParsedArgs {
  readonly words: string[];
  readonly flags: Map<string, string | true>;
}

/** `valued` lists the flags that take a value; every other known flag is a switch. */
export function parseArgs(argv: readonly string[], valued: readonly string[], switches: readonly string[]): ParsedArgs {
  const words: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) { words.push(a); continue; }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (valued.includes(name)) {
      const value = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      flags.set(name, value);
    } else if (switches.includes(name) && eq < 0) {
      flags.set(name, true);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return { words, flags };
}

export function stringFlag(p: ParsedArgs, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** Exit codes that mean something to scripts and systemd. */
export const ExitCode = { OK: 0, FAILURE: 1, USAGE: 2, CONFIG: 3, UNREACHABLE: 4 } as const;
