/**
 * Capabilities carried in the OPEN optional parameter 2 (RFC 5492): multiprotocol (RFC 4760 8),
 * route refresh (RFC 2918), extended message (RFC 8654), graceful restart (RFC 4724 3, N bit from
 * RFC 8538), 4-octet AS (RFC 6793), ADD-PATH (RFC 7911 4), enhanced route refresh (RFC 7313) and
 * FQDN (draft-walton-bgp-hostname-capability). Any other code is kept as raw bytes.
 */
import { Reader, Writer } from '../../lib/bytes.js';
import { BgpError } from './error.js';
import { ErrorCode } from './types.js';
import type { AddPathSendReceive, Capability } from './types.js';

export const CapabilityCode = {
  MULTIPROTOCOL: 1, ROUTE_REFRESH: 2, EXTENDED_MESSAGE: 6, GRACEFUL_RESTART: 64, FOUR_OCTET_AS: 65,
  ADD_PATH: 69, ENHANCED_ROUTE_REFRESH: 70, FQDN: 73,
} as const;

/** Graceful restart flag bits (high nibble of the first 16 bits): R (RFC 4724) and N (RFC 8538). */
const GR_RESTARTING = 0x8000;
const GR_NOTIFICATION = 0x4000;
/** Per-family "forwarding state preserved" bit (RFC 4724 3). */
const GR_FORWARDING = 0x80;

function malformed(code: number, value: Uint8Array): BgpError {
  // RFC 5492 has no subcode for a malformed capability; 2/0 (OPEN Message Error, unspecific) with the capability.
  const data = new Uint8Array(2 + value.length);
  data[0] = code; data[1] = value.length; data.set(value, 2);
  return new BgpError(ErrorCode.OPEN_MESSAGE, 0, `malformed capability ${code}`, data);
}

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

function decodeValue(code: number, value: Uint8Array): Capability {
  const r = new Reader(value);
  const exact = (n: number): void => { if (value.length !== n) throw malformed(code, value); };
  switch (code) {
    case CapabilityCode.MULTIPROTOCOL: {
      exact(4);
      const afi = r.u16(); r.skip(1);
      return { kind: 'multiprotocol', afi, safi: r.u8() };
    }
    case CapabilityCode.ROUTE_REFRESH: exact(0); return { kind: 'route-refresh' };
    case CapabilityCode.EXTENDED_MESSAGE: exact(0); return { kind: 'extended-message' };
    case CapabilityCode.ENHANCED_ROUTE_REFRESH: exact(0); return { kind: 'enhanced-route-refresh' };
    case CapabilityCode.FOUR_OCTET_AS: exact(4); return { kind: 'four-octet-as', asn: r.u32() };
    case CapabilityCode.GRACEFUL_RESTART: {
      if (value.length < 2 || (value.length - 2) % 4 !== 0) throw malformed(code, value);
      const head = r.u16();
      const families = [];
      while (!r.atEnd) {
        const afi = r.u16(); const safi = r.u8();
        families.push({ afi, safi, forwarding: (r.u8() & GR_FORWARDING) !== 0 });
      }
      return {
        kind: 'graceful-restart', restarting: (head & GR_RESTARTING) !== 0, notification: (head & GR_NOTIFICATION) !== 0,
        restartTime: head & 0x0fff, families,
      };
    }
    case CapabilityCode.ADD_PATH: {
      if (value.length % 4 !== 0) throw malformed(code, value);
      const families = [];
      while (!r.atEnd) {
        const afi = r.u16(); const safi = r.u8(); const mode = r.u8();
        // RFC 7911 4: Send/Receive is 1, 2 or 3.
        if (mode < 1 || mode > 3) throw malformed(code, value);
        families.push({ afi, safi, mode: mode as AddPathSendReceive });
      }
      return { kind: 'add-path', families };
    }
    case CapabilityCode.FQDN: {
      if (value.length < 1) throw malformed(code, value);
      const hostLen = r.u8();
      if (value.length < 2 + hostLen) throw malformed(code, value);
      const hostname = utf8.decode(r.bytes(hostLen));
      const domainLen = r.u8();
      if (r.remaining !== domainLen) throw malformed(code, value);
      return { kind: 'fqdn', hostname, domain: utf8.decode(r.bytes(domainLen)) };
    }
    default:
      return { kind: 'unknown', code, value: Uint8Array.from(value) };
  }
}

/** Decodes every capability in the value of one optional parameter of type 2. */
export function decodeCapabilities(reader: Reader): Capability[] {
  const out: Capability[] = [];
  while (!reader.atEnd) {
    if (reader.remaining < 2) throw new BgpError(ErrorCode.OPEN_MESSAGE, 0, 'truncated capability header');
    const code = reader.u8();
    const len = reader.u8();
    if (len > reader.remaining) throw new BgpError(ErrorCode.OPEN_MESSAGE, 0, `capability ${code} runs past its parameter`);
    out.push(decodeValue(code, reader.bytes(len)));
  }
  return out;
}

function fqdnPart(text: string): Uint8Array {
  const b = utf8Encoder.encode(text);
  if (b.length > 255) throw new RangeError('FQDN capability: hostname and domain are at most 255 bytes');
  return b;
}

function encodeValue(writer: Writer, cap: Capability): void {
  switch (cap.kind) {
    case 'multiprotocol': writer.u16(cap.afi).u8(0).u8(cap.safi); return;
    case 'route-refresh': case 'extended-message': case 'enhanced-route-refresh': return;
    case 'four-octet-as': writer.u32(cap.asn); return;
    case 'graceful-restart':
      writer.u16((cap.restarting ? GR_RESTARTING : 0) | (cap.notification ? GR_NOTIFICATION : 0) | (cap.restartTime & 0x0fff));
      for (const f of cap.families) writer.u16(f.afi).u8(f.safi).u8(f.forwarding ? GR_FORWARDING : 0);
      return;
    case 'add-path':
      for (const f of cap.families) writer.u16(f.afi).u8(f.safi).u8(f.mode);
      return;
    case 'fqdn': {
      const host = fqdnPart(cap.hostname); const domain = fqdnPart(cap.domain);
      writer.u8(host.length).bytes(host).u8(domain.length).bytes(domain);
      return;
    }
    case 'unknown': writer.bytes(cap.value); return;
  }
}

function codeOf(cap: Capability): number {
  switch (cap.kind) {
    case 'multiprotocol': return CapabilityCode.MULTIPROTOCOL;
    case 'route-refresh': return CapabilityCode.ROUTE_REFRESH;
    case 'extended-message': return CapabilityCode.EXTENDED_MESSAGE;
    case 'graceful-restart': return CapabilityCode.GRACEFUL_RESTART;
    case 'four-octet-as': return CapabilityCode.FOUR_OCTET_AS;
    case 'add-path': return CapabilityCode.ADD_PATH;
    case 'enhanced-route-refresh': return CapabilityCode.ENHANCED_ROUTE_REFRESH;
    case 'fqdn': return CapabilityCode.FQDN;
    case 'unknown': return cap.code;
  }
}

/** One capability as code, length, value (RFC 5492 4). */
export function encodeCapability(cap: Capability): Uint8Array {
  const value = new Writer(64);
  encodeValue(value, cap);
  const bytes = value.finish();
  if (bytes.length > 255) throw new RangeError(`capability ${codeOf(cap)} is longer than 255 bytes`);
  return new Writer(2 + bytes.length).u8(codeOf(cap)).u8(bytes.length).bytes(bytes).finish();
}
