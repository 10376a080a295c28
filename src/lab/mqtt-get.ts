/**
 * `mqtt-get HOST PORT TOPIC`: prints the retained message of TOPIC on the lab's broker (at most 5 s), so
 * that `vipgate lab status` shows what the router's and the agents' telemetry published.
 * `mqtt-get --connect HOST PORT`: exits 0 once the broker accepts a connection (the lab's readiness probe).
 * Runs inside the router's namespace, where the broker listens.
 */
import { brokerAnswers, readRetained } from '../telemetry/retained.js';

const args = process.argv.slice(2);
const fail = (e: unknown): void => { process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`); process.exitCode = 1; };

if (args[0] === '--connect') {
  const [, host = '127.0.0.1', port = '1883'] = args;
  brokerAnswers(`mqtt://${host}:${port}`).catch(fail);
} else {
  const [host = '127.0.0.1', port = '1883', topic = '#'] = args;
  readRetained(`mqtt://${host}:${port}`, topic).then((payload) => {
    if (payload === undefined) { process.stderr.write(`no message on ${topic}\n`); process.exitCode = 1; return; }
    process.stdout.write(`${payload}\n`);
  }, fail);
}
