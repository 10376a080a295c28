/**
 * The Fib as the router daemon gets it: its route changes pass the Service health gate when health checks are
 * configured (health-checks.ts), and its kernel routes come back with the measured traffic split once the data
 * plane counts (dataplane.ts); every other call goes straight to the real Fib.
 */
import type { KernelRouteView } from '../control/views.js';
import type { Fib } from '../fib/fib.js';
import type { ServiceGate } from '../probe/service-gate.js';
import type { RouterDeps } from './daemon.js';

export interface FibPortHooks {
  readonly gate?: ServiceGate;
  /** The routes with their measured split (identity until the data plane is in place). */
  readonly measured: (routes: KernelRouteView[]) => Promise<KernelRouteView[]>;
}

export function daemonFib(fib: Fib, hooks: FibPortHooks): NonNullable<RouterDeps['fib']> {
  const gate = hooks.gate;
  return {
    apply: (changes) => fib.apply(gate ? gate.filter(changes) : changes),
    kernelRoutes: async () => hooks.measured(await fib.kernelRoutes()),
    close: () => fib.close(), withdrawNexthop: (a) => fib.withdrawNexthop(a), sweep: () => fib.sweep(),
    counters: fib.counters,
  };
}
