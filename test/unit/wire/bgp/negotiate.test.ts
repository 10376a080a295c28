/** Capability negotiation: codec contexts per direction, hold time, peer AS, families (RFC 5492, 6793, 7911, 8654, 4760). */
import { describe, expect, it } from 'vitest';
import { negotiate, peerAsOf } from '../../../../src/wire/bgp/negotiate.js';
import type { Capability, OpenMessage } from '../../../../src/wire/bgp/types.js';

function open(capabilities: Capability[], extra: Partial<OpenMessage> = {}): OpenMessage {
  return { type: 'open', version: 4, myAs: 65001, holdTime: 90, bgpId: '10.0.0.1', capabilities, ...extra };
}

describe('negotiate', () => {
  it('a bare OPEN on either side: 2-octet AS, IPv4 unicast only, no extras', () => {
    const n = negotiate(open([{ kind: 'four-octet-as', asn: 65001 }, { kind: 'multiprotocol', afi: 2, safi: 1 }]), open([], { holdTime: 30 }));
    expect(n.rx).toEqual({ fourOctetAs: false, extendedMessage: false, addPath: new Set() });
    expect(n.tx).toEqual(n.rx);
    expect(n.families).toEqual([]); // we offered IPv6 only, the peer (no MP capability) IPv4 only
    expect(n.holdTime).toBe(30);
    expect(n.routeRefresh).toBe(false);
  });

  it('both sides with everything', () => {
    const common: Capability[] = [
      { kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'multiprotocol', afi: 2, safi: 1 }, { kind: 'route-refresh' },
      { kind: 'enhanced-route-refresh' }, { kind: 'extended-message' },
    ];
    const gr: Capability = { kind: 'graceful-restart', restarting: false, notification: true, restartTime: 120, families: [] };
    const fqdn: Capability = { kind: 'fqdn', hostname: 'node1', domain: '' };
    const n = negotiate(
      open([...common, { kind: 'four-octet-as', asn: 65001 }, { kind: 'add-path', families: [{ afi: 1, safi: 1, mode: 1 }, { afi: 2, safi: 1, mode: 3 }] }], { holdTime: 9 }),
      open([...common, { kind: 'four-octet-as', asn: 4200000000 }, gr, fqdn,
        { kind: 'add-path', families: [{ afi: 1, safi: 1, mode: 2 }, { afi: 2, safi: 1, mode: 1 }] }], { myAs: 23456 }),
    );
    expect(n.peerAs).toBe(4200000000);
    expect(n.families).toEqual([4, 6]);
    expect(n.holdTime).toBe(9);
    // IPv4: we receive, they send -> path ids on receive. IPv6: we send (3), they receive (1) -> on send.
    expect(n.rx).toEqual({ fourOctetAs: true, extendedMessage: true, addPath: new Set(['1/1']) });
    expect(n.tx).toEqual({ fourOctetAs: true, extendedMessage: true, addPath: new Set(['2/1']) });
    expect(n.routeRefresh && n.enhancedRouteRefresh).toBe(true);
    expect(n.peerGracefulRestart).toEqual(gr);
    expect(n.peerFqdn).toEqual(fqdn);
  });

  it('peerAsOf: My AS when there is no 4-octet AS capability', () => {
    expect(peerAsOf(open([]))).toBe(65001);
    expect(peerAsOf(open([{ kind: 'four-octet-as', asn: 70000 }], { myAs: 23456 }))).toBe(70000);
  });
});
