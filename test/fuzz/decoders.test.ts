/**
 * Bounded fuzzing of every decoder that reads outside input (targets.ts): a few thousand seeded mutants of
 * real inputs per decoder, each checked against the decoder's contract; both outcomes (accepted, rejected)
 * must be reached or the mutants prove little. Crashers found earlier are replayed as unit cases.
 * The long runs (millions of inputs) are bench/fuzz.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CRASHERS } from './crashers.js';
import { TARGETS, targetProperty, type FuzzTarget, type Outcome } from './targets.js';
import { fromHex } from '../../src/lib/bytes.js';

/** Config parsing goes through the YAML library (about 2 ms an input): fewer of those. */
const RUNS: Readonly<Record<string, number>> = { 'router-config': 800, 'agent-config': 1500 };
const DEFAULT_RUNS = 3000;

describe('fuzz: mutants of real inputs keep every decoder inside its contract', () => {
  for (const [i, t] of TARGETS.entries()) {
    it(`${t.name}: ${t.contract}`, () => {
      const counts: Record<Outcome, number> = { accepted: 0, rejected: 0 };
      const numRuns = RUNS[t.name] ?? DEFAULT_RUNS;
      fc.assert(targetProperty(t, counts), { seed: 1000 + i, numRuns });
      console.log(`fuzz ${t.name}: ${numRuns} inputs, ${counts.accepted} accepted, ${counts.rejected} rejected`);
      expect(counts.accepted).toBeGreaterThan(0);
      expect(counts.rejected).toBeGreaterThan(0);
    });
  }
});

describe('crashers found by fuzzing, as unit cases', () => {
  const byName = new Map(TARGETS.map((t) => [t.name, t]));
  for (const c of CRASHERS) {
    it(`${c.target} ${c.input.slice(0, 40)}: ${c.found}`, () => {
      const t = byName.get(c.target) as FuzzTarget<unknown>;
      const input: unknown = c.input.startsWith('"') ? JSON.parse(c.input) : fromHex(c.input);
      expect(() => t.run(input)).not.toThrow();
      expect(t.show(input)).toBe(c.input);
    });
  }
});
