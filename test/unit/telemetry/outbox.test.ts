import { describe, expect, it } from 'vitest';
import { Outbox } from '../../../src/telemetry/outbox.js';
import { eventPayload, peerPayload, routePayload, topicLevel, Topics } from '../../../src/telemetry/topics.js';
import { redactUrl } from '../../../src/telemetry/channel.js';

describe('Outbox', () => {
  it('keeps only the latest retained message per topic, in the order of their last change', () => {
    const o = new Outbox(10);
    o.put({ topic: 'a', payload: '1', retain: true });
    o.put({ topic: 'b', payload: '1', retain: true });
    o.put({ topic: 'a', payload: '2', retain: true });
    expect([o.take(), o.take(), o.take()]).toEqual([{ topic: 'b', payload: '1', retain: true }, { topic: 'a', payload: '2', retain: true }, undefined]);
  });

  it('queues every event, and drops the oldest past the limit, counting them', () => {
    const o = new Outbox(3);
    for (let i = 0; i < 5; i++) o.put({ topic: 'e', payload: String(i), retain: false });
    expect(o.dropped).toBe(2);
    expect(o.size).toBe(3);
    expect([o.take()?.payload, o.take()?.payload, o.take()?.payload]).toEqual(['2', '3', '4']);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new Outbox(0)).toThrow(RangeError);
  });
});

describe('topics and payloads', () => {
  it('one level per name: separators and wildcards replaced (MQTT 5 4.7)', () => {
    expect(topicLevel('10.0.0.0/24')).toBe('10.0.0.0_24');
    expect(topicLevel('a+b#c')).toBe('a_b_c');
    const t = new Topics('home/lab', 'pi');
    expect(t.route('fd00::1/128')).toBe('vipgate/home_lab/pi/routes/fd00::1_128');
    expect(t.peer('10.0.0.2')).toBe('vipgate/home_lab/pi/peers/10.0.0.2');
  });

  it('an empty route payload clears the retained route', () => {
    expect(routePayload('10.0.0.0/24', [])).toBe('');
    expect(JSON.parse(routePayload('10.0.0.0/24', [{ gateway: '10.0.0.2', weight: 3 }]))).toEqual({ prefix: '10.0.0.0/24', nexthops: [{ gateway: '10.0.0.2', weight: 3 }] });
  });

  it('peer uptime only while Established; route batches are not events', () => {
    const base = { name: 'p', address: '10.0.0.2', remoteAs: 65001, localAs: 65000, dynamic: false, messagesReceived: 0, messagesSent: 0, outQueue: 0, upDownSeconds: 12.7, establishedCount: 1, prefixesReceived: 4, prefixesAccepted: 3, prefixesSent: 0 };
    expect(peerPayload({ ...base, state: 'Established' }).uptimeSeconds).toBe(12);
    expect(peerPayload({ ...base, state: 'Active' }).uptimeSeconds).toBe(0);
    expect(eventPayload({ type: 'routes', at: 0, changes: [] })).toBeUndefined();
    expect(JSON.parse(eventPayload({ type: 'peer', at: 0, peer: 'p', from: 'Established', to: 'Idle' })!)).toEqual({ type: 'peer', at: '1970-01-01T00:00:00.000Z', peer: 'p', from: 'Established', to: 'Idle' });
  });

  it('URLs are logged without credentials', () => {
    expect(redactUrl('mqtts://user:secret@broker:8883')).toBe('mqtts://broker:8883');
  });
});
