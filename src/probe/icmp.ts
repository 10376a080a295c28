/**
 * ICMP Echo Request / Echo Reply (RFC 792 for IPv4, RFC 4443 section 4 for IPv6): build a request, and
 * recognise a reply in what a raw socket reads (IPv4 reads start with the IP header, IPv6 reads do not).
 * IPv4 carries the Internet checksum (RFC 1071) that we compute; for ICMPv6 the kernel fills it in on a raw
 * ICMPv6 socket (RFC 3542 section 3.1). Pure functions.
 */
export const ICMP_ECHO_REQUEST = 8;
export const ICMP_ECHO_REPLY = 0;
export const ICMPV6_ECHO_REQUEST = 128;
export const ICMPV6_ECHO_REPLY = 129;

/** RFC 1071: one's complement of the one's complement sum of 16-bit words. */
export function internetChecksum(b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i + 1 < b.length; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (b.length % 2) sum += b[b.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export function echoRequest(family: 4 | 6, id: number, seq: number, payload: Uint8Array = new Uint8Array(8)): Uint8Array {
  const b = new Uint8Array(8 + payload.length);
  b[0] = family === 4 ? ICMP_ECHO_REQUEST : ICMPV6_ECHO_REQUEST;
  b[4] = id >> 8; b[5] = id & 0xff; b[6] = seq >> 8; b[7] = seq & 0xff;
  b.set(payload, 8);
  if (family === 4) {
    const c = internetChecksum(b);
    b[2] = c >> 8; b[3] = c & 0xff;
  }
  return b;
}

/** The identifier and sequence of an Echo Reply, or undefined for anything else (or a bad IPv4 checksum). */
export function parseEchoReply(family: 4 | 6, read: Uint8Array): { id: number; seq: number } | undefined {
  let icmp = read;
  if (family === 4) {
    if (read.length < 20 || read[0]! >> 4 !== 4) return undefined;
    icmp = read.subarray((read[0]! & 0x0f) * 4);
    if (icmp.length < 8 || icmp[0] !== ICMP_ECHO_REPLY || internetChecksum(icmp) !== 0) return undefined;
  } else if (icmp.length < 8 || icmp[0] !== ICMPV6_ECHO_REPLY) {
    return undefined;
  }
  return { id: (icmp[4]! << 8) | icmp[5]!, seq: (icmp[6]! << 8) | icmp[7]! };
}
