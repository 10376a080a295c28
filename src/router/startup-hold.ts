/**
 * The FIB hold at start-up (fib.startupHold): keep the kernel untouched until the sessions are back,
 * released when every established session has sent End-of-RIB for its families (RFC 4724 2) and none came
 * up in the last second, or after fib.startupHold. Released on End-of-RIB, the table is complete (RFC 4724
 * 4.2: End-of-RIB from every peer ends the wait for stale routes), so what the last run left in the kernel
 * and this run did not install again is swept at once: a VIP withdrawn by every node while the router was
 * down stops forwarding now, not when the main loop's late sweep comes. Released by the deadline, the late
 * sweep stays the only one.
 */
import type { Family } from '../lib/address.js';
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import type { Peer } from '../bgp/peer.js';
import type { Routing } from './routing.js';

/** How often the hold looks whether the table is complete. */
const CHECK_MS = 250;
/** No session may have come up for this long before End-of-RIB from all releases the hold. */
const QUIET_MS = 1000;

export interface StartupHoldDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly routing: Pick<Routing, 'holdFib' | 'releaseFib' | 'settled'>;
  readonly peers: () => readonly Peer[];
  /** Delete what a previous run left in the kernel and this run has not confirmed. */
  readonly sweep?: () => Promise<{ readonly requests: number }> | undefined;
}

export class StartupHold {
  /** End-of-RIB seen per established peer, and when the last session came up. */
  private readonly endOfRib = new Map<Peer, Set<Family>>();
  private lastEstablished = 0;
  private timer?: TimerHandle;

  constructor(private readonly deps: StartupHoldDeps) {}

  established(peer: Peer): void {
    this.endOfRib.set(peer, new Set());
    this.lastEstablished = this.deps.clock.now();
  }

  endOfRibFrom(peer: Peer, family: Family): void { this.endOfRib.get(peer)?.add(family); }

  forget(peer: Peer): void { this.endOfRib.delete(peer); }

  /** Hold the FIB for at most `seconds`. */
  start(seconds: number): void {
    const { clock, routing } = this.deps;
    const deadline = clock.now() + seconds * 1000;
    routing.holdFib();
    const next = (): void => { this.timer = clock.at(clock.now() + CHECK_MS, check); };
    const check = (): void => {
      const up = this.deps.peers().filter((p) => p.isEstablished);
      const complete = up.length > 0 && up.every((p) => (p.negotiated?.families ?? []).every((f) => this.endOfRib.get(p)?.has(f)));
      if (complete && clock.now() - this.lastEstablished >= QUIET_MS) {
        routing.releaseFib();
        void routing.settled().then(() => this.deps.sweep?.()).then(
          (r) => { if (r) this.deps.log.info({ requests: r.requests }, 'every session sent End-of-RIB: stale kernel routes swept'); },
          (e: unknown) => this.deps.log.error({ err: e }, 'sweeping stale kernel routes failed'));
      } else if (clock.now() >= deadline) {
        routing.releaseFib();
      } else {
        next();
      }
    };
    next();
  }

  /** A stopping router writes nothing more to the kernel on its own: the checks end here. */
  cancel(): void { this.timer?.cancel(); }
}
