/**
 * The measured split end to end without a kernel: the nft scripts the router writes (the prefix sets per
 * family, flushed and refilled in one batch), the counters read back from `nft -j list set` (libnftables'
 * JSON as nft 1.0.6 prints it), their folding onto the installed routes (host routes by address, an
 * aggregate for what falls in it, the most specific first), and how `show routes` and MQTT show them.
 */
import { describe, expect, it } from 'vitest';
import { prefixSetsScript, splitCounters } from '../../../src/router/nft-table.js';
import { withMeasuredSplit } from '../../../src/router/traffic-split.js';
import { renderRoutes } from '../../../src/cli/views/routes.js';
import { splitPayload } from '../../../src/telemetry/topics.js';
import type { KernelRouteView } from '../../../src/control/views.js';

const route = (prefix: string, hops: [string, number][]): KernelRouteView => ({
  prefix, table: 254, metric: 20, protocol: 'vipgate', nexthopGroup: 7, nexthops: hops.map(([gateway, weight]) => ({ gateway, weight })),
});

describe('the router\'s prefix sets', () => {
  it('one batch: both sets flushed, each family\'s prefixes added once, sorted', () => {
    expect(prefixSetsScript(['172.20.1.2/32', 'fd00:20::1/128', '172.20.1.1/32', '172.20.1.2/32'])).toBe([
      'flush set inet vipgate-router vips4',
      'add element inet vipgate-router vips4 { 172.20.1.1/32, 172.20.1.2/32 }',
      'flush set inet vipgate-router vips6',
      'add element inet vipgate-router vips6 { fd00:20::1/128 }',
      '',
    ].join('\n'));
    expect(prefixSetsScript([])).toBe('flush set inet vipgate-router vips4\nflush set inet vipgate-router vips6\n');
    // wide routes (a default learned upstream) are not counted: their destinations would fill the split sets
    expect(prefixSetsScript(['0.0.0.0/0', '10.0.0.0/8', '172.20.1.0/24', '::/0', '2001:db8::/32', 'fd00:20::/64'])).toBe([
      'flush set inet vipgate-router vips4',
      'add element inet vipgate-router vips4 { 172.20.1.0/24 }',
      'flush set inet vipgate-router vips6',
      'add element inet vipgate-router vips6 { fd00:20::/64 }',
      '',
    ].join('\n'));
  });

  it('reads the counters of nft -j list set', () => {
    const listed = JSON.parse('[{"set": {"family": "inet", "name": "split4", "table": "vipgate-router", "type": ["ipv4_addr", "ipv4_addr"], "handle": 3, "size": 65536, "elem": [{"elem": {"val": {"concat": ["172.20.1.1", "10.9.0.2"]}, "counter": {"packets": 2, "bytes": 60}}}], "stmt": [{"counter": null}]}}, {"set": {"family": "inet", "name": "split6", "table": "vipgate-router", "type": ["ipv6_addr", "ipv6_addr"], "handle": 4, "size": 65536}}]') as Record<string, Record<string, unknown>>[];
    expect(splitCounters(listed)).toEqual([{ destination: '172.20.1.1', nexthop: '10.9.0.2', packets: 2, bytes: 60 }]);
  });
});

describe('withMeasuredSplit', () => {
  const routes = [route('172.20.1.1/32', [['10.0.0.1', 2], ['10.0.0.2', 1]]), route('172.20.0.0/16', [['10.0.0.3', 1]]), route('172.20.2.0/24', [['10.0.0.4', 1]])];

  it('adds each counter to the most specific route holding its destination, per next hop', () => {
    const out = withMeasuredSplit(routes, [
      { destination: '172.20.1.1', nexthop: '10.0.0.1', packets: 60, bytes: 6000 },
      { destination: '172.20.1.1', nexthop: '10.0.0.2', packets: 40, bytes: 4000 },
      { destination: '172.20.9.9', nexthop: '10.0.0.3', packets: 5, bytes: 500 },
      { destination: '172.20.2.7', nexthop: '10.0.0.4', packets: 3, bytes: 300 },
      { destination: '172.20.2.8', nexthop: '10.0.0.4', packets: 4, bytes: 400 },
      // a next hop the route no longer has, and a destination no route holds: left out
      { destination: '172.20.1.1', nexthop: '10.0.0.9', packets: 7, bytes: 700 },
      { destination: '192.0.2.1', nexthop: '10.0.0.1', packets: 9, bytes: 900 },
    ]);
    expect(out.map((r) => r.nexthops.map((h) => [h.gateway, h.packets, h.bytes]))).toEqual([
      [['10.0.0.1', 60, 6000], ['10.0.0.2', 40, 4000]],
      [['10.0.0.3', 5, 500]],
      [['10.0.0.4', 7, 700]],
    ]);
  });

  it('a next hop nothing went through counts 0', () => {
    expect(withMeasuredSplit(routes, [])[0]!.nexthops.map((h) => h.packets)).toEqual([0, 0]);
  });

  it('show routes puts the intended share beside the measured one; MQTT carries the counters', () => {
    const [r] = withMeasuredSplit(routes.slice(0, 1), [
      { destination: '172.20.1.1', nexthop: '10.0.0.1', packets: 60, bytes: 6000 },
      { destination: '172.20.1.1', nexthop: '10.0.0.2', packets: 40, bytes: 4000 },
    ]);
    expect(renderRoutes([r!])).toBe('172.20.1.1/32 nhid 7 proto vipgate metric 20\n'
      + '\tnexthop via 10.0.0.1 weight 2  share 67%, measured 60% of 100 packets\n'
      + '\tnexthop via 10.0.0.2 weight 1  share 33%, measured 40% of 100 packets\n');
    expect(JSON.parse(splitPayload(r!)!)).toEqual({ prefix: '172.20.1.1/32', nexthops: [
      { gateway: '10.0.0.1', weight: 2, packets: 60, bytes: 6000 }, { gateway: '10.0.0.2', weight: 1, packets: 40, bytes: 4000 },
    ] });
    // not measured (no table): no share column, no split message
    expect(renderRoutes(routes.slice(0, 1))).toBe('172.20.1.1/32 nhid 7 proto vipgate metric 20\n\tnexthop via 10.0.0.1 weight 2\n\tnexthop via 10.0.0.2 weight 1\n');
    expect(splitPayload(routes[0]!)).toBeUndefined();
  });
});
