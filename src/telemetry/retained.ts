/**
 * Read the retained message of one topic from a broker (MQTT 5, the mqtt package): subscribe, take the first
 * message, disconnect; undefined when none came within `timeoutMs`. For `vipgate lab status`.
 */
import { connect } from 'mqtt';

export function readRetained(url: string, topic: string, timeoutMs = 5000): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const client = connect(url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: timeoutMs });
    const done = (v: string | undefined, err?: Error): void => {
      clearTimeout(timer);
      client.end(true, () => (err ? reject(err) : resolve(v)));
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    client.on('error', (e) => done(undefined, e));
    client.on('connect', () => client.subscribe(topic, { qos: 0 }));
    client.on('message', (_t, payload) => done(payload.toString()));
  });
}
