/**
 * The FRR-shaped text views (src/cli/views/bgp-*.ts) on states the FRR capture does not hold: a stale path
 * (FRR prints S in place of *), an iBGP path, a next hop too long for its column, a table with nothing in
 * it, FRR's uptime and memory formats, the peer order and the sessions' states. The capture itself is
 * compared in test/interop/frr-views.
 */
import { describe, expect, it } from 'vitest';
import type { BgpPathView, BgpSummary, PeerSummary } from '../../../src/control/views.js';
import { comparePeers } from '../../../src/control/peer-order.js';
import { renderBgpPrefix, ctime } from '../../../src/cli/views/bgp-detail.js';
import { renderBgpSummary } from '../../../src/cli/views/bgp-summary.js';
import { renderBgpTable } from '../../../src/cli/views/bgp-table.js';
import { memoryText, upDown } from '../../../src/cli/views/table.js';

const path = (over: Partial<BgpPathView>): BgpPathView => ({
  prefix: '172.20.1.1/32', peer: '192.168.10.10', nextHop: '192.168.10.10', best: false, multipath: false, stale: false, internal: false, local: false,
  origin: 'IGP', asPath: '64512', communities: [], largeCommunities: [], extendedCommunities: [], age: 5, peerRouterId: '192.168.10.10', ...over,
});
const table = (paths: BgpPathView[]) => ({ routerId: '10.0.0.1', localAs: 64513, tableVersion: 7, paths });

describe('show ip bgp', () => {
  it('a stale path prints S in place of *; iBGP gets i; LOCAL_PREF and MED in their columns', () => {
    const text = renderBgpTable(table([
      path({ stale: true, best: true, reason: 'router-id' }),
      path({ peer: '10.0.0.2', nextHop: '10.0.0.2', internal: true, multipath: true, localPref: 200, med: 5, asPath: '' }),
    ]));
    expect(text.split('\n').slice(8, 11)).toEqual([
      '   Network          Next Hop            Metric LocPrf Weight Path',
      'S> 172.20.1.1/32    192.168.10.10                          0 64512 i',
      '*=i                 10.0.0.2                 5    200      0 i',
    ]);
    expect(text).toContain('BGP table version is 7, local router ID is 10.0.0.1, vrf id 0');
  });

  it('a next hop of 16 characters or more moves the columns to a line of their own; an empty table says so', () => {
    const text = renderBgpTable(table([path({ prefix: '2001:db8::1/128', nextHop: 'fd00:1234:5678::10', best: true })]));
    // FRR: next hop, then a new line and 36 spaces, then Metric (10), LocPrf (7), Weight (7)
    expect(text).toContain(`*> 2001:db8::1/128  fd00:1234:5678::10\n${' '.repeat(36 + 10 + 7)}      0 64512 i\n`);
    expect(renderBgpTable(table([]))).toBe('No BGP prefixes displayed, 0 exist\n');
  });

  it('the detail of a stale, communities-carrying path', () => {
    const text = renderBgpPrefix({ ...table([path({ stale: true, best: true, reason: 'only-candidate', communities: ['64512:100'], extendedCommunities: ['LB:64512:125000 (1.000 Mbps)'] })]),
      entries: [{ prefix: '172.20.1.1/32', version: 3, advertisedTo: ['10.0.0.2', '10.0.0.3'] }] }, '172.20.1.1/32', 1_000_000);
    expect(text.split('\n')).toEqual([
      'BGP routing table entry for 172.20.1.1/32, version 3',
      'Paths: (1 available, best #1, table default)',
      '  Advertised to non peer-group peers:',
      '  10.0.0.2 10.0.0.3',
      '  64512, (stale)',
      '    192.168.10.10 from 192.168.10.10 (192.168.10.10)',
      '      Origin IGP, valid, external, best (First path received)',
      '      Community: 64512:100',
      '      Extended Community: LB:64512:125000 (1.000 Mbps)',
      `      Last update: ${ctime(1_000_000 - 5000)}`,
      '',
    ]);
    expect(renderBgpPrefix(table([]), '10.9.9.9/32')).toBe('% Network not in table\n');
  });
});

describe('show bgp summary', () => {
  const peer = (over: Partial<PeerSummary>): PeerSummary => ({
    name: '10.0.0.2', address: '10.0.0.2', remoteAs: 65001, localAs: 64513, state: 'Established', dynamic: false, messagesReceived: 5, messagesSent: 4,
    outQueue: 0, upDownSeconds: 90, establishedCount: 1, prefixesReceived: 3, prefixesAccepted: 2, prefixesSent: 1, families: ['ipv4'], ...over,
  });
  const summary = (peers: PeerSummary[]): BgpSummary => ({ routerId: '10.0.0.1', localAs: 64513, ribEntries: 2, families: { ipv4: { tableVersion: 9, ribEntries: 2 }, ipv6: { tableVersion: 0, ribEntries: 0 } }, peers });

  it('one section per family, FRR\'s columns; never, the FSM state and a session that went down', () => {
    const text = renderBgpSummary(summary([
      peer({}), peer({ address: '10.0.0.3', state: 'Connect', establishedCount: 0 }),
      peer({ address: '10.0.0.4', state: 'Idle', establishedCount: 2, upDownSeconds: 3 * 86400 + 3600 }),
      peer({ address: 'fd00::2', families: ['ipv6'], upDownSeconds: 10 * 86400 }),
    ]));
    expect(text).toContain('\nIPv4 Unicast Summary (VRF default):\nBGP router identifier 10.0.0.1, local AS number 64513 vrf-id 0\nBGP table version 9\n');
    expect(text).toContain('10.0.0.2        4      65001         5         4        9    0    0 00:01:30            2        1 N/A\n');
    expect(text).toContain('10.0.0.3        4      65001         5         4        0    0    0    never      Connect        0 N/A\n');
    expect(text).toContain('10.0.0.4        4      65001         5         4        0    0    0 3d01h00m         Idle        0 N/A\n');
    expect(text).toContain('IPv6 Unicast Summary (VRF default):');
    expect(text).toContain('fd00::2         4      65001         5         4        0    0    0 01w3d00h            2        1 N/A\n');
  });

  it('peer order: group members first, then by address; IPv4 before IPv6', () => {
    const order = [{ address: '10.0.0.9' }, { address: 'fd00::1', group: 'a' }, { address: '10.0.0.10', group: 'a' }, { address: '10.0.0.2' }, { address: '9.0.0.1', group: 'b' }]
      .sort(comparePeers).map((p) => p.address);
    expect(order).toEqual(['10.0.0.10', 'fd00::1', '9.0.0.1', '10.0.0.2', '10.0.0.9']);
  });
});

describe('FRR formats', () => {
  it('uptime and memory', () => {
    expect([0, 59, 3661, 86400 + 60, 8 * 86400 + 7200, 400 * 86400].map(upDown)).toEqual(['00:00:00', '00:00:59', '01:01:01', '1d00h01m', '01w1d02h', '01y05w0d']);
    expect([0, 1, 1728, 10 * 1024, 11 * 1024, 11 * 1024 + 512, 3620 * 1024, 11 * 2 ** 20 + 2 ** 19].map(memoryText))
      .toEqual(['0 bytes', '1 byte', '1728 bytes', '10240 bytes', '11 KiB', '12 KiB', '3620 KiB', '12 MiB']);
  });
});
