/**
 * BFD over real UDP sockets on loopback (RFC 5881): the native socket reports the received TTL, packets sent
 * with TTL 255 are accepted and packets with any other TTL are dropped (section 5), the source port lies in
 * 49152-65535 (section 4), and two managers bring a session Up and detect its loss. Loopback only; the two
 * managers listen on two free high ports instead of 3784 so that the test never collides with anything.
 */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/lib/clock.js';
import { BfdManager } from '../../../src/bfd/manager.js';
import { UdpTransport } from '../../../src/bfd/transport.js';
import { BfdSocket } from '../../../src/native/bfd-socket.js';
import { encodeBfdControl } from '../../../src/wire/bfd/control.js';
import { waitFor } from '../../helpers/netns.js';
import { freePorts } from './loopback.js';

const cleanups: (() => void)[] = [];
afterEach(() => { for (const c of cleanups.splice(0)) c(); });

describe('BfdSocket', () => {
  it('reports the TTL a datagram arrived with, its source address and port', async () => {
    const rx = BfdSocket.open({ address: '127.0.0.1', port: 0 });
    cleanups.push(() => rx.close());
    const got: { ttl: number; address: string; port: number; text: string }[] = [];
    rx.onDatagram = (d) => got.push({ ttl: d.ttl, address: d.address, port: d.port, text: Buffer.from(d.bytes).toString() });
    const tx = BfdSocket.open({ address: '127.0.0.1', port: 0 });
    cleanups.push(() => tx.close());
    tx.send(Buffer.from('ttl255'), '127.0.0.1', rx.port);
    const node = createSocket('udp4');
    cleanups.push(() => node.close());
    await new Promise<void>((r) => node.bind(0, '127.0.0.1', () => r()));
    node.setTTL(17);
    node.send('ttl17', rx.port, '127.0.0.1');
    await waitFor('two datagrams', () => (got.length >= 2 ? true : undefined), 5000, 20);
    expect(got.sort((x, y) => x.text.localeCompare(y.text))).toEqual([
      { ttl: 17, address: '127.0.0.1', port: node.address().port, text: 'ttl17' },
      { ttl: 255, address: '127.0.0.1', port: tx.port, text: 'ttl255' },
    ]);
  });

  it('reports the IPv6 hop limit', async () => {
    const rx = BfdSocket.open({ address: '::1', port: 0 });
    cleanups.push(() => rx.close());
    const ttls: number[] = [];
    rx.onDatagram = (d) => ttls.push(d.ttl);
    const tx = BfdSocket.open({ address: '::1', port: 0 });
    cleanups.push(() => tx.close());
    tx.send(Uint8Array.of(1), '::1', rx.port);
    await waitFor('a datagram', () => (ttls.length ? true : undefined), 5000, 20);
    expect(ttls).toEqual([255]);
  });

  it('errors carry the errno name', () => {
    const a = BfdSocket.open({ address: '127.0.0.1', port: 0 });
    cleanups.push(() => a.close());
    expect(() => BfdSocket.open({ address: '127.0.0.1', port: a.port })).not.toThrow(); // SO_REUSEADDR on UDP allows it
    expect(() => BfdSocket.open({ address: '192.0.2.123', port: 0 })).toThrow(expect.objectContaining({ code: 'EADDRNOTAVAIL' }));
  });
});

describe('BFD between two managers on loopback', () => {
  function start(listenPort: number, peerPort: number, minMs: number, loopback = '127.0.0.1') {
    const log = { up: 0, down: [] as number[], dropped: [] as string[] };
    let manager: BfdManager | undefined;
    const family = loopback.includes(':') ? 6 : 4;
    const transport = UdpTransport.open({ listen: [loopback], families: [family], listenPort, port: peerPort }, (b, ttl, from) => manager!.receive(b, ttl, from));
    manager = new BfdManager(systemClock, transport, { up: () => log.up++, down: (_p, d) => log.down.push(d), dropped: (_p, r) => log.dropped.push(r) });
    manager.add({ address: loopback, minTxMs: minMs, minRxMs: minMs, multiplier: 3 });
    let closed = false;
    const stop = () => { if (closed) return; closed = true; transport.close(); };
    cleanups.push(stop);
    return { manager, transport, log, stop };
  }

  it('comes Up, sends from a port in 49152-65535, and goes Down with diag 1 when the other side dies', async () => {
    const [pa, pb] = freePorts();
    const a = start(pa, pb, 50);
    const b = start(pb, pa, 50);
    expect(a.transport.sourcePort(4)).toBeGreaterThanOrEqual(49152);
    expect(a.transport.sourcePort(4)).toBeLessThanOrEqual(65535);
    await waitFor('both sessions Up', () => (a.log.up && b.log.up ? true : undefined), 10_000, 50);
    await waitFor('fast timers', () => (a.manager.views()[0]!.detectionTimeMs === 150 ? true : undefined), 5000, 50);
    b.stop(); // silence, not AdminDown: a failure
    await waitFor('a Down', () => (a.log.down.length ? true : undefined), 5000, 20);
    expect(a.log.down).toEqual([1]);
    expect(a.log.dropped).toEqual([]);
  });

  it('runs over IPv6 (hop limit 255) as well', async () => {
    const [pa, pb] = freePorts();
    const a = start(pa, pb, 50, '::1');
    const b = start(pb, pa, 50, '::1');
    expect(a.transport.sourcePort(6)).toBeGreaterThanOrEqual(49152);
    await waitFor('both sessions Up over IPv6', () => (a.log.up && b.log.up ? true : undefined), 10_000, 50);
    expect(a.manager.views()[0]).toMatchObject({ peer: '::1', state: 'Up' });
    expect([...a.log.dropped, ...b.log.dropped]).toEqual([]);
  });

  it('drops a well-formed packet sent with TTL 64, and accepts it with TTL 255', async () => {
    const [pa] = freePorts();
    const a = start(pa, 9, 1000);
    const node = createSocket('udp4');
    cleanups.push(() => node.close());
    await new Promise<void>((r) => node.bind(0, '127.0.0.1', () => r()));
    const packet = encodeBfdControl({
      diag: 0, state: 'Down', poll: false, final: false, controlPlaneIndependent: false, demand: false, detectMult: 3,
      myDiscriminator: 77, yourDiscriminator: 0, desiredMinTxUs: 1e6, requiredMinRxUs: 1e6, requiredMinEchoRxUs: 0,
    });
    node.setTTL(64);
    node.send(packet, pa, '127.0.0.1');
    await waitFor('the drop', () => (a.log.dropped.length ? true : undefined), 5000, 20);
    expect(a.log.dropped).toEqual(['TTL 64 is not 255']);
    expect(a.manager.state('127.0.0.1')).toBe('Down');
    node.setTTL(255);
    node.send(packet, pa, '127.0.0.1');
    await waitFor('Init', () => (a.manager.state('127.0.0.1') === 'Init' ? true : undefined), 5000, 20);
    expect(a.manager.views()[0]!.remoteDiscriminator).toBe(77);
  });
});
