/**
 * UPDATE message body (RFC 4271 4.3) with the error handling of RFC 7606: attribute errors are
 * collected and summarised (strongest action, treat-as-withdraw, families to disable); errors that need
 * a session reset are thrown as BgpError. Also the End-of-RIB marker of RFC 4724 2.
 */
import type { Reader, Writer } from '../../lib/bytes.js';
import { BgpError, strongestAction } from './error.js';
import type { ErrorAction } from './error.js';
import { decodeAttributes, encodeAttributes } from './attributes.js';
import { decodePrefixes, encodePrefixes, prefixesLength } from './prefix.js';
import { Afi, AttrCode, ErrorCode, Safi, UpdateSubcode, afiSafiKey } from './types.js';
import type { AfiSafi, CodecContext, MpUnreach, Nlri, UpdateMessage } from './types.js';

export interface UpdateOutcome {
  /** Every error found, for logging; none of them requires a session reset (those are thrown). */
  readonly errors: readonly BgpError[];
  /** The strongest action among the errors (RFC 7606 3.h), undefined when there are none. */
  readonly action: ErrorAction | undefined;
  /**
   * RFC 7606 2 treat-as-withdraw applied: the update returned lists every prefix it announced as withdrawn
   * (IPv4 unicast in `withdrawn`, IPv6 unicast in `attributes.mpUnreach`), announces nothing and carries no
   * other attributes. Applying it as it stands does the right thing; the flag is for logs and counters.
   */
  readonly withdrawAll: boolean;
  /**
   * RFC 7606 2 AFI/SAFI disable (RFC 4760 7): the routes of these families are already removed from the
   * update returned; the receiver MUST also drop every route of them it holds from this peer.
   */
  readonly disabledFamilies: readonly AfiSafi[];
}

export interface UpdateDecodeResult extends UpdateOutcome { readonly update: UpdateMessage }

const IPV4_UNICAST = afiSafiKey(Afi.IPV4, Safi.UNICAST);

function malformedList(why: string): BgpError {
  return new BgpError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, why);
}

export function decodeUpdate(reader: Reader, ctx: CodecContext): UpdateDecodeResult {
  const addPath = ctx.addPath.has(IPV4_UNICAST);
  // RFC 4271 6.3: withdrawn routes length or total path attribute length too large is Malformed Attribute
  // List; RFC 7606 4: the NLRI cannot be located then, so this stays a session reset.
  if (reader.remaining < 4) throw malformedList('UPDATE body shorter than 4 bytes');
  const withdrawnLength = reader.u16();
  if (withdrawnLength + 2 > reader.remaining) throw malformedList('withdrawn routes length overruns the message');
  const withdrawn = decodePrefixes(reader, withdrawnLength, 4, addPath);
  const attributesLength = reader.u16();
  if (attributesLength > reader.remaining) throw malformedList('total path attribute length overruns the message');
  const decoded = decodeAttributes(reader, attributesLength, ctx);
  const nlri = decodePrefixes(reader, reader.remaining, 4, addPath);
  const errors = decoded.errors;
  const { attributes, present } = decoded;
  // RFC 7606 3.d: a missing well-known mandatory attribute is treat-as-withdraw. Only UPDATEs that announce
  // something need them, and NEXT_HOP only for the classic NLRI field (RFC 4760 3).
  const announcesMp = (attributes.mpReach?.nlri.length ?? 0) > 0;
  if (nlri.length > 0 || announcesMp) {
    const required: number[] = [AttrCode.ORIGIN, AttrCode.AS_PATH];
    if (nlri.length > 0) required.push(AttrCode.NEXT_HOP);
    for (const code of required) {
      if (present.has(code)) continue;
      // RFC 4271 6.3: the data is the type code of the missing attribute.
      errors.push(new BgpError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.MISSING_WELL_KNOWN_ATTRIBUTE,
        `missing well-known attribute ${code}`, Uint8Array.of(code), 'treat-as-withdraw'));
    }
  }
  const withdrawAll = errors.some((e) => e.action === 'treat-as-withdraw');
  const update: UpdateMessage = { type: 'update', withdrawn, attributes, nlri };
  return {
    update: errors.length === 0 ? update : applyOutcome(update, withdrawAll, decoded.disabledFamilies),
    errors,
    action: strongestAction(errors),
    withdrawAll,
    disabledFamilies: decoded.disabledFamilies,
  };
}

/**
 * The UPDATE as the RIB must apply it: without the routes of disabled families, and on treat-as-withdraw
 * with every announced prefix turned into a withdrawal. Only IPv4 and IPv6 unicast remain by then (other
 * families are disabled by the MP decoder), so the withdrawals fit the classic field and one MP_UNREACH_NLRI.
 */
function applyOutcome(u: UpdateMessage, withdrawAll: boolean, disabled: readonly AfiSafi[]): UpdateMessage {
  const off = new Set(disabled.map((f) => afiSafiKey(f.afi, f.safi)));
  const on = <T extends AfiSafi>(mp: T | undefined): T | undefined => (mp !== undefined && !off.has(afiSafiKey(mp.afi, mp.safi)) ? mp : undefined);
  const v4On = !off.has(IPV4_UNICAST);
  const { mpReach: reach0, mpUnreach: unreach0, ...rest } = u.attributes;
  const mpReach = on(reach0);
  const mpUnreach = on(unreach0);
  if (!withdrawAll) {
    return {
      type: 'update', withdrawn: v4On ? u.withdrawn : [], nlri: v4On ? u.nlri : [],
      attributes: { ...rest, ...(mpReach ? { mpReach } : {}), ...(mpUnreach ? { mpUnreach } : {}) },
    };
  }
  const v4: Nlri[] = v4On ? [...u.withdrawn, ...u.nlri] : [];
  let other: MpUnreach | undefined;
  for (const [mp, list] of [[mpUnreach, mpUnreach?.withdrawn], [mpReach, mpReach?.nlri]] as const) {
    if (mp === undefined || list === undefined) continue;
    if (afiSafiKey(mp.afi, mp.safi) === IPV4_UNICAST) v4.push(...list);
    else other = { afi: mp.afi, safi: mp.safi, withdrawn: [...(other?.withdrawn ?? []), ...list] };
  }
  return { type: 'update', withdrawn: v4, attributes: other ? { mpUnreach: other } : {}, nlri: [] };
}

export function encodeUpdate(writer: Writer, msg: UpdateMessage, ctx: CodecContext): void {
  const addPath = ctx.addPath.has(IPV4_UNICAST);
  writer.u16(prefixesLength(msg.withdrawn, addPath));
  encodePrefixes(writer, msg.withdrawn, addPath);
  const attributes = encodeAttributes(msg.attributes, ctx);
  writer.u16(attributes.length).bytes(attributes);
  encodePrefixes(writer, msg.nlri, addPath);
}

export function updateLength(msg: UpdateMessage, ctx: CodecContext): number {
  const addPath = ctx.addPath.has(IPV4_UNICAST);
  return 4 + prefixesLength(msg.withdrawn, addPath) + encodeAttributes(msg.attributes, ctx).length + prefixesLength(msg.nlri, addPath);
}

/**
 * RFC 4724 2: the End-of-RIB marker: an empty UPDATE for IPv4 unicast, an UPDATE holding only an empty
 * MP_UNREACH_NLRI for other families.
 */
export function endOfRib(family: AfiSafi): UpdateMessage {
  if (afiSafiKey(family.afi, family.safi) === IPV4_UNICAST) return { type: 'update', withdrawn: [], attributes: {}, nlri: [] };
  return { type: 'update', withdrawn: [], attributes: { mpUnreach: { afi: family.afi, safi: family.safi, withdrawn: [] } }, nlri: [] };
}

/** The family whose End-of-RIB this UPDATE is, or undefined. */
export function endOfRibFamily(msg: UpdateMessage): AfiSafi | undefined {
  if (msg.withdrawn.length > 0 || msg.nlri.length > 0) return undefined;
  const keys = Object.entries(msg.attributes).filter(([, v]) => v !== undefined).map(([k]) => k);
  if (keys.length === 0) return { afi: Afi.IPV4, safi: Safi.UNICAST };
  const un = msg.attributes.mpUnreach;
  if (keys.length === 1 && un !== undefined && un.withdrawn.length === 0) return { afi: un.afi, safi: un.safi };
  return undefined;
}
