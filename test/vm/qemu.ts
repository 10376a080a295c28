/**
 * Boots the VM image under qemu-system-x86_64 (TCG: KVM does not work on these hosts; machine "pc":
 * "microvm" hung now and then) and runs a script in it. The guest's console is the serial port on stdio;
 * init prints "@@VM-READY <uptime>" once the modules are loaded and "@@VM-EXIT <status>" after the script.
 * Lines "@@RESULT <name> <json>" are the script's results. The run is bounded by a timeout.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBaseImage, payloadArchive } from './image.js';
import { readFileSync } from 'node:fs';
import { requireProgram } from '../helpers/programs.js';

export interface VmOptions {
  /** Files placed under /payload in the guest; "test.sh" is run by init with /payload as its directory. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** Whole run, boot included (default 240 s). */
  readonly timeoutMs?: number;
  readonly memoryMb?: number;
  /** Console lines as they arrive (for progress logs). */
  readonly onLine?: (line: string) => void;
}

export interface VmRun {
  /** The script's exit status, undefined when it never finished. */
  readonly exitStatus: number | undefined;
  readonly timedOut: boolean;
  /** Seconds of guest uptime when init was ready (kernel boot plus module loading). */
  readonly readyUptime: number | undefined;
  readonly bootMs: number | undefined;
  readonly totalMs: number;
  /** Every "@@RESULT name json" line, by name (the last one wins). */
  readonly results: ReadonlyMap<string, unknown>;
  readonly modulesFailed: readonly string[];
  /** The whole console output. */
  readonly console: string;
}

export class VmBootError extends Error {
  constructor(message: string, readonly console: string) {
    super(message);
    this.name = 'VmBootError';
  }
}

export async function runInVm(opts: VmOptions): Promise<VmRun> {
  const base = buildBaseImage((s) => opts.onLine?.(`[vm] ${s}`));
  const dir = mkdtempSync(join(tmpdir(), 'vipgate-vm-'));
  try {
    const initrd = join(dir, 'initrd.cpio');
    writeFileSync(initrd, Buffer.concat([readFileSync(base.initramfs), payloadArchive(opts.files)]));
    const args = [
      '-M', 'pc', '-accel', 'tcg', '-cpu', 'max', '-smp', '1', '-m', String(opts.memoryMb ?? 1536),
      '-nographic', '-no-reboot', '-nodefaults', '-serial', 'stdio',
      '-kernel', base.kernel, '-initrd', initrd,
      '-append', 'console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init',
    ];
    const started = Date.now();
    const child = spawn(requireProgram('qemu-system-x86_64'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    let pending = '';
    let bootMs: number | undefined;
    let readyUptime: number | undefined;
    let exitStatus: number | undefined;
    const results = new Map<string, unknown>();
    const modulesFailed: string[] = [];
    const onLine = (raw: string): void => {
      const line = raw.replace(/\r$/, '');
      opts.onLine?.(line);
      let m: RegExpExecArray | null;
      if ((m = /@@VM-READY (\S+)/.exec(line))) { bootMs = Date.now() - started; readyUptime = Number(m[1]); }
      else if ((m = /@@VM-EXIT (\d+)/.exec(line))) exitStatus = Number(m[1]);
      else if ((m = /@@VM-MODULE-FAILED (\S+)/.exec(line))) modulesFailed.push(m[1]!);
      else if ((m = /@@RESULT (\S+) (.*)$/.exec(line))) {
        try { results.set(m[1]!, JSON.parse(m[2]!)); } catch { results.set(m[1]!, { unparsable: m[2] }); }
      }
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      text += chunk;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) onLine(l);
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => { stderr += c; });
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs ?? 240_000);
    const code = await new Promise<number | null>((res, rej) => {
      child.on('error', (e) => rej(new VmBootError(`cannot start qemu-system-x86_64: ${e.message}`, text)));
      child.on('close', (c) => res(c));
    });
    clearTimeout(timer);
    if (pending) onLine(pending);
    if (bootMs === undefined) {
      throw new VmBootError(`the VM did not boot (qemu exit ${code}${timedOut ? ', timed out' : ''}): ${stderr.trim()}\n--- console ---\n${text.slice(-4000)}`, text);
    }
    return { exitStatus, timedOut, readyUptime, bootMs, totalMs: Date.now() - started, results, modulesFailed, console: text };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
