/**
 * Code coverage of this process's own code, read from V8 through node:inspector (Profiler precise coverage
 * with call counts and block detail: the data behind NODE_V8_COVERAGE), taken as often as a fuzzer needs.
 *
 * V8 reports, per function, a list of nested source ranges with execution counts; a range whose count
 * equals its parent's is left out, so which ranges are listed depends on what ran. What does not depend on
 * it is whether a source position ran: the count of the innermost listed range that contains it. A take
 * therefore gives, per function, the positions that ran since the previous take (counters restart at zero
 * after each take): that is the signal a fuzzer compares ("new code reached"). Nested functions are
 * functions of their own, so an inner function running for the first time is new even though its text
 * lies inside a function that ran before.
 *
 * Blocks, for reports: every range V8 has listed for a function so far is a block; a block is covered when
 * a position of its own (not inside a smaller listed range) ran. Two runs are compared on the same list of
 * ranges (countBlocks over their union), since a run that does more also lists more ranges.
 *
 * V8 instruments only functions compiled after block coverage is on: start() must come before the code to
 * measure is imported (dynamic import() afterwards). start() also turns optimisation off for the process.
 */
import { Session } from 'node:inspector';
import { setFlagsFromString } from 'node:v8';

interface Range { readonly startOffset: number; readonly endOffset: number; readonly count: number }
interface FunctionCoverage { readonly ranges: readonly Range[]; readonly isBlockCoverage: boolean }
interface ScriptCoverage { readonly url: string; readonly functions: readonly FunctionCoverage[] }

/** Per function ("url start-offset"), the positions that ran (1), indexed from the function's start. */
export type Hit = Map<string, Uint8Array>;

/** What two runs need to be compared on blocks: ranges listed and positions covered, per function. */
export interface Snapshot {
  /** Per function, its ranges as [start, end] offsets relative to the function's start. */
  readonly ranges: Record<string, [number, number][]>;
  /** Per function, the covered positions as [start, end) runs. */
  readonly covered: Record<string, [number, number][]>;
}

export class BlockCoverage {
  private readonly session = new Session();
  /** Every range listed so far, per function, relative to the function's start ("s-e" -> [s, e]). */
  private readonly known = new Map<string, Map<string, [number, number]>>();
  /** Positions run by everything merged so far. */
  covered: Hit = new Map();

  /** `include` picks the scripts that count (e.g. the project's src/ files). */
  constructor(private readonly include: (url: string) => boolean) {}

  start(): void {
    // code optimised by TurboFan does not count function entries: after warm-up, hot functions would be
    // reported as never called and vanish from the takes (measured: half of the functions a BGP attribute
    // seed runs). The interpreter and the baseline compiler count them: no optimisation in this process.
    setFlagsFromString('--no-opt');
    this.session.connect();
    this.post('Profiler.enable');
    this.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }

  stop(): void {
    this.post('Profiler.stopPreciseCoverage');
    this.session.disconnect();
  }

  /** Positions run since the previous take. */
  take(): Hit {
    const scripts = this.post('Profiler.takePreciseCoverage') as { result: ScriptCoverage[] };
    const hit: Hit = new Map();
    for (const script of scripts.result) {
      if (!this.include(script.url)) continue;
      for (const fn of script.functions) {
        const whole = fn.ranges[0];
        if (!fn.isBlockCoverage || whole === undefined || whole.count === 0) continue;
        const key = `${script.url} ${whole.startOffset}`;
        const base = whole.startOffset;
        let known = this.known.get(key);
        if (!known) this.known.set(key, known = new Map());
        // listed parents come before their children (by start, longer first): painting in order leaves
        // each position with its innermost range's verdict
        const ran = new Uint8Array(whole.endOffset - base);
        for (const r of fn.ranges) {
          ran.fill(r.count > 0 ? 1 : 0, r.startOffset - base, r.endOffset - base);
          known.set(`${r.startOffset - base}-${r.endOffset - base}`, [r.startOffset - base, r.endOffset - base]);
        }
        hit.set(key, ran);
      }
    }
    return hit;
  }

  /** Positions of `hit` not covered yet. */
  newIn(hit: Hit): number {
    let n = 0;
    for (const [key, ran] of hit) {
      const have = this.covered.get(key);
      for (let i = 0; i < ran.length; i++) if (ran[i] === 1 && have?.[i] !== 1) n++;
    }
    return n;
  }

  merge(hit: Hit): void {
    for (const [key, ran] of hit) {
      const have = this.covered.get(key);
      if (!have) { this.covered.set(key, Uint8Array.from(ran)); continue; }
      for (let i = 0; i < ran.length; i++) have[i] = have[i]! | ran[i]!;
    }
  }

  /** Positions covered (characters of the compiled code of src/, each function counted on its own). */
  positions(): number {
    let n = 0;
    for (const ran of this.covered.values()) for (const b of ran) n += b;
    return n;
  }

  /** Forget what was covered (a new measurement in the same process; the ranges listed so far stay known). */
  resetCovered(): void {
    this.covered = new Map();
    this.take();
  }

  snapshot(): Snapshot {
    const ranges: Record<string, [number, number][]> = {};
    for (const [key, known] of this.known) ranges[key] = [...known.values()];
    const covered: Record<string, [number, number][]> = {};
    for (const [key, ran] of this.covered) {
      const runs: [number, number][] = [];
      for (let i = 0; i < ran.length; i++) {
        if (ran[i] !== 1) continue;
        let j = i;
        while (j < ran.length && ran[j] === 1) j++;
        runs.push([i, j]);
        i = j;
      }
      covered[key] = runs;
    }
    return { ranges, covered };
  }

  private post(method: string, params?: object): unknown {
    // the inspector answers a session on the main thread synchronously
    let out: unknown;
    let failure: Error | null = null;
    this.session.post(method, params, (err, res) => { failure = err; out = res; });
    if (failure) throw failure;
    return out;
  }
}

/** Blocks of `of` covered, on the union of the ranges listed in all `runs` (see the module comment). */
export function countBlocks(of: Snapshot, runs: readonly Snapshot[]): number {
  let n = 0;
  for (const key of new Set(runs.flatMap((r) => Object.keys(r.ranges)))) {
    const unique = new Map<string, [number, number]>();
    for (const r of runs) for (const x of r.ranges[key] ?? []) unique.set(`${x[0]}-${x[1]}`, x);
    // by start, longer first: painting in this order leaves each position owned by its innermost range
    const ranges = [...unique.values()].sort((x, y) => x[0] - y[0] || y[1] - x[1]);
    const length = Math.max(0, ...ranges.map((r) => r[1]));
    const ran = new Uint8Array(length);
    for (const [s, e] of of.covered[key] ?? []) ran.fill(1, s, e);
    const owner = new Int32Array(length).fill(-1);
    ranges.forEach(([s, e], i) => owner.fill(i, s, e));
    const hasOwn = new Set<number>();
    const covered = new Set<number>();
    for (let p = 0; p < length; p++) {
      const i = owner[p]!;
      if (i < 0) continue;
      hasOwn.add(i);
      if (ran[p] === 1) covered.add(i);
    }
    // a range tiled by smaller ones has no position of its own: covered when any of it ran
    ranges.forEach(([s, e], i) => { if (!hasOwn.has(i) && ran.subarray(s, e).includes(1)) covered.add(i); });
    n += covered.size;
  }
  return n;
}

/** Scripts of the project's src/ folder (as tsx or vitest name them: file URL or path). */
export function projectSources(repo: string): (url: string) => boolean {
  const dir = `${repo.replace(/\/$/, '')}/src/`;
  return (url) => url.startsWith(`file://${dir}`) || url.startsWith(dir);
}
