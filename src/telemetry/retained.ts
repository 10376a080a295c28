/**
 * Short-lived MQTT 5 clients (the mqtt package) for `vipgate lab`: read the retained message of one topic
 * (subscribe, take the first message, disconnect; undefined when none came within `timeoutMs`), and check that
 * a broker answers at all (a CONNACK within `timeoutMs`).
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

/** Resolves once the broker at `url` accepted a connection; rejects with why it did not. */
export function brokerAnswers(url: string, timeoutMs = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    const client = connect(url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: timeoutMs });
    let settled = false;
    const done = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end(true, () => (err ? reject(err) : resolve()));
    };
    const timer = setTimeout(() => done(new Error(`no CONNACK from ${url} within ${timeoutMs} ms`)), timeoutMs);
    client.on('error', (e) => done(e));
    client.on('close', () => done(new Error(`${url} closed the connection`)));
    client.on('connect', () => done());
  });
}
