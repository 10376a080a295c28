/**
 * What an attribute decoder reports when a value is malformed: the UPDATE error subcode and the
 * RFC 7606 action. The attribute list decoder (attributes.ts) turns it into a BgpError whose data is the
 * whole erroneous attribute, as RFC 4271 6.3 asks for.
 */
import type { ErrorAction } from './error.js';
import type { AfiSafi } from './types.js';

export class Malformed {
  constructor(
    readonly subcode: number,
    readonly action: ErrorAction,
    readonly why: string,
    /** For 'afisafi-disable': the family to disable (RFC 7606 2, RFC 4760 7). */
    readonly family?: AfiSafi,
  ) {}
}
