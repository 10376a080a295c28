/**
 * Coverage-guided fuzzing against the plain mutation fuzzer, per target (test/fuzz/targets.ts), over the
 * same time: each (target, mode) runs in a process of its own that turns V8 block coverage on before it
 * loads any decoder (test/fuzz/coverage.ts), runs the seeds, then fuzzes (test/fuzz/guided.ts) until its
 * time or input budget is spent. Reported per target and mode: inputs tried, corpus growth (guided),
 * code of src/ covered by the seeds and by the end (positions, and blocks counted on the ranges both runs
 * of the target listed), crashes with their input (each one becomes a case in test/fuzz/crashers.ts), the
 * slowest input.
 *
 *   node --import tsx bench/fuzz-coverage.ts [--seconds 60] [--inputs 100000000] [--target NAME[,NAME...]] [--seed 1]
 *     [--modes plain,guided] [--out FILE]
 *
 * Writes bench/results/fuzz-coverage-DATE.json.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BlockCoverage, countBlocks, projectSources } from '../test/fuzz/coverage.js';
import { coverageRun, type Mode, type RunOutcome, type RunResult } from '../test/fuzz/guided.js';
import { pickTargets, writeFuzzResults } from './lib/fuzz-common.js';

const { values: opt } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    inputs: { type: 'string', default: '100000000' },
    /** One target, or several separated by commas. */
    target: { type: 'string' },
    seed: { type: 'string', default: '1' },
    modes: { type: 'string', default: 'plain,guided' },
    out: { type: 'string' },
    // internal: one (target, mode) run, its result as JSON on the last line of stdout
    child: { type: 'string' },
  },
});

const REPO = fileURLToPath(new URL('../', import.meta.url));
const seconds = Number(opt.seconds);
const maxInputs = Number(opt.inputs);
const seed = Number(opt.seed);

async function child(target: string, mode: Mode): Promise<void> {
  const cov = new BlockCoverage(projectSources(REPO));
  cov.start();
  // loaded only now, so that V8 compiles the decoders with block counters
  const { TARGETS } = await import('../test/fuzz/targets.js');
  const [t] = pickTargets(TARGETS, target);
  const r = coverageRun(t!, cov, { mode, maxInputs, seconds, seed, maxBatch: 'auto' });
  cov.stop();
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

async function parent(): Promise<void> {
  const modes = opt.modes.split(',') as Mode[];
  // this process only picks targets and starts the runs; coverage is measured in the children
  const { TARGETS } = await import('../test/fuzz/targets.js');
  const chosen = (opt.target?.split(',') ?? [undefined]).flatMap((name) => pickTargets(TARGETS, name));
  process.stdout.write(`${chosen.length} targets, modes ${modes.join(', ')}, ${seconds} s each\n`);
  const results: (RunResult & { seedBlocks: number; blocks: number })[] = [];
  const failures: { target: string; mode: Mode; error: string }[] = [];
  for (const { name } of chosen) {
    const runs: RunOutcome[] = [];
    for (const mode of modes) {
      let out: string;
      try {
        out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', `${name}:${mode}`,
          '--seconds', String(seconds), '--inputs', String(maxInputs), '--seed', String(seed)], { cwd: REPO, encoding: 'utf8', maxBuffer: 64 << 20 });
      } catch (e) {
        // a run that could not start or died (not a decoder crash: those are caught and reported by the run)
        const error = String((e as { stderr?: string }).stderr ?? e).trim().split('\n').slice(-6).join(' | ');
        failures.push({ target: name, mode, error });
        process.stdout.write(`${name.padEnd(26)} ${mode.padEnd(6)} RUN FAILED: ${error}\n`);
        continue;
      }
      runs.push(JSON.parse(out.trim().split('\n').pop()!) as RunOutcome);
    }
    const ends = runs.map((r) => r.end);
    for (const { result: r, seeds, end } of runs) {
      const seedBlocks = countBlocks(seeds, ends);
      const blocks = countBlocks(end, ends);
      results.push({ ...r, seedBlocks, blocks });
      process.stdout.write(`${name.padEnd(26)} ${r.mode.padEnd(6)} ${String(r.inputs).padStart(9)} inputs in ${String(r.seconds).padStart(5)} s  `
        + `blocks ${seedBlocks} -> ${blocks}  positions ${r.seedPositions} -> ${r.positions}  corpus ${r.seeds} -> ${r.seeds + r.kept}  `
        + `crashes ${r.crashes.length}  slowest ${r.slowestMs} ms\n`);
      for (const c of r.crashes) process.stdout.write(`  CRASH ${c.error}\n    input ${c.input.slice(0, 2000)}\n`);
    }
  }
  const byTarget = chosen.map(({ name }) => {
    const of = (m: Mode) => results.find((r) => r.target === name && r.mode === m);
    return {
      target: name, plainInputs: of('plain')?.inputs, guidedInputs: of('guided')?.inputs, plainBlocks: of('plain')?.blocks, guidedBlocks: of('guided')?.blocks,
      plainPositions: of('plain')?.positions, guidedPositions: of('guided')?.positions,
    };
  });
  const crashes = results.reduce((n, r) => n + r.crashes.length, 0);
  const total = results.reduce((n, r) => n + r.inputs, 0);
  process.stdout.write(`total ${total} inputs, ${crashes} crashes\n`);
  for (const b of byTarget) {
    process.stdout.write(`${b.target.padEnd(26)} blocks plain ${b.plainBlocks ?? '-'}  guided ${b.guidedBlocks ?? '-'}   `
      + `positions plain ${b.plainPositions ?? '-'}  guided ${b.guidedPositions ?? '-'}\n`);
  }
  const path = writeFuzzResults('fuzz-coverage', opt.out, { seconds, maxInputs, seed, total, crashes, failures, byTarget, results });
  process.stdout.write(`wrote ${path}\n`);
  process.exitCode = crashes > 0 || failures.length > 0 ? 1 : 0;
}

if (opt.child !== undefined) {
  const [target, mode] = opt.child.split(':') as [string, Mode];
  await child(target, mode);
} else {
  await parent();
}
