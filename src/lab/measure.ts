/**
 * Failover figures the way the seed took them: a client sends a bounded UDP request stream to a Service IP
 * (udp-stream.ts, one request every few milliseconds, each on its own flow) while something fails; we
 * note when the failure was detected (a session left Established) and when the routing converged (the
 * failed next hop left a kernel route), and count the requests that got no answer.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const UDP_STREAM = fileURLToPath(new URL('./udp-stream.js', import.meta.url));

export interface StreamFigures {
  readonly requests: number;
  readonly lost: number;
  /** When the first and the last lost request were sent, in ms after the failure (undefined: none lost). */
  readonly lostWindow?: readonly [number, number];
  /** Answers per node over the whole stream. */
  readonly spread: Record<string, number>;
  /** Milliseconds from the failure to `detected`, -1 if not within the bound. */
  readonly detectionMs: number;
  /** Milliseconds from the failure to `converged`, -1 if not within the bound. */
  readonly convergenceMs: number;
}

export interface FailureRun {
  /** The client's namespace and the Service IP it asks (UDP port 80). */
  readonly clientNs: string;
  readonly vip: string;
  readonly fail: () => void;
  readonly detected: () => boolean | Promise<boolean>;
  readonly converged: () => boolean | Promise<boolean>;
  /** Stream length: `requests` requests, one every `intervalMs` (the failure comes 1 s into it). */
  readonly requests?: number;
  readonly intervalMs?: number;
  /** Bound on the watch for detection and convergence. */
  readonly watchMs?: number;
}

type Answer = [number, string | null];

function stream(ns: string, vip: string, count: number, intervalMs: number): Promise<Answer[]> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, UDP_STREAM, vip, '80', String(count), String(intervalMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  child.stdout.on('data', (d: Buffer) => { text += d.toString(); });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(text) as Answer[]) : reject(new Error(`udp-stream exited with ${code}`))));
  });
}

export async function duringStream(r: FailureRun): Promise<StreamFigures> {
  const intervalMs = r.intervalMs ?? 5;
  const answers = stream(r.clientNs, r.vip, r.requests ?? 800, intervalMs);
  await sleep(1000);
  r.fail();
  const t0 = Date.now();
  let detectionMs = -1;
  let convergenceMs = -1;
  const watchMs = r.watchMs ?? 10_000;
  for (let i = 0; i < 5000 && Date.now() - t0 < watchMs && (detectionMs < 0 || convergenceMs < 0); i++) {
    if (detectionMs < 0 && await r.detected()) detectionMs = Date.now() - t0;
    if (convergenceMs < 0 && await r.converged()) convergenceMs = Date.now() - t0;
    await sleep(5);
  }
  const all = await answers;
  const lost = all.filter(([, node]) => node === null);
  const spread: Record<string, number> = {};
  for (const [, node] of all) if (node !== null) spread[node] = (spread[node] ?? 0) + 1;
  return {
    requests: all.length, lost: lost.length, spread, detectionMs, convergenceMs,
    ...(lost.length ? { lostWindow: [lost[0]![0] - t0, lost.at(-1)![0] - t0] as const } : {}),
  };
}

/** The stream's line of a scenario's output. */
export function streamLine(f: StreamFigures, vip: string, intervalMs = 5): string {
  const window = f.lostWindow ? ` (sent ${f.lostWindow[0]} to ${f.lostWindow[1]} ms after the failure)` : '';
  return `client stream: ${f.requests} UDP requests to ${vip}, one every ${intervalMs} ms: ${f.lost} lost${window}; answered by ${JSON.stringify(f.spread)}\n`;
}
