/**
 * Coverage-guided fuzzing of one target (targets.ts), and the plain mutation fuzzer measured the same way
 * for comparison. Both start by running the target's seeds (real captures, codec vectors, example files).
 *
 * Coverage is counted in positions of code run (coverage.ts), which does not depend on what else ran.
 *
 * guided: a child is one of the target's mutations applied to an input picked from the corpus (the seeds
 * plus every input kept so far). Inputs run in batches, because a coverage take costs milliseconds (V8
 * walks every function's counters); after each batch the block coverage of src/ is taken (coverage.ts),
 * and when the batch ran code never run before, a binary search (re-running halves, one take
 * each) finds an input that runs new code on its own; it joins the corpus, so later mutations start
 * from inputs that already got past a check (a length, a type code, a capability). Batches halve after a
 * batch with new code and double after one without (up to the limit), so that searches stay short while
 * new code is frequent and takes rare when they are not.
 * plain: the target's fast-check arbitrary (one mutation of a seed, as bench/fuzz.ts and test/fuzz run it),
 * coverage taken after each batch only to measure it.
 *
 * A crash is any error the target's contract does not allow (its run() lets it through); it is recorded
 * with the input as the target shows it, the input is not kept, and fuzzing goes on.
 */
import fc from 'fast-check';
import type { BlockCoverage, Hit, Snapshot } from './coverage.js';
import type { FuzzTarget } from './targets.js';

export type Mode = 'guided' | 'plain';

export interface RunOptions {
  readonly mode: Mode;
  /** Stop at whichever budget is spent first. */
  readonly maxInputs: number;
  readonly seconds: number;
  readonly seed: number;
  /** Most inputs between two coverage takes; 'auto' keeps the takes at about a quarter of the time. */
  readonly maxBatch: number | 'auto';
}

export interface Crash { readonly error: string; readonly input: string }

export interface RunResult {
  readonly target: string;
  readonly mode: Mode;
  /** Mutated inputs tried (seeds and the re-runs that find which input of a batch was new are not counted). */
  inputs: number;
  seconds: number;
  /** Code of src/ the seeds reach, and all inputs together by the end, in positions (coverage.ts). */
  seedPositions: number;
  positions: number;
  seeds: number;
  /** Inputs kept for running new code (guided only). */
  kept: number;
  crashes: Crash[];
  slowestMs: number;
  /** The slowest input as the target shows it (to time it again: a decoder that loops shows up here). */
  slowestInput: string;
  /** Positions covered after n inputs, sampled about 40 times (by inputs or time, whichever comes first). */
  timeline: [inputs: number, positions: number][];
}

/** A run's figures, and its coverage after the seeds and at the end (for blocks: countBlocks). */
export interface RunOutcome {
  readonly result: RunResult;
  readonly seeds: Snapshot;
  readonly end: Snapshot;
}

/** Distinct crash messages recorded per run (the same bug found again adds nothing). */
const MAX_CRASHES = 20;
const MIN_BATCH = 8;
/** Binary searches for new inputs after one batch (the rest of its new code counts as covered). */
const MAX_SEARCHES = 4;

/** Fuzz `target` as `opt` says, coverage read from `cov`; `onKeep` sees each input the guided mode keeps. */
export function coverageRun(target: FuzzTarget<unknown>, cov: BlockCoverage, opt: RunOptions, onKeep?: (input: unknown) => void): RunOutcome {
  const res: RunResult = {
    target: target.name, mode: opt.mode, inputs: 0, seconds: 0, seedPositions: 0, positions: 0, seeds: target.seeds.length, kept: 0,
    crashes: [], slowestMs: 0, slowestInput: '', timeline: [],
  };
  const t0 = performance.now();
  const deadline = t0 + opt.seconds * 1000;
  let inputMs = 0;
  let slowest: unknown;
  let takeMs = 0;
  let takes = 0;

  /** Run one input; false if it broke the contract (recorded the first time its message is seen). */
  const execute = (input: unknown, record: boolean): boolean => {
    const s = performance.now();
    try {
      target.run(input);
      return true;
    } catch (e) {
      const error = String(e).split('\n')[0]!;
      if (record && res.crashes.length < MAX_CRASHES && !res.crashes.some((c) => c.error === error)) {
        res.crashes.push({ error, input: target.show(input) });
      }
      return false;
    } finally {
      const took = performance.now() - s;
      inputMs += took;
      if (took > res.slowestMs) { res.slowestMs = took; slowest = input; }
    }
  };
  const take = (): Hit => {
    const s = performance.now();
    const hit = cov.take();
    takeMs += performance.now() - s;
    takes++;
    return hit;
  };
  const maxBatch = (): number => {
    if (opt.maxBatch !== 'auto') return opt.maxBatch;
    const perInput = inputMs / Math.max(1, res.inputs + target.seeds.length);
    return Math.max(MIN_BATCH, Math.min(4096, Math.round((3 * takeMs) / Math.max(1, takes) / Math.max(perInput, 1e-3))));
  };
  let batchSize = MIN_BATCH;

  cov.resetCovered();
  for (const s of target.seeds) execute(s, true);
  cov.merge(take());
  res.seedPositions = cov.positions();
  const seeds = cov.snapshot();
  const corpus: unknown[] = [...target.seeds];

  /** Run `items` again and take the code they run. */
  const rerun = (items: readonly unknown[]): Hit => {
    for (const x of items) execute(x, false);
    return take();
  };
  /**
   * `batch` reached `hit`, some of it new: find inputs that run new code alone, by binary search (the
   * half that runs new code, else the other half), and keep them, while the batch's new code is not
   * all covered by what was kept.
   */
  const keepNew = (batch: readonly unknown[], hit: Hit): void => {
    let rest = batch;
    for (let round = 0; round < MAX_SEARCHES && rest.length > 0 && cov.newIn(hit) > 0; round++) {
      let candidates = rest;
      while (candidates.length > 1) {
        const half = candidates.slice(0, candidates.length >> 1);
        candidates = cov.newIn(rerun(half)) > 0 ? half : candidates.slice(half.length);
      }
      const found = candidates[0];
      const alone = rerun([found]);
      if (cov.newIn(alone) === 0) return; // not reproducible alone (a first-call path): leave it
      corpus.push(found);
      res.kept++;
      onKeep?.(found);
      cov.merge(alone);
      rest = rest.filter((x) => x !== found);
    }
  };

  let sampleSeed = opt.seed;
  let nextSample = 0;
  let samples: unknown[] = [];
  const draw = <T>(arb: fc.Arbitrary<T>): T => {
    if (nextSample >= samples.length) { samples = fc.sample(arb, { seed: sampleSeed++, numRuns: 1024 }); nextSample = 0; }
    return samples[nextSample++] as T;
  };
  const guidedChild = fc.tuple(fc.nat(), target.mutation);
  let nextInputs = 0;
  let nextTime = t0;

  while (res.inputs < opt.maxInputs && performance.now() < deadline) {
    const n = Math.min(batchSize, opt.maxInputs - res.inputs);
    const batch: unknown[] = [];
    for (let i = 0; i < n; i++) {
      let input: unknown;
      if (opt.mode === 'guided') {
        const [pick, mutation] = draw(guidedChild);
        input = mutation.apply(corpus[pick % corpus.length], corpus);
      } else {
        input = draw(target.arbitrary);
      }
      if (execute(input, true)) batch.push(input);
    }
    res.inputs += n;
    const hit = take();
    if (cov.newIn(hit) > 0) {
      if (opt.mode === 'guided') keepNew(batch, hit);
      // code of the batch that no kept input runs alone counts all the same
      cov.merge(hit);
      batchSize = Math.max(MIN_BATCH, batchSize >> 1);
    } else {
      batchSize = Math.min(maxBatch(), batchSize * 2);
    }
    if (res.inputs >= nextInputs || performance.now() >= nextTime) {
      res.timeline.push([res.inputs, cov.positions()]);
      nextInputs = res.inputs + Math.max(1, Math.floor(opt.maxInputs / 40));
      nextTime = performance.now() + (opt.seconds * 1000) / 40;
    }
  }
  res.positions = cov.positions();
  res.timeline.push([res.inputs, res.positions]);
  res.seconds = Math.round((performance.now() - t0) / 100) / 10;
  res.slowestMs = Math.round(res.slowestMs * 100) / 100;
  res.slowestInput = slowest === undefined ? '' : target.show(slowest);
  return { result: res, seeds, end: cov.snapshot() };
}
