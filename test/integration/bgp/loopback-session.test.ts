/**
 * Two vipgate speakers in one process, on loopback addresses (127.0.0.1 and 127.0.0.2), with real TCP:
 * session establishment, collision resolution when both sides connect, route exchange with attributes,
 * withdrawal, End-of-RIB, administrative shutdown with a message, and restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Speaker, type SpeakerHandlers } from '../../../src/bgp/speaker.js';
import { Peer, type PeerOptions } from '../../../src/bgp/peer.js';
import type { ExportRoute } from '../../../src/bgp/export.js';
import type { RibInChange } from '../../../src/bgp/adj-rib-in.js';
import { describeDown } from '../../../src/bgp/session-down.js';
import { systemClock } from '../../../src/lib/clock.js';
import { parsePrefix } from '../../../src/lib/address.js';
import { toHex } from '../../../src/lib/bytes.js';
import { linkBandwidth } from '../../../src/wire/bgp/communities.js';
import { waitFor } from '../../helpers/netns.js';

interface Side {
  speaker: Speaker;
  table: ExportRoute[];
  events: string[];
  changes: RibInChange[];
  eor: number[];
}

const sides: Side[] = [];
afterEach(async () => { for (const s of sides.splice(0)) await s.speaker.close('test over'); });

function makeSide(): Side {
  const side: Side = { speaker: undefined as unknown as Speaker, table: [], events: [], changes: [], eor: [] };
  const handlers: SpeakerHandlers = {
    state: (_p, from, to) => side.events.push(`${from}->${to}`),
    established: () => side.events.push('established'),
    down: (_p, cause) => side.events.push(`down: ${describeDown(cause)}`),
    routes: (_p, changes) => side.changes.push(...changes),
    endOfRib: (_p, family) => side.eor.push(family),
    updateErrors: () => undefined,
    exportTable: () => side.table,
    refused: () => undefined,
    peerAdded: () => undefined,
    peerRemoved: () => undefined,
  };
  side.speaker = new Speaker(systemClock, handlers);
  sides.push(side);
  return side;
}

function options(localAs: number, routerId: string, address: string, port: number, localAddress: string, remoteAs: number, passive = false): PeerOptions {
  const families = [4, 6] as const;
  return {
    name: address, address, port, localAddress, ipv6NextHop: () => (localAddress === '127.0.0.1' ? 'fd00::1' : 'fd00::2'), families, nextHopSelf: false,
    fsm: {
      localAs, routerId, remoteAs, holdTime: 9, connectRetryTime: 1, passive, autoRestart: true, idleHoldTime: 0.2, idleHoldMax: 2,
      capabilities: Peer.capabilities({ name: address, address, port, families, nextHopSelf: false, localAs }),
    },
  };
}

async function pair(passiveB = false): Promise<{ a: Side; b: Side; pa: Peer; pb: Peer }> {
  const a = makeSide();
  const b = makeSide();
  await a.speaker.listen([{ address: '127.0.0.1', port: 0 }]);
  await b.speaker.listen([{ address: '127.0.0.2', port: 0 }]);
  const [portA] = a.speaker.boundPorts();
  const [portB] = b.speaker.boundPorts();
  const pa = a.speaker.addPeer(options(64513, '192.168.10.254', '127.0.0.2', portB!, '127.0.0.1', 64512));
  const pb = b.speaker.addPeer(options(64512, '192.168.10.10', '127.0.0.1', portA!, '127.0.0.2', 64513, passiveB));
  return { a, b, pa, pb };
}

const established = (...peers: Peer[]) => waitFor('sessions established', () => peers.every((p) => p.isEstablished) || undefined, 15_000);

describe('two vipgate speakers over loopback TCP', () => {
  it('establish even when both connect at once (RFC 4271 6.8 collision), and exchange routes with attributes', async () => {
    const { a, b, pa, pb } = await pair();
    b.table.push({
      key: '172.20.1.1/32', prefix: parsePrefix('172.20.1.1/32'), nextHop: '127.0.0.2',
      attributes: { origin: 0, communities: [0xfc00_0001], largeCommunities: [[64512, 1, 2]], extendedCommunities: [linkBandwidth(64512, 125_000_000)] },
    }, {
      key: 'fd00:20::1/128', prefix: parsePrefix('fd00:20::1/128'), nextHop: '::1', attributes: { origin: 0 },
    });
    pa.start();
    pb.start();
    try { await established(pa, pb); } catch (e) { throw new Error(`${String(e)} A=${JSON.stringify(a.events)} B=${JSON.stringify(b.events)} ${pa.state} ${pb.state}`); }
    await waitFor('route received', () => pa.ribIn.get('172.20.1.1/32'));
    const got = pa.ribIn.get('172.20.1.1/32')!;
    expect(got.attributes.asPath).toEqual([{ type: 2, asns: [64512] }]);
    expect(got.attributes.communities).toEqual([0xfc00_0001]);
    expect(got.attributes.largeCommunities).toEqual([[64512, 1, 2]]);
    expect(got.attributes.extendedCommunities!.map((e) => [e.type, e.subtype, toHex(e.value)])).toEqual([[0x40, 0x04, toHex(linkBandwidth(64512, 125_000_000).value)]]);
    expect(got.nextHop).toBe('127.0.0.2');
    const v6 = await waitFor('IPv6 route received', () => pa.ribIn.get('fd00:20::1/128'));
    expect(v6.nextHop).toBe('fd00::2');
    await waitFor('End-of-RIB for IPv4', () => a.eor.includes(4) || undefined);
    // exactly one session survives the collision
    expect(a.speaker.peers().length).toBe(1);
  });

  it('withdraws, shuts down with a message, and comes back after start()', async () => {
    const { a, b, pa, pb } = await pair(true);
    const route: ExportRoute = { key: '172.20.1.7/32', prefix: parsePrefix('172.20.1.7/32'), nextHop: '127.0.0.2', attributes: { origin: 0 } };
    pa.start();
    pb.start();
    await established(pa, pb);
    pb.offer(route);
    await waitFor('route received', () => pa.ribIn.get('172.20.1.7/32'));
    pb.retract(route.key, route.prefix);
    await waitFor('route withdrawn', () => (pa.ribIn.get('172.20.1.7/32') ? undefined : true));
    expect(a.changes.map((c) => [c.key, c.entry === undefined])).toEqual([['172.20.1.7/32', false], ['172.20.1.7/32', true]]);

    pb.stop('node drain');
    await waitFor('a sees the shutdown', () => a.events.find((e) => e.startsWith('down:')));
    expect(a.events.find((e) => e.startsWith('down:'))).toBe('down: received NOTIFICATION: Cease (6/2): node drain');
    pb.start();
    await established(pa, pb);
    expect(b.events.filter((e) => e === 'established').length).toBe(2);
  });
});
