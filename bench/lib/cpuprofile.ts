/**
 * Reads a V8 CPU profile (`node --cpu-prof`, the .cpuprofile JSON: a call tree of nodes, the sampled node
 * ids and the time between samples) and names the costs: per function (name and source location, dist/
 * paths shown as their src/ .ts files) the self time (samples in the function itself) and the total time
 * (samples with the function anywhere on the stack, each sample counted once per function), in ms. For
 * files of our own, the line is the compiled dist/ line.
 */
import { readFileSync } from 'node:fs';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; startTime: number; samples: number[]; timeDeltas: number[] }

export interface FunctionCost {
  /** "functionName (src/file.ts:line)" or a V8 pseudo-frame such as "(garbage collector)". */
  readonly name: string;
  readonly selfMs: number;
  readonly totalMs: number;
}

export interface ProfileSummary {
  readonly sampledMs: number;
  /** Sampled time minus the "(idle)" samples (the event loop waiting). */
  readonly busyMs: number;
  readonly bySelf: readonly FunctionCost[];
  readonly byTotal: readonly FunctionCost[];
  /** Self time per source file (node_modules and node: internals grouped by package / "node:"). */
  readonly byFile: readonly { file: string; selfMs: number }[];
}

function where(url: string): string {
  if (!url) return '';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `npm:${pkg[1]}`;
  const m = /\/dist\/(.*)\.js$/.exec(url);
  if (m) return `src/${m[1]}.ts`;
  return url.startsWith('node:') ? url : url.replace(/^file:\/\//, '');
}

/** dist/ lines are the compiled .js lines (close to the .ts ones: tsc keeps the code's layout). */
function label(f: CallFrame): string {
  const file = where(f.url);
  const name = f.functionName || '(anonymous)';
  if (!file) return name;
  return file.startsWith('src/') ? `${name} (${file}, js line ${f.lineNumber + 1})` : `${name} (${file}:${f.lineNumber + 1})`;
}

/**
 * `window`: only samples taken between these two process.hrtime.bigint() readings (V8 stamps samples with
 * the same monotonic clock, in microseconds), e.g. from the first UPDATE sent to full convergence.
 */
export function summarizeProfile(path: string, window?: { from: bigint; to: bigint }, top = 15): ProfileSummary {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const files = new Map<string, number>();
  let sampledMs = 0;
  let idleMs = 0;
  const [fromUs, toUs] = window ? [Number(window.from / 1000n), Number(window.to / 1000n)] : [-Infinity, Infinity];
  let at = p.startTime;
  p.samples.forEach((id, i) => {
    const ms = (p.timeDeltas[i] ?? 0) / 1000;
    at += p.timeDeltas[i] ?? 0;
    if (at < fromUs || at > toUs) return;
    sampledMs += ms;
    const leaf = byId.get(id)!;
    const leafLabel = label(leaf.callFrame);
    if (leafLabel === '(idle)') { idleMs += ms; return; }
    self.set(leafLabel, (self.get(leafLabel) ?? 0) + ms);
    const file = where(leaf.callFrame.url) || leafLabel;
    files.set(file, (files.get(file) ?? 0) + ms);
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const l = label(byId.get(n)!.callFrame);
      if (!seen.has(l)) { seen.add(l); total.set(l, (total.get(l) ?? 0) + ms); }
    }
  });
  const costs = [...new Set([...self.keys(), ...total.keys()])].map((name) => ({ name, selfMs: self.get(name) ?? 0, totalMs: total.get(name) ?? 0 }));
  const round = (c: FunctionCost): FunctionCost => ({ name: c.name, selfMs: Math.round(c.selfMs), totalMs: Math.round(c.totalMs) });
  return {
    sampledMs: Math.round(sampledMs),
    busyMs: Math.round(sampledMs - idleMs),
    bySelf: [...costs].sort((a, b) => b.selfMs - a.selfMs).slice(0, top).map(round),
    // Node's own frames (stream plumbing, event emitters) sit above everything and name nothing of ours
    byTotal: costs.filter((c) => !c.name.startsWith('(root)') && !c.name.includes('(node:')).sort((a, b) => b.totalMs - a.totalMs).slice(0, top).map(round),
    byFile: [...files].sort((a, b) => b[1] - a[1]).slice(0, top).map(([file, ms]) => ({ file, selfMs: Math.round(ms) })),
  };
}
