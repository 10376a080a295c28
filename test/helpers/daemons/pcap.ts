/**
 * Reads a classic pcap file (what `tcpdump -w` writes; either byte order, micro- or nanosecond stamps) of
 * BGP sessions, reassembles each TCP connection's byte stream per direction (RFC 9293 sequence numbers,
 * retransmissions and overlaps dropped) and splits it into BGP messages by the RFC 4271 §4.1 header
 * (16-octet marker, 2-octet length, 1-octet type). Link types: Ethernet (1), Linux cooked v1 (113) and v2
 * (276). IPv4 and IPv6 (without extension headers).
 */
import { readFileSync } from 'node:fs';

export interface BgpCaptured {
  /** "10.0.0.1" */
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  /** Seconds since the epoch of the segment that carried the message's first octet. */
  time: number;
  /** RFC 4271 type: 1 OPEN, 2 UPDATE, 3 NOTIFICATION, 4 KEEPALIVE, 5 ROUTE-REFRESH */
  type: number;
  /** The whole message, header included. */
  bytes: Uint8Array;
}

interface Segment { time: number; seq: number; syn: boolean; payload: Uint8Array }
interface Flow { src: string; dst: string; srcPort: number; dstPort: number; isn: number | undefined; segments: Segment[] }

export function readBgpPcap(file: string): BgpCaptured[] {
  return bgpMessagesFromPcap(readFileSync(file));
}

export function bgpMessagesFromPcap(buf: Buffer): BgpCaptured[] {
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && buf.readUInt32BE(0) !== 0xa1b2c3d4 && buf.readUInt32BE(0) !== 0xa1b23c4d) throw new Error('not a classic pcap file');
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const nano = (le ? magic : buf.readUInt32BE(0)) === 0xa1b23c4d;
  const linkType = u32(20);
  const flows: Flow[] = [];
  const open = new Map<string, Flow>();
  for (let off = 24; off + 16 <= buf.length;) {
    const time = u32(off) + u32(off + 4) / (nano ? 1e9 : 1e6);
    const caplen = u32(off + 8);
    const frame = buf.subarray(off + 16, off + 16 + caplen);
    off += 16 + caplen;
    const seg = tcpSegment(frame, linkType);
    if (!seg) continue;
    const key = `${seg.src}|${seg.srcPort}|${seg.dst}|${seg.dstPort}`;
    let flow = open.get(key);
    if (!flow || seg.syn) {
      flow = { src: seg.src, dst: seg.dst, srcPort: seg.srcPort, dstPort: seg.dstPort, isn: seg.syn ? seg.seq : undefined, segments: [] };
      open.set(key, flow);
      flows.push(flow);
    }
    if (seg.payload.length > 0) flow.segments.push({ time, seq: seg.seq, syn: seg.syn, payload: seg.payload });
  }
  return flows.flatMap(splitFlow).sort((a, b) => a.time - b.time);
}

interface RawSegment { src: string; dst: string; srcPort: number; dstPort: number; seq: number; syn: boolean; payload: Uint8Array }

function tcpSegment(frame: Buffer, linkType: number): RawSegment | undefined {
  let l3: number;
  let etherType: number;
  if (linkType === 1) { etherType = frame.readUInt16BE(12); l3 = 14; if (etherType === 0x8100) { etherType = frame.readUInt16BE(16); l3 = 18; } }
  else if (linkType === 113) { etherType = frame.readUInt16BE(14); l3 = 16; }
  else if (linkType === 276) { etherType = frame.readUInt16BE(0); l3 = 20; }
  else throw new Error(`pcap link type ${linkType} not handled`);
  let src: string; let dst: string; let l4: number; let end: number;
  if (etherType === 0x0800) {
    if (frame[l3 + 9] !== 6) return undefined;
    l4 = l3 + (frame[l3]! & 0x0f) * 4;
    end = l3 + frame.readUInt16BE(l3 + 2);
    src = [...frame.subarray(l3 + 12, l3 + 16)].join('.');
    dst = [...frame.subarray(l3 + 16, l3 + 20)].join('.');
  } else if (etherType === 0x86dd) {
    if (frame[l3 + 6] !== 6) return undefined;
    l4 = l3 + 40;
    end = l4 + frame.readUInt16BE(l3 + 4);
    src = ipv6Text(frame.subarray(l3 + 8, l3 + 24));
    dst = ipv6Text(frame.subarray(l3 + 24, l3 + 40));
  } else return undefined;
  const dataOff = (frame[l4 + 12]! >> 4) * 4;
  return {
    src, dst, srcPort: frame.readUInt16BE(l4), dstPort: frame.readUInt16BE(l4 + 2), seq: frame.readUInt32BE(l4 + 4),
    syn: (frame[l4 + 13]! & 0x02) !== 0, payload: frame.subarray(l4 + dataOff, Math.min(end, frame.length)),
  };
}

function ipv6Text(b: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  // compress the longest run of zero groups (RFC 5952)
  let best = [-1, 0];
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best[1]! && j - i > 1) best = [i, j - i];
    i = j;
  }
  if (best[0]! < 0) return groups.join(':');
  const head = groups.slice(0, best[0]).join(':');
  const tail = groups.slice(best[0]! + best[1]!).join(':');
  return `${head}::${tail}`;
}

/** Reassemble one direction of one connection and cut it into BGP messages. */
function splitFlow(flow: Flow): BgpCaptured[] {
  const first = flow.segments[0];
  if (!first) return [];
  const base = flow.isn !== undefined ? (flow.isn + 1) >>> 0 : first.seq;
  const rel = (seq: number): number => (seq - base) >>> 0;
  const segs = [...flow.segments].sort((a, b) => rel(a.seq) - rel(b.seq));
  const chunks: Uint8Array[] = [];
  const starts: { at: number; time: number }[] = [];
  let next = 0;
  for (const s of segs) {
    const at = rel(s.seq);
    if (at + s.payload.length <= next) continue; // retransmission
    if (at > next) break; // a hole: the capture missed bytes; stop at what is contiguous
    starts.push({ at: next, time: s.time });
    chunks.push(s.payload.subarray(next - at));
    next = at + s.payload.length;
  }
  const stream = Buffer.concat(chunks);
  const timeAt = (pos: number): number => {
    let t = starts[0]?.time ?? 0;
    for (const s of starts) if (s.at <= pos) t = s.time;
    return t;
  };
  const out: BgpCaptured[] = [];
  for (let pos = 0; pos + 19 <= stream.length;) {
    if (!stream.subarray(pos, pos + 16).every((b) => b === 0xff)) throw new Error(`${flow.src}:${flow.srcPort}: no BGP marker at stream offset ${pos}`);
    const len = stream.readUInt16BE(pos + 16);
    if (len < 19 || pos + len > stream.length) break;
    out.push({ src: flow.src, dst: flow.dst, srcPort: flow.srcPort, dstPort: flow.dstPort, time: timeAt(pos), type: stream[pos + 18]!, bytes: new Uint8Array(stream.subarray(pos, pos + len)) });
    pos += len;
  }
  return out;
}
