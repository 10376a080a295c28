/**
 * The BFD thread: a BfdManager and its UDP transport (RFC 5881) on their own event loop, so that packets go
 * out and detection timers fire on time however long the main thread is busy with routes (BIRD runs BFD in
 * its own thread for the same reason; FRR in its own process). Commands arrive as messages; session changes
 * go back as messages. Started by thread.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../lib/clock.js';
import { BfdManager } from './manager.js';
import { UdpTransport } from './transport.js';
import type { BfdCommand, BfdReport, BfdThreadOptions } from './thread-protocol.js';

const port = parentPort!;
const post = (m: BfdReport) => port.postMessage(m);
const opts = workerData as BfdThreadOptions;

let manager: BfdManager | undefined;
let transport: UdpTransport;
try {
  transport = UdpTransport.open(opts.transport, (bytes, ttl, from, arrival) => manager?.receive(bytes, ttl, from, arrival),
    (e) => post({ type: 'error', message: e.message }));
} catch (e) {
  post({ type: 'failed', message: (e as Error).message, ...((e as NodeJS.ErrnoException).code ? { code: (e as NodeJS.ErrnoException).code! } : {}) });
  process.exit(1);
}
manager = new BfdManager(systemClock, transport, {
  up: (peer) => post({ type: 'up', peer }),
  down: (peer, diag, remoteAdminDown) => post({ type: 'down', peer, diag, remoteAdminDown }),
  ...(opts.reportDrops ? { dropped: (peer: string | undefined, reason: string) => post({ type: 'dropped', ...(peer ? { peer } : {}), reason }) } : {}),
});
const m = manager;
port.on('message', (c: BfdCommand) => {
  switch (c.type) {
    case 'add': m.add(c.options); break;
    case 'remove': m.remove(c.address); break;
    case 'admin': m.setAdminDown(c.address, c.down); break;
    case 'views': post({ type: 'views', id: c.id, views: m.views() }); break;
    case 'close':
      // AdminDown to every peer where it can still go (a namespace without links refuses the sends); then
      // the thread ends whatever is left on its loop (in a worker, process.exit ends the thread only)
      try { m.close(); } catch (e) { post({ type: 'error', message: (e as Error).message }); }
      try { transport.close(); } catch { /* closing anyway */ }
      post({ type: 'closed' });
      port.close();
      process.exit(0);
  }
});
post({ type: 'ready' });
