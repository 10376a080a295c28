/**
 * A peer's way out: its Adj-RIB-Out (adj-rib-out.ts) sent as UPDATEs in bounded batches (packed per
 * RFC 4271 4.3 / RFC 4760, pack.ts), pausing while the socket is full (back-pressure), then End-of-RIB for
 * each family once the initial table is out (RFC 4724 2). Runs on the next turn of the event loop after a
 * change, so that a burst of changes goes out together.
 */
import type { Family } from '../lib/address.js';
import { encodeEndOfRib, packAnnouncements, packWithdrawals } from '../wire/bgp/pack.js';
import { FAMILY_AFI, Safi } from '../wire/bgp/types.js';
import { AdjRibOut } from './adj-rib-out.js';
import type { Connection } from './connection.js';

/** Routes taken from the Adj-RIB-Out per batch. */
const BATCH = 2000;

export interface SenderLink {
  /** The connection of the Established session, or undefined: nothing is sent. */
  established(): Connection | undefined;
  /** One UPDATE written. */
  updateSent(): void;
}

export class UpdateSender {
  readonly ribOut = new AdjRibOut();
  private flushing = false;
  private eorPending = new Set<Family>();

  constructor(private readonly link: SenderLink, private readonly defer: (fn: () => void) => void = setImmediate) {}

  /** A new session (or none): nothing sent yet; End-of-RIB is due for `families` after the initial table. */
  reset(families: readonly Family[] = []): void {
    this.ribOut.reset();
    this.eorPending = new Set(families);
  }

  /** Send what is pending, soon. */
  schedule(): void {
    if (this.flushing || !this.link.established()) return;
    this.flushing = true;
    this.defer(() => { void this.flush(); });
  }

  /** Send pending changes in bounded batches, pausing while the socket is full (back-pressure). */
  private async flush(): Promise<void> {
    try {
      for (let guard = 0; guard < 1_000_000; guard++) {
        const conn = this.link.established();
        if (!conn) return;
        if (conn.needsDrain) { await conn.whenWritable(); continue; }
        if (this.ribOut.pendingCount === 0) break;
        const batch = this.ribOut.drain(BATCH);
        for (const w of batch.withdraw) {
          for (const bytes of packWithdrawals(w.family, w.prefixes, conn.txCtx)) { conn.write(bytes); this.link.updateSent(); }
        }
        for (const g of batch.announce) {
          for (const bytes of packAnnouncements(g, conn.txCtx)) { conn.write(bytes); this.link.updateSent(); }
        }
      }
      const conn = this.link.established();
      if (conn && this.ribOut.pendingCount === 0 && this.eorPending.size > 0) {
        for (const f of this.eorPending) conn.write(encodeEndOfRib(FAMILY_AFI[f], Safi.UNICAST, conn.txCtx));
        this.eorPending.clear();
      }
    } finally {
      this.flushing = false;
      if (this.ribOut.pendingCount > 0 && this.link.established()) this.schedule();
    }
  }
}
