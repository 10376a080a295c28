/**
 * Leader election for address assignment through a coordination.k8s.io/v1 Lease (the mechanism of
 * client-go's leaderelection): the holder renews spec.renewTime every duration/3; another agent takes
 * the Lease only when it has not been renewed for leaseDurationSeconds. Writes go through
 * resourceVersion (optimistic concurrency), so two agents racing for an expired Lease cannot both win:
 * the loser gets 409 Conflict and stays a follower. `leaseDecision` is the pure rule; LeaseElector runs it.
 */
import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';
import type { Logger } from '../../lib/log.js';
import type { Elector } from '../source/source.js';

export type LeaseAction = 'create' | 'renew' | 'take' | 'follow';

/** What to do with the Lease as read (undefined: it does not exist) at wall-clock time `nowMs`. */
export function leaseDecision(lease: V1Lease | undefined, me: string, nowMs: number): LeaseAction {
  if (!lease) return 'create';
  const holder = lease.spec?.holderIdentity;
  if (holder === me) return 'renew';
  if (!holder) return 'take';
  const renewed = lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : 0;
  const duration = (lease.spec?.leaseDurationSeconds ?? 15) * 1000;
  return nowMs - renewed > duration ? 'take' : 'follow';
}

export interface LeaseOptions { readonly namespace: string; readonly name: string; readonly durationSeconds: number; readonly identity: string }

function statusCode(e: unknown): number | undefined {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

export class LeaseElector implements Elector {
  private timer?: NodeJS.Timeout;
  private leader = false;
  private stopped = false;
  private changed: (leader: boolean) => void = () => undefined;

  constructor(private readonly api: CoordinationV1Api, private readonly o: LeaseOptions, private readonly log: Logger, private readonly now = () => Date.now()) {}

  start(changed: (leader: boolean) => void): void {
    this.changed = changed;
    void this.round();
  }

  private set(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    this.log.info({ lease: `${this.o.namespace}/${this.o.name}`, leader }, leader ? 'became the IPAM leader' : 'no longer the IPAM leader');
    this.changed(leader);
  }

  /** One read-decide-write round, then the next one in duration/3. */
  async round(): Promise<void> {
    if (this.stopped) return;
    const { namespace, name, identity, durationSeconds } = this.o;
    try {
      let lease: V1Lease | undefined;
      try { lease = await this.api.readNamespacedLease({ name, namespace }); } catch (e) { if (statusCode(e) !== 404) throw e; }
      const action = leaseDecision(lease, identity, this.now());
      const spec = { holderIdentity: identity, leaseDurationSeconds: durationSeconds, renewTime: new Date(this.now()) };
      if (action === 'create') {
        await this.api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec: { ...spec, acquireTime: spec.renewTime } } });
      } else if (action !== 'follow') {
        const body: V1Lease = { ...lease!, spec: { ...lease!.spec, ...spec, ...(action === 'take' ? { acquireTime: spec.renewTime, leaseTransitions: (lease!.spec?.leaseTransitions ?? 0) + 1 } : {}) } };
        await this.api.replaceNamespacedLease({ name, namespace, body });
      }
      this.set(action !== 'follow');
    } catch (e) {
      // a conflict means someone else wrote first; any other failure: we cannot prove we hold it
      if (statusCode(e) !== 409) this.log.warn({ err: (e as Error).message }, 'lease round failed');
      this.set(false);
    }
    if (!this.stopped) this.timer = setTimeout(() => { void this.round(); }, (durationSeconds * 1000) / 3);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.set(false);
  }
}
