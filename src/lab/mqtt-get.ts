/**
 * `mqtt-get HOST PORT TOPIC`: prints the retained message of TOPIC on the lab's broker (at most 5 s), so
 * that `vipgate lab status` shows what the router's telemetry published. A bare MQTT 3.1.1 subscriber on
 * node:net (CONNECT, SUBSCRIBE at QoS 0, the first PUBLISH), since only src/telemetry uses the mqtt package.
 */
import { connect } from 'node:net';

const [host = '127.0.0.1', port = '1883', topic = '#'] = process.argv.slice(2);

/** A UTF-8 string with its two-octet length (MQTT 3.1.1 section 1.5.3). */
const str = (s: string): Buffer => { const b = Buffer.from(s); return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]); };
/** Fixed header with the remaining length as a variable-length integer (section 2.2.3). */
function packet(type: number, body: Buffer): Buffer {
  const len: number[] = [];
  let n = body.length;
  do { len.push((n % 128) | (n >= 128 ? 0x80 : 0)); n = Math.floor(n / 128); } while (n > 0);
  return Buffer.concat([Buffer.from([type, ...len]), body]);
}

const socket = connect(Number(port), host);
const timer = setTimeout(() => { process.stderr.write(`no message on ${topic}\n`); process.exitCode = 1; socket.destroy(); }, 5000);
socket.on('error', (e) => { process.stderr.write(`${e.message}\n`); process.exitCode = 1; clearTimeout(timer); });
socket.on('connect', () => {
  // CONNECT: "MQTT", level 4, clean session, keep alive 10 s (section 3.1); SUBSCRIBE id 1, QoS 0 (3.8)
  socket.write(packet(0x10, Buffer.concat([str('MQTT'), Buffer.from([4, 0x02, 0, 10]), str(`vipgate-lab-${process.pid}`)])));
  socket.write(packet(0x82, Buffer.concat([Buffer.from([0, 1]), str(topic), Buffer.from([0])])));
});
let buf = Buffer.alloc(0);
socket.on('data', (d: Buffer) => {
  buf = Buffer.concat([buf, d]);
  for (;;) {
    let len = 0;
    let i = 1;
    for (let mult = 1; i < buf.length; i++, mult *= 128) {
      len += (buf[i]! & 0x7f) * mult;
      if ((buf[i]! & 0x80) === 0) break;
    }
    if (i >= buf.length || buf.length < i + 1 + len) return;
    const type = buf[0]!;
    const body = buf.subarray(i + 1, i + 1 + len);
    buf = buf.subarray(i + 1 + len);
    if (type >> 4 !== 3) continue; // only PUBLISH (section 3.3): topic, a packet id when QoS > 0, payload
    const topicLen = body.readUInt16BE(0);
    const qos = (type >> 1) & 3;
    process.stdout.write(`${body.subarray(2 + topicLen + (qos > 0 ? 2 : 0)).toString()}\n`);
    clearTimeout(timer);
    socket.end();
    return;
  }
});
