/**
 * Reading what ipvsadm sends: a pcap file written by tcpdump on an nlmon interface (LINKTYPE_NETLINK: a
 * 16-byte cooked header, then the netlink messages as the socket sent them).
 */
import { readFileSync } from 'node:fs';
import { NLM_F_REQUEST } from '../../../../src/wire/netlink/constants.js';
import { decodeMessages, type NetlinkMessage } from '../../../../src/wire/netlink/message.js';

export interface CapturedRequest {
  readonly message: NetlinkMessage;
  /** The whole message as sent. */
  readonly bytes: Uint8Array;
}

export function readNetlinkPcap(file: string, familyId: number): CapturedRequest[] {
  const b = readFileSync(file);
  if (b.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${file}: not a little-endian microsecond pcap`);
  const out: CapturedRequest[] = [];
  for (let p = 24; p + 16 <= b.length;) {
    const caplen = b.readUInt32LE(p + 8);
    const data = new Uint8Array(b.subarray(p + 16 + 16, p + 16 + caplen));
    p += 16 + caplen;
    let at = 0;
    for (const m of decodeMessages(data)) {
      const len = new DataView(data.buffer, data.byteOffset + at).getUint32(0, true);
      if (m.type === familyId && m.flags & NLM_F_REQUEST) out.push({ message: m, bytes: data.slice(at, at + len) });
      at += (len + 3) & ~3;
    }
  }
  return out;
}
