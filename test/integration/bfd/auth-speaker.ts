/**
 * A vipgate BFD speaker for interop tests, run inside a test namespace (`node --import tsx auth-speaker.ts PEER
 * TYPE KEYID SECRET`): one session to PEER at 100 ms x 3 with the given authentication (RFC 5880 6.7), on UDP
 * 3784 with TTL 255. Prints one JSON line per session change and per dropped packet reason (the first of each),
 * and a final JSON line with the session view when it has been Up for 3 s, or after 8 s.
 */
import { systemClock } from '../../../src/lib/clock.js';
import { BfdManager } from '../../../src/bfd/manager.js';
import { UdpTransport } from '../../../src/bfd/transport.js';
import type { BfdKey } from '../../../src/wire/bfd/auth.js';

const [peer, type, keyId, secret] = process.argv.slice(2);
const key: BfdKey = { type: Number(type) as BfdKey['type'], keyId: Number(keyId), secret: new TextEncoder().encode(secret) };
const out = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
const reasons = new Set<string>();
let manager: BfdManager | undefined;
const transport = UdpTransport.open({ families: [4] }, (b, ttl, from) => manager?.receive(b, ttl, from));
let upAt: number | undefined;
manager = new BfdManager(systemClock, transport, {
  up: (p) => { upAt = Date.now(); out({ event: 'up', peer: p }); },
  down: (p, diag, admin) => out({ event: 'down', peer: p, diag, admin }),
  dropped: (_p, reason) => { if (!reasons.has(reason)) { reasons.add(reason); out({ event: 'dropped', reason }); } },
});
manager.add({ address: peer!, minTxMs: 100, minRxMs: 100, multiplier: 3, key });
const started = Date.now();
const timer = setInterval(() => {
  if ((upAt !== undefined && Date.now() - upAt > 3000) || Date.now() - started > 8000) {
    clearInterval(timer);
    out({ event: 'final', view: manager!.views()[0] });
    manager!.close();
    transport.close();
  }
}, 100);
