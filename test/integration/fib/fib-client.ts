/**
 * Test-side handle of fib-driver.ts running in a namespace: call() sends a command and resolves with its
 * reply (bounded by a timeout); events() lists the FIB events reported so far.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { ApplyResult, FibEvent, FibOptions, FibChangeInput } from '../../../src/fib/fib.js';
import type { FibCountersView } from '../../../src/fib/counters.js';
import type { Netlab } from '../../helpers/netns.js';

const driver = fileURLToPath(new URL('./fib-driver.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));

type EventJson = Exclude<FibEvent, { type: 'error' }> | { type: 'error'; error: string };

export class FibClient {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly seen: EventJson[] = [];
  private stderr = '';

  private constructor(private readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const msg = JSON.parse(line) as { id?: number; result?: unknown; error?: string; event?: EventJson };
      if (msg.event) { this.seen.push(msg.event); return; }
      const w = this.waiting.get(msg.id!);
      this.waiting.delete(msg.id!);
      if (msg.error) w?.reject(new Error(msg.error)); else w?.resolve(msg.result);
    });
    child.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    child.once('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`fib driver exited (${code}): ${this.stderr}`));
      this.waiting.clear();
    });
  }

  static async start(lab: Netlab, ns: string, opts: FibOptions = {}): Promise<{ client: FibClient; opened: { mode: string; adopted: number } }> {
    const child = lab.spawn(ns, process.execPath, ['--import', 'tsx', driver], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    const client = new FibClient(child);
    const opened = await client.call<{ mode: string; adopted: number }>('open', opts);
    return { client, opened };
  }

  call<T>(cmd: string, arg?: unknown, timeoutMs = 60_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => { this.waiting.delete(id); reject(new Error(`${cmd} timed out; stderr: ${this.stderr}`)); }, timeoutMs);
      this.waiting.set(id, {
        resolve: (v) => { clearTimeout(timer); resolve(v as T); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      this.child.stdin!.write(`${JSON.stringify({ id, cmd, arg })}\n`);
    });
  }

  apply(changes: FibChangeInput[]): Promise<ApplyResult> { return this.call('apply', changes); }
  sweep(): Promise<ApplyResult> { return this.call('sweep'); }
  withdraw(address: string): Promise<ApplyResult> { return this.call('withdraw', address); }
  counters(): Promise<FibCountersView> { return this.call('counters'); }

  events(): readonly EventJson[] { return this.seen; }

  /** Close the FIB and let the process end (routes stay in the kernel, as after a daemon restart). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    await this.call('close').catch(() => undefined);
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.stdin!.end();
    await Promise.race([exited, new Promise<void>((r) => setTimeout(r, 5000).unref())]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
