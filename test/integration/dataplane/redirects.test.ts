/**
 * ICMP redirects from a one-armed router, in namespaces of the test's own (client, router and node on one
 * bridge; the router forwards the client's packets to a Service IP out of the interface they came in on):
 * without the router's nft table the client gets IPv6 Redirects (RFC 4861 section 8.2; no sysctl stops them,
 * and Linux sends them only for a link-local target, so the node is the route's link-local next hop); with
 * the table (src/router/nft-table.ts) the router's output rule drops them and counts them, and the client
 * gets none. (IPv4 redirects are the sysctls' job: test/unit/firmware/sysctl.test.ts, the lab's one-arm.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RouterNftTable } from '../../../src/router/nft-table.js';
import { Netlab } from '../../helpers/netns.js';

const SEND = `const s = require('node:dgram').createSocket('udp6'); let n = 0;
const next = () => { if (n++ === 3) { s.close(); return; } s.send('x', 9, 'fd99::1', () => setTimeout(next, 200)); }; next();`;

/** One counter of /proc/net/snmp6 in `ns`. */
function snmp6(lab: Netlab, ns: string, name: string): number {
  const line = lab.exec(ns, 'cat', ['/proc/net/snmp6']).split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}\t`));
  return Number(line?.trim().split(/\s+/)[1] ?? NaN);
}

describe('ICMP redirects on a one-armed router', () => {
  const lab = new Netlab();
  let client: string; let router: string; let node: string; let routerIf: string;
  beforeAll(() => {
    const seg = lab.segment('seg');
    [client, router, node] = [lab.ns('pc'), lab.ns('rtr'), lab.ns('node')];
    seg.attach(client, ['fd00:10::100/64'], 'pc');
    routerIf = seg.attach(router, ['fd00:10::1/64', 'fe80::1/64'], 'rt');
    seg.attach(node, ['fd00:10::2/64', 'fe80::2/64'], 'nd');
    lab.exec(router, 'sysctl', ['-qw', 'net.ipv6.conf.all.forwarding=1']);
    lab.exec(node, 'ip', ['addr', 'add', 'fd99::1/128', 'dev', 'lo']);
    lab.exec(router, 'ip', ['route', 'add', 'fd99::1/128', 'via', 'fe80::2', 'dev', routerIf]);
    lab.exec(client, 'ip', ['route', 'add', 'fd99::/64', 'via', 'fd00:10::1']);
  });
  afterAll(() => lab.cleanup());

  /** Three UDP datagrams from the client to the Service address, 200 ms apart; Redirects taken and sent since. */
  function pingRedirects(): { taken: number; sent: number } {
    const [t0, s0] = [snmp6(lab, client, 'Icmp6InRedirects'), snmp6(lab, router, 'Icmp6OutRedirects')];
    lab.exec(client, process.execPath, ['-e', SEND]);
    return { taken: snmp6(lab, client, 'Icmp6InRedirects') - t0, sent: snmp6(lab, router, 'Icmp6OutRedirects') - s0 };
  }

  it('IPv6: Redirects reach the client without the table, none with it (counted as dropped)', async () => {
    expect(pingRedirects().taken).toBeGreaterThan(0);
    // the client caches the redirect: flush it before the second round
    lab.exec(client, 'ip', ['-6', 'route', 'flush', 'cache']);
    const table = new RouterNftTable({ netns: router });
    await table.apply();
    const before = await table.redirectsDropped();
    const r = pingRedirects();
    expect(r).toEqual({ taken: 0, sent: 0 });
    expect(await table.redirectsDropped()).toBeGreaterThan(before);
  });

});
