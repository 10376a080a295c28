/** The attributes of a configured network (router/daemon.ts networkAttributes): link bandwidth through the wire codec. */
import { describe, expect, it } from 'vitest';
import { networkAttributes } from '../../../src/router/daemon.js';
import type { NetworkConfig } from '../../../src/config/resolve.js';
import { parseLinkBandwidth } from '../../../src/wire/bgp/communities.js';
import { AS_TRANS } from '../../../src/wire/bgp/types.js';

const net = (linkBandwidth?: NetworkConfig['linkBandwidth']): NetworkConfig =>
  ({ prefix: '192.0.2.0/24', communities: [], largeCommunities: [], med: undefined, linkBandwidth });

describe('networkAttributes', () => {
  it('ORIGIN IGP, empty AS_PATH, no extended community without linkBandwidth', () => {
    expect(networkAttributes(net(), 64512)).toEqual({ origin: 0, asPath: [] });
  });

  it('link bandwidth in bytes per second, non-transitive (0x40) unless transitive (0x00), AS_TRANS for a 4-octet AS', () => {
    const [lb] = networkAttributes(net({ mbps: 1000, transitive: false }), 64512).extendedCommunities!;
    expect(lb!.type).toBe(0x40);
    expect(parseLinkBandwidth(lb!)).toEqual({ asn: 64512, bytesPerSecond: 125_000_000, transitive: false });
    const [t] = networkAttributes(net({ mbps: 8, transitive: true }), 4_200_000_000).extendedCommunities!;
    expect(t!.type).toBe(0x00);
    expect(parseLinkBandwidth(t!)).toEqual({ asn: AS_TRANS, bytesPerSecond: 1_000_000, transitive: true });
  });
});
