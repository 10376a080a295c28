/**
 * The lab's request stream for failover figures: `udp-stream HOST PORT COUNT INTERVAL_MS` sends COUNT
 * requests, one every INTERVAL_MS, each from a new socket (its own source port, so ECMP hashes each one on
 * its own), waits up to 500 ms for each answer; prints "sending" when it starts, and at the end
 * [sentAtEpochMs, answeringNode | null][] as one line of JSON.
 */
import { createSocket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';

const host = process.argv[2] ?? '127.0.0.1';
const port = Number(process.argv[3] ?? 80);
const count = Number(process.argv[4] ?? 100);
const interval = Number(process.argv[5] ?? 10);
const ANSWER_WAIT_MS = 500;

function request(i: number): Promise<[number, string | null]> {
  const at = Date.now();
  const socket = createSocket('udp4');
  return new Promise((resolve) => {
    let done = false;
    const finish = (node: string | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      resolve([at, node]);
    };
    const timer = setTimeout(() => finish(null), ANSWER_WAIT_MS);
    socket.on('message', (m) => finish(m.toString().split(' ')[0] ?? ''));
    socket.on('error', () => finish(null));
    socket.send(String(i), port, host, (e) => { if (e) finish(null); });
  });
}

process.stdout.write('sending\n');
const t0 = Date.now();
const pending: Promise<[number, string | null]>[] = [];
for (let i = 0; i < count; i++) {
  const wait = t0 + i * interval - Date.now();
  if (wait > 0) await sleep(wait);
  pending.push(request(i));
}
process.stdout.write(`${JSON.stringify(await Promise.all(pending))}\n`);
