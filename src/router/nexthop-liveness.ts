/**
 * Next-hop liveness for the router: BFD sessions (RFC 5880, 5881; `bfd.enabled` neighbors) and ICMP probes
 * (`probe.enabled`). A next hop found dead leaves every nexthop group in the kernel first, then its BGP
 * session goes down with Cease/BFD Down (RFC 5882 4.3, RFC 9384) and starts again; a probed next hop that
 * stops answering only leaves the groups (its session stays) until it answers again (the NexthopGate keeps
 * it out of what the FIB is given meanwhile).
 */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import type { Peer } from '../bgp/peer.js';
import type { NeighborConfig } from '../config/resolve.js';
import { CeaseSubcode } from '../wire/bgp/types.js';
import { sha1Key, startBfdService, type BfdService, type TransportFactory } from '../bfd/service.js';
import { NexthopProber, type Pinger } from '../probe/prober.js';
import { NexthopGate } from '../probe/gate.js';
import { RawPinger } from '../probe/raw-pinger.js';
import type { FibPort } from './routing.js';

/** How long a BFD-down session waits for the kernel to take its next hop out of the groups before it goes down. */
const NEXTHOP_WITHDRAW_WAIT_MS = 200;

export interface LivenessDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly fib?: FibPort & { withdrawNexthop?(address: string): Promise<unknown> };
  /** BFD packets' way out and in; default UDP 3784 with TTL 255 (RFC 5881). */
  readonly bfdTransport?: TransportFactory;
  /** ICMP echo for next-hop probing; default raw sockets. */
  readonly pinger?: () => Pinger & { close(): void };
  /** The sessions with a next hop's address. */
  readonly peersAt: (address: string) => Iterable<Peer>;
}

export class NexthopLiveness {
  /** BFD sessions, one per neighbor with bfd.enabled; undefined until one runs BFD. */
  bfd?: BfdService;
  /** Next-hop probing, when `probing` was asked for at construction. */
  probe?: NexthopProber;
  /** Keeps dead probed next hops out of the FIB (undefined without probing). */
  readonly gate?: NexthopGate;
  private pinger?: Pinger & { close(): void };
  private readonly probed = new Set<string>();

  constructor(private readonly deps: LivenessDeps, probing: boolean) {
    if (probing) this.gate = new NexthopGate((a) => this.probed.has(a));
  }

  /** The FIB as Routing should see it: through the gate when probing. */
  fib(): FibPort | undefined {
    const { fib } = this.deps;
    const gate = this.gate;
    return fib && gate ? { apply: (changes) => fib.apply(gate.filter(changes)) } : fib;
  }

  async startBfd(): Promise<void> {
    if (this.bfd) return;
    this.bfd = await startBfdService({
      clock: this.deps.clock, log: this.deps.log, ...(this.deps.bfdTransport ? { transport: this.deps.bfdTransport } : {}),
      failed: (peer, reason) => this.nexthopDown(peer, reason, CeaseSubcode.BFD_DOWN),
    });
  }

  /** Probing: a next hop that stops answering leaves the groups (its session stays); answers bring it back. */
  startProbing(): void {
    const { log, clock } = this.deps;
    const gate = this.gate;
    if (!gate) return;
    this.pinger = this.deps.pinger?.() ?? new RawPinger((e) => log.warn({ err: e }, 'probe socket error'));
    this.probe = new NexthopProber(clock, this.pinger, {
      down: (address) => {
        log.warn({ address }, `next hop ${address} stopped answering probes`);
        gate.markDown(address);
        this.nexthopDown(address, 'probe');
      },
      up: (address) => {
        log.info({ address }, `next hop ${address} answers probes again`);
        const changes = gate.markUp(address);
        if (changes.length) void this.deps.fib?.apply(changes).catch((e: unknown) => log.error({ err: e, address }, 'restoring a next hop failed'));
      },
    });
  }

  /** BFD and probing of a neighbor's address, as its configuration says. */
  watch(address: string, n: NeighborConfig): void {
    if (n.bfd.enabled) {
      this.bfd?.add({ address, minTxMs: n.bfd.minTx, minRxMs: n.bfd.minRx, multiplier: n.bfd.multiplier, ...(n.bfd.auth ? { key: sha1Key(n.bfd.auth) } : {}) });
    }
    if (n.probe.enabled) { this.probed.add(address); this.probe?.add(address, n.probe); }
  }

  unwatch(address: string): void {
    this.bfd?.remove(address); this.probe?.remove(address); this.probed.delete(address);
  }

  /**
   * A next hop is dead (BFD down, failed probes): first it leaves every nexthop group in one kernel request per
   * group (Fib.withdrawNexthop); then its BGP session, if any, goes down (RFC 5882 4.3), which withdraws its
   * routes from the Loc-RIB; those route changes then cost the kernel nothing more. The session waits for the
   * kernel's answer (at most NEXTHOP_WITHDRAW_WAIT_MS), because its Loc-RIB work for many routes would
   * otherwise run first and hold the withdraw request back.
   */
  nexthopDown(address: string, reason: string, subcode?: number): void {
    const { log, clock } = this.deps;
    const t0 = clock.now();
    const withdrawn = this.deps.fib?.withdrawNexthop?.(address).then(
      () => log.info({ address, ms: Math.round(clock.now() - t0) }, `next hop ${address} withdrawn from the kernel's groups (${reason})`),
      (e: unknown) => log.error({ err: e, address }, 'withdrawing a next hop failed')) ?? Promise.resolve();
    if (subcode === undefined) return;
    let done = false;
    const stopSession = () => {
      if (done) return;
      done = true;
      timer.cancel();
      for (const peer of this.deps.peersAt(address)) {
        peer.stop(reason, subcode);
        // a peer restarting gracefully says BFD AdminDown first; BFD Down is a failure: its stale routes go too
        peer.dropStale();
        peer.start();
      }
    };
    const timer = clock.at(t0 + NEXTHOP_WITHDRAW_WAIT_MS, stopSession);
    void withdrawn.then(stopSession);
  }

  async close(): Promise<void> {
    await this.bfd?.close();
    this.probe?.close();
    this.pinger?.close();
  }
}
