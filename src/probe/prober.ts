/**
 * Next-hop probing for peers without BFD (stock MetalLB speakers have none): an ICMP Echo to every probed
 * next hop each interval; a next hop that misses `misses` probes in a row is reported down, and one that
 * is down comes back after `recovers` answers in a row. A weaker signal than BFD (RFC 5880): it shows that the
 * node's kernel answers, not that its routing daemon or forwarding works, and ICMP may be filtered or rate
 * limited. Timers come from the injected clock; packets go through a Pinger (raw sockets in raw-pinger.ts).
 */
import type { Clock, TimerHandle } from '../lib/clock.js';

export interface Pinger {
  /** Send an Echo Request; failures (no route) count as a miss. */
  send(address: string, id: number, seq: number): void;
  /** Called by the pinger with each Echo Reply it reads. */
  onReply: (address: string, id: number, seq: number) => void;
}

export interface ProbeOptions {
  readonly intervalMs: number;
  /** Consecutive unanswered probes before the next hop is down. */
  readonly misses: number;
  /** Consecutive answers before a down next hop is back. */
  readonly recovers: number;
}

export interface ProbeEvents {
  down(address: string): void;
  up(address: string): void;
}

export interface ProbeView {
  readonly address: string;
  readonly up: boolean;
  readonly missed: number;
  readonly answered: number;
  readonly sent: number;
  readonly unjudged: number;
}

class Target {
  up = true;
  seq = 0;
  /** The sequence of the probe in flight, answered or not. */
  awaiting: number | undefined;
  answeredCurrent = false;
  missed = 0;
  answered = 0;
  sent = 0;
  timer: TimerHandle | undefined;
  /** When the current interval ends. */
  due = 0;
  /** Intervals not judged because this process was too busy to judge them on time. */
  unjudged = 0;
  constructor(readonly address: string, readonly opts: ProbeOptions) {}
}

export class NexthopProber {
  private readonly targets = new Map<string, Target>();

  constructor(
    private readonly clock: Clock,
    private readonly pinger: Pinger,
    private readonly events: ProbeEvents,
    /** ICMP identifier of this prober's probes (replies to others' pings are ignored). */
    private readonly id: number = Math.floor(Math.random() * 0x10000),
  ) {
    pinger.onReply = (address, id, seq) => this.reply(address, id, seq);
  }

  add(address: string, opts: ProbeOptions): void {
    if (this.targets.has(address)) return;
    const t = new Target(address, opts);
    this.targets.set(address, t);
    this.tick(t);
  }

  remove(address: string): void {
    const t = this.targets.get(address);
    t?.timer?.cancel();
    this.targets.delete(address);
  }

  isUp(address: string): boolean | undefined { return this.targets.get(address)?.up; }

  views(): ProbeView[] {
    return [...this.targets.values()].map((t) => ({ address: t.address, up: t.up, missed: t.missed, answered: t.answered, sent: t.sent, unjudged: t.unjudged }));
  }

  close(): void { for (const a of [...this.targets.keys()]) this.remove(a); }

  /**
   * One interval ends: judge the probe in flight, send the next. A tick that runs more than half an interval
   * late does not count an unanswered probe as missed: the event loop was busy, so the answer may be waiting
   * unread in the socket, and a busy router must not take healthy next hops out.
   */
  private tick(t: Target): void {
    const late = t.awaiting !== undefined && this.clock.now() - t.due > t.opts.intervalMs / 2;
    if (late && !t.answeredCurrent) t.unjudged++;
    else if (t.awaiting !== undefined && !t.answeredCurrent) {
      t.answered = 0;
      t.missed++;
      if (t.up && t.missed >= t.opts.misses) { t.up = false; this.events.down(t.address); }
    }
    if (this.targets.get(t.address) !== t) return;
    t.seq = (t.seq + 1) & 0xffff;
    t.awaiting = t.seq;
    t.answeredCurrent = false;
    t.sent++;
    try {
      this.pinger.send(t.address, this.id, t.seq);
    } catch {
      // no route to it now: the probe is simply missed
    }
    t.due = this.clock.now() + t.opts.intervalMs;
    t.timer = this.clock.at(t.due, () => this.tick(t));
  }

  private reply(address: string, id: number, seq: number): void {
    const t = this.targets.get(address);
    if (!t || id !== this.id || seq !== t.awaiting || t.answeredCurrent) return;
    t.answeredCurrent = true;
    t.missed = 0;
    t.answered++;
    if (!t.up && t.answered >= t.opts.recovers) { t.up = true; this.events.up(t.address); }
  }
}
