/**
 * Long fuzzing run over every decoder (test/fuzz/targets.ts): for each target, mutants of real inputs until
 * its time budget or input budget is spent, in chunks with fresh seeds; a failing chunk's input is shrunk by
 * fast-check and printed (it becomes a case in test/fuzz/crashers.ts), then fuzzing goes on with the next
 * seed. The slowest single input is reported too: a decoder that loops shows up there (hang).
 *
 *   node --import tsx bench/fuzz.ts [--seconds 60] [--inputs 1000000] [--target NAME] [--seed 1] [--out FILE]
 *
 * A target stops at whichever budget it reaches first. Writes a JSON summary to bench/results/ and prints
 * inputs tried, outcomes, crashes and the slowest input per target.
 */
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { TARGETS, type FuzzTarget, type Outcome } from '../test/fuzz/targets.js';
import { pickTargets, writeFuzzResults } from './lib/fuzz-common.js';

const { values: opt } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    inputs: { type: 'string', default: '1000000' },
    target: { type: 'string' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string' },
  },
});

const CHUNK = 20_000;

interface Crasher { readonly seed: number; readonly error: string; readonly input: string }

interface TargetResult {
  readonly target: string;
  readonly contract: string;
  inputs: number;
  accepted: number;
  rejected: number;
  crashes: Crasher[];
  slowestMs: number;
  seconds: number;
}

function fuzz(target: FuzzTarget<unknown>, seconds: number, maxInputs: number, firstSeed: number): TargetResult {
  const res: TargetResult = { target: target.name, contract: target.contract, inputs: 0, accepted: 0, rejected: 0, crashes: [], slowestMs: 0, seconds: 0 };
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  const counts: Record<Outcome, number> = { accepted: 0, rejected: 0 };
  let slowest = 0;
  const property = fc.property(target.arbitrary, (input) => {
    const s = performance.now();
    try {
      counts[target.run(input)]++;
    } finally {
      const took = performance.now() - s;
      if (took > slowest) slowest = took;
    }
  });
  for (let seed = firstSeed; res.inputs < maxInputs && performance.now() < deadline; seed++) {
    const left = deadline - performance.now();
    const r = fc.check(property, {
      seed, numRuns: Math.min(CHUNK, maxInputs - res.inputs), interruptAfterTimeLimit: Math.max(1, left), markInterruptAsFailure: false,
    });
    res.inputs += r.numRuns;
    if (r.failed && r.counterexample) {
      const input = target.show(r.counterexample[0]);
      res.crashes.push({ seed, error: String(r.errorInstance).split('\n')[0]!, input });
      process.stdout.write(`  CRASH ${target.name} seed ${seed}: ${String(r.errorInstance).split('\n')[0]}\n    input ${input.slice(0, 2000)}\n`);
    }
  }
  res.accepted = counts.accepted;
  res.rejected = counts.rejected;
  res.slowestMs = Math.round(slowest * 100) / 100;
  res.seconds = Math.round((performance.now() - t0) / 100) / 10;
  return res;
}

const seconds = Number(opt.seconds);
const maxInputs = Number(opt.inputs);
const chosen = pickTargets(TARGETS, opt.target);

const results: TargetResult[] = [];
process.stdout.write(`fuzzing ${chosen.length} targets, at most ${seconds} s and ${maxInputs} inputs each\n`);
for (const t of chosen) {
  const r = fuzz(t, seconds, maxInputs, Number(opt.seed));
  results.push(r);
  process.stdout.write(`${r.target.padEnd(26)} ${String(r.inputs).padStart(9)} inputs in ${String(r.seconds).padStart(6)} s  accepted ${String(r.accepted).padStart(8)}  rejected ${String(r.rejected).padStart(8)}  crashes ${r.crashes.length}  slowest ${r.slowestMs} ms\n`);
}
const total = results.reduce((n, r) => n + r.inputs, 0);
const crashes = results.reduce((n, r) => n + r.crashes.length, 0);
process.stdout.write(`total ${total} inputs, ${crashes} crashes\n`);

const out = writeFuzzResults('fuzz', opt.out, { seconds, maxInputs, total, crashes, results });
process.stdout.write(`wrote ${out}\n`);
process.exitCode = crashes > 0 ? 1 : 0;
