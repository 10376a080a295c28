/** UpdateSender without TCP: bounded batches, back-pressure (nothing written while the socket is full), End-of-RIB last. */
import { describe, expect, it } from 'vitest';
import { Connection } from '../../../src/bgp/connection.js';
import { UpdateSender } from '../../../src/bgp/update-sender.js';
import { endOfRibFamily } from '../../../src/wire/bgp/update.js';
import { formatPrefix, type Prefix } from '../../../src/lib/address.js';
import { FakeSocket } from '../../helpers/fake-socket.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const host = (i: number): Prefix => ({ family: 4, addr: Uint8Array.of(10, 1, i >> 8, i & 0xff), len: 32 });

function setup() {
  const socket = new FakeSocket('192.0.2.2', '192.0.2.1');
  const conn = new Connection(socket, 'out', { onMessage: () => undefined, onError: () => undefined, onClose: () => undefined });
  let up = true;
  let updates = 0;
  const sender = new UpdateSender({ established: () => (up ? conn : undefined), updateSent: () => { updates++; } });
  const announce = (n: number, nextHop = '192.0.2.1') => {
    for (let i = 0; i < n; i++) {
      const prefix = host(i);
      // a distinct MED per route: one UPDATE each, so batches are visible
      sender.ribOut.announce({ key: formatPrefix(prefix), prefix, attributes: { origin: 0, asPath: [], med: i }, nextHop });
    }
  };
  return { socket, sender, announce, down: () => { up = false; }, updates: () => updates };
}

describe('UpdateSender', () => {
  it('sends the table, then End-of-RIB for each family of the session', async () => {
    const t = setup();
    t.sender.reset([4]);
    t.announce(3);
    t.sender.schedule();
    expect(t.socket.written).toHaveLength(0); // deferred to the next turn
    await tick();
    const sent = t.socket.sent();
    expect(sent).toHaveLength(4);
    expect(t.updates()).toBe(3);
    const last = sent.at(-1)!;
    expect(last.type === 'update' && endOfRibFamily(last)).toMatchObject({ afi: 1, safi: 1 });
  });

  it('writes nothing while the socket is full, and goes on when it drains', async () => {
    const t = setup();
    t.sender.reset([4]);
    t.socket.writableNeedDrain = true;
    t.announce(5);
    t.sender.schedule();
    await tick();
    await tick();
    expect(t.socket.written).toHaveLength(0);
    expect(t.sender.ribOut.pendingCount).toBe(5);
    t.socket.drain();
    await tick();
    expect(t.socket.sent().map((m) => m.type)).toEqual(['update', 'update', 'update', 'update', 'update', 'update']);
    expect(t.sender.ribOut.pendingCount).toBe(0);
  });

  it('sends nothing once the session is down', async () => {
    const t = setup();
    t.sender.reset([4]);
    t.announce(2);
    t.down();
    t.sender.schedule();
    await tick();
    expect(t.socket.written).toHaveLength(0);
  });
});
