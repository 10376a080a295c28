/**
 * The one error type BGP decoders throw or collect. It carries the NOTIFICATION code, subcode and data
 * (RFC 4271 section 6) and the RFC 7606 section 2 action the receiver must take.
 */

/** RFC 7606 approaches, strongest first. */
export type ErrorAction = 'session-reset' | 'afisafi-disable' | 'treat-as-withdraw' | 'attribute-discard';

export class BgpError extends Error {
  constructor(
    readonly code: number,
    readonly subcode: number,
    message: string,
    readonly data: Uint8Array = new Uint8Array(0),
    readonly action: ErrorAction = 'session-reset',
  ) {
    super(message);
    this.name = 'BgpError';
  }
}

const STRENGTH: Record<ErrorAction, number> = {
  'session-reset': 3, 'afisafi-disable': 2, 'treat-as-withdraw': 1, 'attribute-discard': 0,
};

/** RFC 7606 3.h: when several errors are found, the strongest action wins. */
export function strongestAction(errors: readonly BgpError[]): ErrorAction | undefined {
  let best: ErrorAction | undefined;
  for (const e of errors) if (best === undefined || STRENGTH[e.action] > STRENGTH[best]) best = e.action;
  return best;
}
