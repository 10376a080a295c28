/**
 * systemd's service notification protocol (sd_notify(3)) for a Type=notify unit: READY=1 once the
 * service works, STATUS=, STOPPING=1, and the watchdog keep-alive WATCHDOG=1 every half of WATCHDOG_USEC
 * while the event loop runs (a hung loop stops the pings and systemd restarts the service).
 *
 * Node cannot send to the AF_UNIX datagram socket named by NOTIFY_SOCKET, so every message goes through
 * the `systemd-notify` program. Without --no-block it waits until systemd has read the message (a
 * BARRIER=1 round trip), so systemd still finds the sender in the unit's cgroup; the unit needs
 * NotifyAccess=all because the sender is a child of the main process.
 */
import { execFile } from 'node:child_process';
import type { Clock, TimerHandle } from './clock.js';

/** Runs `systemd-notify ARGS...`; resolves when systemd has the message. */
export type NotifyRunner = (args: readonly string[], env: NodeJS.ProcessEnv) => Promise<void>;

export const runSystemdNotify: NotifyRunner = (args, env) => new Promise((resolve, reject) => {
  execFile('systemd-notify', [...args], { env, timeout: 10_000 }, (err, _stdout, stderr) => {
    if (err) reject(new Error(`systemd-notify ${args.join(' ')}: ${stderr.trim() || err.message}`, { cause: err }));
    else resolve();
  });
});

export interface SdNotifyOptions {
  readonly clock: Clock;
  readonly env?: NodeJS.ProcessEnv;
  readonly pid?: number;
  readonly run?: NotifyRunner;
  /** A failed watchdog ping (the next one is still scheduled). */
  readonly onError?: (e: Error) => void;
}

export class SdNotify {
  private timer: TimerHandle | undefined;
  private readonly run: NotifyRunner;
  /** Keep-alive period in ms: half of WATCHDOG_USEC, as sd_watchdog_enabled(3) advises; undefined if off. */
  readonly watchdogMs: number | undefined;

  private constructor(private readonly o: SdNotifyOptions, private readonly env: NodeJS.ProcessEnv) {
    this.run = o.run ?? runSystemdNotify;
    const usec = Number(env.WATCHDOG_USEC);
    const forPid = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === (o.pid ?? process.pid);
    this.watchdogMs = Number.isFinite(usec) && usec > 0 && forPid ? Math.max(1, Math.floor(usec / 2000)) : undefined;
  }

  /** The notifier when systemd started us with NOTIFY_SOCKET set, else undefined (nothing to tell). */
  static fromEnv(o: SdNotifyOptions): SdNotify | undefined {
    const env = o.env ?? process.env;
    return env.NOTIFY_SOCKET ? new SdNotify(o, env) : undefined;
  }

  /** READY=1 (with STATUS= if given), then the watchdog keep-alive starts if the unit has WatchdogSec=. */
  async ready(status?: string): Promise<void> {
    await this.run(['--ready', ...(status ? [`--status=${status}`] : [])], this.env);
    this.scheduleWatchdog();
  }

  status(text: string): Promise<void> {
    return this.run([`--status=${text}`], this.env);
  }

  /** STOPPING=1; the watchdog keep-alive ends (systemd stops watching once it knows we stop). */
  stopping(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    return this.run(['STOPPING=1'], this.env);
  }

  private scheduleWatchdog(): void {
    const period = this.watchdogMs;
    if (period === undefined) return;
    this.timer = this.o.clock.at(this.o.clock.now() + period, () => {
      this.run(['WATCHDOG=1'], this.env).catch((e: unknown) => this.o.onError?.(e as Error));
      if (this.timer) this.scheduleWatchdog();
    });
  }
}
