/**
 * Every program the tests run is installed by the set-up script: each entry of test/helpers/programs.ts names a
 * package in `scripts/setup.sh --list` (or one that every Debian system has), and is present on this machine.
 * A machine set up without scripts/setup.sh fails here, naming the package, before any daemon test starts.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROGRAM_PACKAGES, requireProgram } from '../../helpers/programs.js';
import { MissingProgramError, requireProgramFrom } from '../../../src/lib/programs.js';

const REPO = join(import.meta.dirname, '../../..');
// essential in every Debian system (Priority: required), so not listed in the set-up script
const ESSENTIAL = new Set(['dpkg', 'apt', 'util-linux', 'passwd']);

describe('the programs the tests use', () => {
  const listed = new Set(execFileSync('bash', [join(REPO, 'scripts/setup.sh'), '--list'], { encoding: 'utf8' }).split('\n').filter(Boolean));

  it.each(Object.entries(PROGRAM_PACKAGES))('%s comes from a package the set-up script installs (%s)', (program, pkg) => {
    expect(listed.has(pkg) || ESSENTIAL.has(pkg), `${pkg} (for ${program}) is missing from scripts/setup.sh's packages`).toBe(true);
    expect(() => requireProgram(program)).not.toThrow();
  });

  it('names the package and the set-up script when a program is missing', () => {
    expect(() => requireProgramFrom('no-such-program-vg', 'vg-pkg')).toThrow(MissingProgramError);
    expect(() => requireProgramFrom('no-such-program-vg', 'vg-pkg')).toThrow(/no-such-program-vg is not installed: Debian package vg-pkg \(bash scripts\/setup.sh/);
    expect(() => requireProgram('no-such-program-vg')).toThrow(/not in test\/helpers\/programs.ts/);
  });
});
