/**
 * The scheduler model: one TypeScript twin per kernel IPVS scheduler, making the same choice from the same
 * inputs (server list order, weights, connection counts, flow addresses and ports), so the agent can
 * explain and predict how a Service spreads. `predict` replays how the agent builds a service (created
 * empty, real servers added one by one) and then schedules a sequence of connections, updating the counts
 * the way the kernel does for connections that are held open (active) or already closed (inactive).
 */
import type { SchedulerName } from '../scheduler-annotation.js';
import { destinationHashing, maglevHashing, sourceHashing } from './hashing.js';
import { leastConnection, neverQueue, powerOfTwoChoices, shortestExpectedDelay, weightedLeastConnection } from './least-connection.js';
import { locality, localityReplicated } from './locality.js';
import { roundRobin, weightedRoundRobin } from './round-robin.js';
import type { Flow, ModelServer, SchedulerModel } from './types.js';

export type { Flow, ModelServer, SchedulerModel } from './types.js';

/** A deterministic generator for twos, so predictions are reproducible. */
export { seededRandom } from '../../../lib/random.js';
import { seededRandom } from '../../../lib/random.js';

/** A scheduler as the kernel's init_service leaves it for a service with no servers yet. */
export function createScheduler(name: SchedulerName, flags = 0, random: (n: number) => number = seededRandom(1)): SchedulerModel {
  switch (name) {
    case 'rr': return roundRobin();
    case 'wrr': return weightedRoundRobin();
    case 'lc': return leastConnection();
    case 'wlc': return weightedLeastConnection();
    case 'sed': return shortestExpectedDelay();
    case 'nq': return neverQueue();
    case 'twos': return powerOfTwoChoices(random);
    case 'lblc': return locality();
    case 'lblcr': return localityReplicated();
    case 'sh': return sourceHashing(flags);
    case 'dh': return destinationHashing();
    case 'mh': return maglevHashing(flags);
  }
}

export interface ServerInput {
  readonly address: string;
  readonly port: number;
  readonly weight: number;
  readonly activeConns?: number;
  readonly inactiveConns?: number;
}

export interface Prediction {
  /** Server index (into the list given) per flow; undefined when the kernel would find none. */
  readonly picks: (number | undefined)[];
  /** Connections per server index. */
  readonly counts: number[];
}

/**
 * Predict where `flows` go. `servers` is in the kernel's list order (as dumped); they were added oldest
 * first, i.e. from the end of that list. `held`: each connection stays established (counts as active);
 * otherwise each is closed before the next starts (counts as inactive).
 */
export function predict(name: SchedulerName, flags: number, servers: readonly ServerInput[], flows: readonly Flow[],
  held: boolean, random?: (n: number) => number): Prediction {
  const model = createScheduler(name, flags, random);
  const state: ModelServer[] = servers.map((s) => ({
    address: s.address, port: s.port, weight: s.weight, activeConns: s.activeConns ?? 0, inactiveConns: s.inactiveConns ?? 0,
  }));
  for (let k = 1; k <= state.length; k++) model.serversChanged?.(state.slice(state.length - k));
  const counts = state.map(() => 0);
  const picks = flows.map((f) => {
    const i = model.pick(state, f);
    if (i === undefined) return undefined;
    counts[i]!++;
    if (held) state[i]!.activeConns++;
    else state[i]!.inactiveConns++;
    return i;
  });
  return { picks, counts };
}
