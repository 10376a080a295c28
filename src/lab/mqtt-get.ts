/**
 * `mqtt-get HOST PORT TOPIC`: prints the retained message of TOPIC on the lab's broker (at most 5 s), so
 * that `vipgate lab status` shows what the router's and the agents' telemetry published. Runs inside the
 * router's namespace, where the broker listens.
 */
import { readRetained } from '../telemetry/retained.js';

const [host = '127.0.0.1', port = '1883', topic = '#'] = process.argv.slice(2);

readRetained(`mqtt://${host}:${port}`, topic).then((payload) => {
  if (payload === undefined) { process.stderr.write(`no message on ${topic}\n`); process.exitCode = 1; return; }
  process.stdout.write(`${payload}\n`);
}, (e: unknown) => { process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`); process.exitCode = 1; });
