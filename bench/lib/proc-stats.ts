/**
 * What a router's processes cost, read from procfs (proc(5)): the processes of a network namespace whose
 * command name is one of the router's (so that wrapper shells and the benchmark's own `ip` polls are left
 * out), their peak resident set size (VmHWM in /proc/PID/status, summed over the processes) and their CPU
 * time (utime + stime, fields 14 and 15 of /proc/PID/stat, in clock ticks, all threads included); and how
 * busy the machine is (pressure stall information, /proc/pressure/cpu: the time some runnable task waited
 * for a CPU), since other work on a small machine stretches every wall-clock figure.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

function readProc(pid: number, file: string): string | undefined {
  try { return readFileSync(`/proc/${pid}/${file}`, 'utf8'); } catch { return undefined; }
}

/** Processes in namespace `ns` whose /proc/PID/comm is one of `commands`. */
export function processesIn(ns: string, commands: readonly string[]): number[] {
  const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split(/\s+/).filter(Boolean).map(Number);
  return pids.filter((pid) => commands.includes(readProc(pid, 'comm')?.trim() ?? ''));
}

/** CPU seconds (user + system) the processes used so far; a process that is gone counts 0. */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readProc(pid, 'stat');
    if (!stat) continue;
    // the command name (field 2) may contain spaces and parentheses: count fields after the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15 of the whole line)
  }
  return ticks / TICKS_PER_SECOND;
}

/** Sum of the processes' peak resident set sizes (VmHWM), in MiB. */
export function peakRssMiB(pids: readonly number[]): number {
  let kib = 0;
  for (const pid of pids) {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readProc(pid, 'status') ?? '');
    if (m) kib += Number(m[1]);
  }
  return kib / 1024;
}

/** Microseconds that some runnable task spent waiting for a CPU since boot (PSI "some total"); 0 without PSI. */
export function cpuStallMicros(): number {
  try {
    return Number(/^some .* total=(\d+)$/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.[1] ?? 0);
  } catch { return 0; }
}
