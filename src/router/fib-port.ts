/**
 * The Fib as the router daemon gets it: its kernel routes come back with the measured traffic split once the
 * data plane counts (dataplane.ts); every other call goes straight to the real Fib. (The service health gate
 * sits inside the daemon, between its next-hop gate and this port: daemon.ts, src/probe/service-health.ts.)
 */
import type { KernelRouteView } from '../control/views.js';
import type { Fib } from '../fib/fib.js';
import type { RouterDeps } from './daemon.js';

export interface FibPortHooks {
  /** The routes with their measured split (identity until the data plane is in place). */
  readonly measured: (routes: KernelRouteView[]) => Promise<KernelRouteView[]>;
}

export function daemonFib(fib: Fib, hooks: FibPortHooks): NonNullable<RouterDeps['fib']> {
  return {
    apply: (changes) => fib.apply(changes),
    kernelRoutes: async () => hooks.measured(await fib.kernelRoutes()),
    close: () => fib.close(), withdrawNexthop: (a) => fib.withdrawNexthop(a), sweep: () => fib.sweep(),
    counters: fib.counters,
  };
}
