/**
 * Hostile and broken peers against a router in this process (real TCP on loopback, no kernel FIB): a
 * malformed UPDATE from one peer withdraws only that peer's routes (RFC 7606 treat-as-withdraw) or resets only
 * its session, garbage on the wire gets NOTIFICATION 1/1, and none of it disturbs another peer's routes; a
 * peer that flaps a hundred times leaves the table exactly right and memory flat.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RouterDaemon } from '../../src/router/daemon.js';
import { parseRouterConfig } from '../../src/config/router-config.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/log.js';
import { ScriptedPeer } from '../helpers/scripted-peer.js';
import { waitFor } from '../helpers/netns.js';

/** vitest runs with --expose-gc (vitest.config.ts). */
function gc(): void {
  const f = (globalThis as { gc?: () => void }).gc;
  if (!f) throw new Error('global gc() missing: run vitest with --expose-gc');
  f();
}

let router: RouterDaemon;
let port: number;
const peers: ScriptedPeer[] = [];

beforeEach(async () => {
  router = new RouterDaemon(parseRouterConfig(`
asn: 64513
routerId: 10.255.0.1
maximumPaths: 8
listen: { address: 127.0.0.1, port: 0 }
neighbors:
  - { range: 127.0.0.0/8, remoteAs: 64512, import: { prefixes: ["172.20.0.0/16 le 32"] } }
  # the flapper: a configured neighbor (dynamic ones are rate-limited per source, see connection-limiter.ts)
  - { address: 127.0.0.9, remoteAs: 64512, passive: true, import: { prefixes: ["172.20.0.0/16 le 32"] } }
`), { clock: systemClock, log: silentLogger() });
  await router.start();
  port = router.speaker.boundPorts()[0]!;
});

afterEach(async () => {
  for (const p of peers.splice(0)) await p.close();
  await router.stop();
});

function peer(n: number): ScriptedPeer {
  const p = new ScriptedPeer({ host: '127.0.0.1', port, localAddress: `127.0.0.${n}`, asn: 64512, routerId: `10.0.0.${n}` });
  peers.push(p);
  return p;
}

function pathsFrom(address: string): string[] {
  return [...router.routing.ribs[4].routes()].flatMap((r) => router.routing.ribs[4].candidates(r.key))
    .filter((p) => p.source.address === address).map((p) => p.key).sort();
}

const waitPaths = (address: string, n: number) => waitFor(`${n} paths from ${address}`, () => (pathsFrom(address).length === n ? true : undefined), 10_000, 20);

/** An UPDATE whose ORIGIN has the value 7 (RFC 7606 7.1: treat-as-withdraw). */
function badOriginUpdate(prefix: string): Uint8Array {
  const [a, b, c, d] = prefix.split('/')[0]!.split('.').map(Number);
  const attrs = [0x40, 1, 1, 7, /* AS_PATH */ 0x40, 2, 6, 2, 1, 0, 0, 0xfc, 0, /* NEXT_HOP */ 0x40, 3, 4, 127, 0, 0, 2];
  const nlri = [32, a!, b!, c!, d!];
  const body = [0, 0, 0, attrs.length, ...attrs, ...nlri];
  const len = 19 + body.length;
  return Uint8Array.from([...new Array(16).fill(0xff), len >> 8, len & 0xff, 2, ...body]);
}

describe('hostile peers', () => {
  it('a malformed ORIGIN withdraws only that peer\'s route; its session and the other peer stay', async () => {
    const a = peer(2);
    const b = peer(3);
    await a.open();
    await b.open();
    a.announce(['172.20.1.1/32', '172.20.1.2/32']);
    b.announce(['172.20.1.1/32', '172.20.9.9/32']);
    await waitPaths('127.0.0.2', 2);
    await waitPaths('127.0.0.3', 2);
    a.sendBytes(badOriginUpdate('172.20.1.1/32'));
    await waitPaths('127.0.0.2', 1);
    expect(pathsFrom('127.0.0.2')).toEqual(['172.20.1.2/32']);
    expect(pathsFrom('127.0.0.3')).toEqual(['172.20.1.1/32', '172.20.9.9/32']);
    expect(a.notifications()).toEqual([]);
    expect(router.speaker.peer('127.0.0.2')?.isEstablished).toBe(true);
  });

  it('an attribute list that overruns the message resets only that session (NOTIFICATION 3/1)', async () => {
    const a = peer(2);
    const b = peer(3);
    await a.open();
    await b.open();
    a.announce(['172.20.1.1/32']);
    b.announce(['172.20.1.1/32']);
    await waitPaths('127.0.0.2', 1);
    await waitPaths('127.0.0.3', 1);
    // total path attribute length 200 in a message that has 5 bytes left
    const body = [0, 0, 0, 200, 0x40, 1, 1, 0, 0];
    a.sendBytes(Uint8Array.from([...new Array(16).fill(0xff), 0, 19 + body.length, 2, ...body]));
    await waitFor('NOTIFICATION to a', () => a.notifications()[0], 10_000, 20);
    expect(a.notifications()[0]).toMatchObject({ code: 3, subcode: 1 });
    await waitPaths('127.0.0.2', 0);
    expect(pathsFrom('127.0.0.3')).toEqual(['172.20.1.1/32']);
  });

  it('garbage instead of a message header gets NOTIFICATION 1/1 and nothing else changes', async () => {
    const a = peer(2);
    const b = peer(3);
    await a.open();
    await b.open();
    b.announce(['172.20.3.3/32']);
    await waitPaths('127.0.0.3', 1);
    a.sendBytes(new Uint8Array(40).fill(0x41));
    await waitFor('NOTIFICATION to a', () => a.notifications()[0], 10_000, 20);
    expect(a.notifications()[0]).toMatchObject({ code: 1, subcode: 1 });
    expect(pathsFrom('127.0.0.3')).toEqual(['172.20.3.3/32']);
  });

  it('a peer flapping 100 times leaves the table exact and memory flat', async () => {
    const stable = peer(3);
    await stable.open();
    stable.announce(['172.20.7.7/32']);
    const flapper = peer(9);
    const prefixes = Array.from({ length: 200 }, (_, i) => `172.20.${100 + (i >> 8)}.${i & 0xff}/32`);
    const heap: number[] = [];
    for (let i = 0; i < 100; i++) {
      await flapper.open();
      flapper.announce(prefixes);
      await waitPaths('127.0.0.9', prefixes.length);
      await flapper.close();
      await waitPaths('127.0.0.9', 0);
      if (i === 9 || i === 99) { gc(); heap.push(process.memoryUsage().heapUsed); }
    }
    expect(pathsFrom('127.0.0.3')).toEqual(['172.20.7.7/32']);
    expect(router.routing.ribs[4].size).toBe(1);
    expect(router.speaker.peers().map((p) => p.name).sort()).toEqual(['127.0.0.3', '127.0.0.9']);
    expect(heap[1]! / heap[0]!).toBeLessThan(1.5);
  });
});
