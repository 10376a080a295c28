/**
 * The per-Service IPVS annotations. `vipgate.io/ipvs-scheduler` names the kernel scheduler, optionally with
 * the sh/mh flags after a colon: "rr", "wlc", "sh:port", "mh:fallback,port" (fallback = IP_VS_SVC_F_SCHED1,
 * port = IP_VS_SVC_F_SCHED2, as ipvsadm's -b sh-fallback,sh-port / mh-fallback,mh-port).
 * `vipgate.io/ipvs-weights` gives real-server weights by endpoint address: "10.1.0.11=3,10.1.0.12=1"
 * (others keep weight 1).
 */
import { parseAddress, formatAddress } from '../../lib/address.js';
import { IP_VS_SVC_F_SCHED1, IP_VS_SVC_F_SCHED2 } from '../../wire/netlink/ipvs/constants.js';

export const SCHEDULER_ANNOTATION = 'vipgate.io/ipvs-scheduler';
export const WEIGHTS_ANNOTATION = 'vipgate.io/ipvs-weights';

export const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'sh', 'dh', 'sed', 'nq', 'mh', 'twos'] as const;
export type SchedulerName = (typeof SCHEDULERS)[number];
export const DEFAULT_SCHEDULER: SchedulerName = 'rr';

export interface SchedulerChoice {
  readonly name: SchedulerName;
  /** IP_VS_SVC_F_SCHED1/2 for sh and mh. */
  readonly flags: number;
}

const FLAG_BITS: Readonly<Record<string, number>> = { fallback: IP_VS_SVC_F_SCHED1, port: IP_VS_SVC_F_SCHED2 };

export class AnnotationError extends Error {
  constructor(readonly annotation: string, message: string) {
    super(`${annotation}: ${message}`);
    this.name = 'AnnotationError';
  }
}

/** Parse the scheduler annotation (absent: the default, round robin). */
export function parseSchedulerAnnotation(value: string | undefined): SchedulerChoice {
  if (value === undefined || value.trim() === '') return { name: DEFAULT_SCHEDULER, flags: 0 };
  const [rawName, rawFlags] = value.trim().split(':', 2) as [string, string | undefined];
  const name = rawName.trim().toLowerCase();
  if (!(SCHEDULERS as readonly string[]).includes(name)) {
    throw new AnnotationError(SCHEDULER_ANNOTATION, `unknown scheduler "${rawName}" (one of ${SCHEDULERS.join(' ')})`);
  }
  let flags = 0;
  for (const f of (rawFlags ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    const bit = FLAG_BITS[f];
    if (bit === undefined) throw new AnnotationError(SCHEDULER_ANNOTATION, `unknown flag "${f}" (fallback, port)`);
    if (name !== 'sh' && name !== 'mh') throw new AnnotationError(SCHEDULER_ANNOTATION, `flag "${f}" applies to sh and mh only`);
    flags |= bit;
  }
  return { name: name as SchedulerName, flags };
}

/** Parse the weights annotation into address -> weight (addresses normalised). */
export function parseWeightsAnnotation(value: string | undefined): ReadonlyMap<string, number> {
  const out = new Map<string, number>();
  if (!value) return out;
  for (const item of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = item.lastIndexOf('=');
    const addr = item.slice(0, eq).trim();
    const weight = Number(item.slice(eq + 1));
    if (eq < 0 || !Number.isInteger(weight) || weight < 0 || weight > 65535) {
      throw new AnnotationError(WEIGHTS_ANNOTATION, `"${item}" is not address=weight with a weight in 0..65535`);
    }
    let norm: string;
    try { norm = formatAddress(parseAddress(addr)); } catch { throw new AnnotationError(WEIGHTS_ANNOTATION, `"${addr}" is not an IP address`); }
    out.set(norm, weight);
  }
  return out;
}
