/**
 * Failover figures the way the seed took them: a client sends a bounded UDP request stream to a Service IP
 * (udp-stream.ts, one request every few milliseconds, each on its own flow) while something fails; we
 * take when the failure was detected from the detector's own clock (BIRD's protocol "since" time, the
 * router's log), when the routing converged from the kernel's event (`ip -ts monitor`: the first route or
 * nexthop change after the failure, once polling confirms the failed next hop left), and count the
 * requests that got no answer. Polling only confirms; the times do not depend on how fast it runs.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export const UDP_STREAM = fileURLToPath(new URL('./udp-stream.js', import.meta.url));

export interface StreamFigures {
  readonly requests: number;
  readonly lost: number;
  /** When the first and the last lost request were sent, in ms after the failure (undefined: none lost). */
  readonly lostWindow?: readonly [number, number];
  /** Answers per node over the whole stream. */
  readonly spread: Record<string, number>;
  /** When the failure was made (ms since 1970). */
  readonly failedAt: number;
  /** Milliseconds from the failure to `detected`, -1 if not within the bound. */
  readonly detectionMs: number;
  /** Milliseconds from the failure to `converged`, -1 if not within the bound. */
  readonly convergenceMs: number;
}

export interface FailureRun {
  /** The client's namespace and the Service IP it asks (UDP port 80). */
  readonly clientNs: string;
  readonly vip: string;
  /** Must act at once (a signal, or a command to an ipBatch already running). */
  readonly fail: () => void;
  /** When the failure at `t0` was detected (ms since 1970), once it was. */
  readonly detectedAt: (t0: number) => number | undefined;
  /** Whether the failed next hop has left (polled); its time is the first kernel change in `kernelNs`. */
  readonly converged: () => boolean;
  readonly kernelNs: string;
  /** Stream length: `requests` requests, one every `intervalMs` (the failure comes STEADY_MS into it). */
  readonly requests?: number;
  readonly intervalMs?: number;
  /** Bound on the watch for detection and convergence. */
  readonly watchMs?: number;
}

type Answer = [number, string | null];

/** How long the stream runs before the failure. */
const STEADY_MS = 1000;

/** The client's stream: `started` once it sends, `answers` at its end. */
function stream(ns: string, vip: string, count: number, intervalMs: number): { started: Promise<void>; answers: Promise<Answer[]> } {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, UDP_STREAM, vip, '80', String(count), String(intervalMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  let onStart: () => void = () => undefined;
  const started = new Promise<void>((resolve) => { onStart = resolve; });
  child.stdout.on('data', (d: Buffer) => { text += d.toString(); if (text.startsWith('sending\n')) onStart(); });
  const answers = new Promise<Answer[]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(text.slice('sending\n'.length)) as Answer[]) : reject(new Error(`udp-stream exited with ${code}`))));
  });
  return { started: Promise.race([started, answers.then(() => undefined)]), answers };
}

export interface KernelEvent { readonly at: number; readonly text: string }

/** `ip -ts monitor OBJECTS` in `ns` until stop(): the kernel's changes with their times (ms since 1970). */
export function kernelEvents(ns: string, objects: readonly string[]): { stop: () => Promise<KernelEvent[]> } {
  const child = spawn('ip', ['-ts', '-n', ns, 'monitor', ...objects], { stdio: ['ignore', 'pipe', 'ignore'] });
  let text = '';
  child.stdout.on('data', (d: Buffer) => { text += d.toString(); });
  const exited = new Promise<void>((resolve) => { child.on('close', () => resolve()); });
  return {
    async stop() {
      child.kill();
      await exited;
      // "[2026-11-26T13:55:12.990417] 172.20.1.0/24 via …", in local time like Date.parse without a zone
      return [...text.matchAll(/^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})\d*\] (.*)$/gm)].map((m) => ({ at: Date.parse(m[1]!), text: m[2]! }));
    },
  };
}

export async function duringStream(r: FailureRun): Promise<StreamFigures> {
  const intervalMs = r.intervalMs ?? 5;
  const client = stream(r.clientNs, r.vip, r.requests ?? 800, intervalMs);
  const events = kernelEvents(r.kernelNs, ['route', 'nexthop']);
  await client.started;
  await sleep(STEADY_MS);
  const t0 = Date.now();
  r.fail();
  let detectedAt: number | undefined;
  let converged = false;
  const watchMs = r.watchMs ?? 10_000;
  for (let i = 0; i < 2000 && Date.now() - t0 < watchMs && (detectedAt === undefined || !converged); i++) {
    detectedAt ??= r.detectedAt(t0);
    converged ||= r.converged();
    await sleep(20);
  }
  const changes = (await events.stop()).filter((e) => e.at >= t0);
  const all = await client.answers;
  const lost = all.filter(([, node]) => node === null);
  const spread: Record<string, number> = {};
  for (const [, node] of all) if (node !== null) spread[node] = (spread[node] ?? 0) + 1;
  return {
    requests: all.length, lost: lost.length, spread,
    detectionMs: detectedAt === undefined ? -1 : detectedAt - t0,
    failedAt: t0,
    convergenceMs: converged && changes.length ? changes[0]!.at - t0 : -1,
    ...(lost.length ? { lostWindow: [lost[0]![0] - t0, lost.at(-1)![0] - t0] as const } : {}),
  };
}

/** The stream's line of a scenario's output. */
export function streamLine(f: StreamFigures, vip: string, intervalMs = 5): string {
  const window = f.lostWindow ? ` (sent ${f.lostWindow[0]} to ${f.lostWindow[1]} ms after the failure)` : '';
  return `client stream: ${f.requests} UDP requests to ${vip}, one every ${intervalMs} ms: ${f.lost} lost${window}; answered by ${JSON.stringify(f.spread)}\n`;
}
