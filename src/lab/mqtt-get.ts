/**
 * `mqtt-get URL TOPIC`: prints the retained message of TOPIC on the lab's broker (at most 5 s), so that
 * `vipgate lab status` can show what the router's telemetry published.
 */
import { connect } from 'mqtt';

const [url = 'mqtt://127.0.0.1:1883', topic = '#'] = process.argv.slice(2);
const client = connect(url, { reconnectPeriod: 0, connectTimeout: 3000 });
const timer = setTimeout(() => { process.stderr.write(`no message on ${topic}\n`); process.exitCode = 1; client.end(true); }, 5000);
client.on('error', (e) => { process.stderr.write(`${e.message}\n`); process.exitCode = 1; clearTimeout(timer); client.end(true); });
client.on('connect', () => client.subscribe(topic));
client.on('message', (_topic, payload) => {
  process.stdout.write(`${payload.toString()}\n`);
  clearTimeout(timer);
  client.end();
});
