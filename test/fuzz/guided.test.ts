/**
 * Coverage guidance works (guided.ts over V8 block coverage, coverage.ts), on real decoders: started from
 * one real input, with the same number of mutated inputs, the guided fuzzer (which keeps what runs new code
 * and mutates it further) runs more code of src/ than the plain mutation fuzzer (which only mutates the
 * seed), and the inputs it kept run the code only it reached again when replayed alone (so it is the
 * corpus's doing, not a batch's luck), while the seed alone does not. Input budgets, not time: the runs
 * are deterministic. (From the full seed corpus the two reach about the same code: bench/fuzz-coverage.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockCoverage, countBlocks, projectSources, type Hit } from './coverage.js';
import { coverageRun, type RunOptions } from './guided.js';
import { mutantsOf } from './mutate.js';
import type { FuzzTarget } from './targets.js';

const REPO = new URL('../../', import.meta.url).pathname;
const cov = new BlockCoverage(projectSources(REPO));
let targets: readonly FuzzTarget<unknown>[] = [];

beforeAll(async () => {
  cov.start();
  // imported after coverage is on, so that V8 compiles the decoders with block counters
  targets = (await import('./targets.js')).TARGETS;
});

afterAll(() => cov.stop());

/** Code run by `inputs` alone. */
function reach(target: FuzzTarget<unknown>, inputs: readonly unknown[]): Hit {
  cov.take();
  for (const x of inputs) target.run(x);
  return cov.take();
}

/** "function position" of every position covered by `a` and not by `b`. */
function only(a: Hit, b: Hit): string[] {
  const out: string[] = [];
  for (const [key, ran] of a) ran.forEach((r, i) => { if (r === 1 && b.get(key)?.[i] !== 1) out.push(`${key} +${i}`); });
  return out;
}

describe('coverage-guided fuzzing', () => {
  // the attributes of a captured UPDATE (an End-of-RIB's MP_UNREACH_NLRI); a BFD Down packet without authentication
  for (const [name, seed, inputs] of [['bgp-attributes', '800f03000201', 4000], ['bfd-control', '204003181122334400000000000186a0000186a000000000', 4000]] as const) {
    it(`${name} from ${seed}: ${inputs} guided inputs run more code than ${inputs} plain mutants; the kept corpus alone runs it again`, () => {
      const full = targets.find((t) => t.name === name)!;
      const one = full.seeds.filter((s) => full.show(s) === seed).slice(0, 1);
      expect(one).toHaveLength(1);
      const target: FuzzTarget<unknown> = { ...full, seeds: one, arbitrary: mutantsOf(one, full.mutation) };
      const opt = { maxInputs: inputs, seconds: 600, seed: 7, maxBatch: 64 } satisfies Omit<RunOptions, 'mode'>;

      const plain = coverageRun(target, cov, { ...opt, mode: 'plain' });
      const plainCovered = cov.covered;
      const kept: unknown[] = [];
      const guided = coverageRun(target, cov, { ...opt, mode: 'guided' }, (input) => kept.push(input));
      const guidedOnly = only(cov.covered, plainCovered);
      const ends = [plain.end, guided.end];
      const [p, g] = [plain.result, guided.result];

      console.log(`${name}: plain ${p.inputs} inputs, positions ${p.seedPositions} -> ${p.positions}, blocks ${countBlocks(plain.end, ends)}; `
        + `guided ${g.inputs} inputs, positions ${g.seedPositions} -> ${g.positions}, blocks ${countBlocks(guided.end, ends)}, `
        + `corpus ${g.seeds} -> ${g.seeds + g.kept}; ${guidedOnly.length} positions only guided ran, e.g. ${guidedOnly[0]?.replace(REPO, '')}`);
      expect(p.inputs).toBe(inputs);
      expect(g.inputs).toBe(inputs);
      expect(p.crashes).toEqual([]);
      expect(g.crashes).toEqual([]);
      expect(g.kept).toBe(kept.length);
      expect(g.kept).toBeGreaterThan(0);
      expect(g.positions).toBeGreaterThan(p.positions);
      expect(countBlocks(guided.end, ends)).toBeGreaterThan(countBlocks(plain.end, ends));

      // the seed plus the kept inputs, run alone, run most of what only the guided run reached; the seed does not
      const replayed = reach(target, [...target.seeds, ...kept]);
      const seedsOnly = reach(target, target.seeds);
      const again = guidedOnly.filter((pos) => { const [key, at] = pos.split(' +'); return replayed.get(key!)?.[Number(at)] === 1; });
      const bySeeds = again.filter((pos) => { const [key, at] = pos.split(' +'); return seedsOnly.get(key!)?.[Number(at)] === 1; });
      expect(again.length).toBeGreaterThan(guidedOnly.length / 2);
      expect(bySeeds).toEqual([]);
    });
  }
});
