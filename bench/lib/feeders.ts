/**
 * The benchmark's side of a feeder process (feeder.ts): start it in a peer namespace, wait for the lines it
 * reports (`established`, `sent MESSAGES MS`, `error ...`) with a time bound, and tell it to `go`.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Netlab } from '../../test/helpers/netns.js';

const FEEDER = fileURLToPath(new URL('./feeder.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface FeederSpec {
  readonly ns: string;
  readonly router: string;
  readonly asn: number;
  /** Its own address: BGP identifier and NEXT_HOP. */
  readonly address: string;
  readonly count: number;
  readonly firstPrefix: string;
}

export class Feeder {
  private readonly lines: string[] = [];
  private readonly waiters: (() => void)[] = [];
  private exited = false;
  private readonly child: ChildProcess;

  constructor(lab: Netlab, readonly spec: FeederSpec) {
    this.child = lab.spawn(spec.ns, process.execPath, ['--import', 'tsx', FEEDER, spec.router, String(spec.asn), spec.address, spec.address, String(spec.count), spec.firstPrefix],
      { cwd: REPO, stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.child.stdout! }).on('line', (l) => { this.lines.push(l); this.wake(); });
    this.child.once('exit', () => { this.exited = true; this.wake(); });
  }

  private wake(): void { for (const w of this.waiters.splice(0)) w(); }

  /** The first line starting with `word` (consumed), or an error on `error ...`, exit or timeout. */
  async expect(word: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.lines.findIndex((l) => l.startsWith(word) || l.startsWith('error'));
      if (i >= 0) {
        const [line] = this.lines.splice(i, 1);
        if (line!.startsWith('error')) throw new Error(`feeder ${this.spec.address}: ${line}`);
        return line!;
      }
      if (this.exited) throw new Error(`feeder ${this.spec.address} exited before '${word}'`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`feeder ${this.spec.address}: no '${word}' within ${timeoutMs} ms`);
      await new Promise<void>((r) => { const t = setTimeout(r, left); this.waiters.push(() => { clearTimeout(t); r(); }); });
    }
  }

  go(): void { this.child.stdin!.write('go\n'); }

  /** Throws if the feeder reported an error or exited. */
  check(): void {
    const error = this.lines.find((l) => l.startsWith('error'));
    if (error || this.exited) throw new Error(`feeder ${this.spec.address}: ${error ?? 'exited'}`);
  }

  kill(): void { if (!this.exited) this.child.kill('SIGKILL'); }
}
