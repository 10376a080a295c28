// From configuration to speaker: Loc-RIB options and the warnings the router logs at start.
import { describe, expect, it } from 'vitest';
import { ribOptions } from '../../../src/config/resolve.js';
import { parseRouterConfig } from '../../../src/config/router-config.js';
import { configWarnings } from '../../../src/config/warnings.js';
import { LocRib } from '../../../src/bgp/rib/loc-rib.js';
import { makePath } from '../../../src/bgp/rib/path.js';
import { parsePrefix } from '../../../src/lib/address.js';

describe('ribOptions', () => {
  it('carries maximum-paths, relax and best-path options into a Loc-RIB', () => {
    const cfg = parseRouterConfig('asn: 64513\nrouterId: 10.0.0.1\nmaximumPaths: 2\nmultipathRelax: true\nbestpath: { alwaysCompareMed: true }\ndefaultLocalPref: 120\n');
    expect(ribOptions(cfg)).toEqual({ maximumPaths: 2, multipathRelax: true, alwaysCompareMed: true, preferOldest: false, linkBandwidth: true, defaultLocalPref: 120 });
    const rib = new LocRib(4, ribOptions(cfg));
    const peers = [['10.0.0.2', 65001], ['10.0.0.3', 65002], ['10.0.0.4', 65003]] as const;
    const changes = rib.applyBatch(peers.map(([address, asn]) => ({
      kind: 'add' as const,
      path: makePath({ prefix: parsePrefix('172.20.1.1/32'), source: { address, asn, routerId: address, ibgp: false }, attributes: { asPath: [{ type: 2, asns: [asn] }] }, nextHop: address }, { now: () => 0 }),
    })));
    // relax lets different neighbor ASes share; maximumPaths 2 keeps two
    expect(changes[0]!.multipath.map((n) => n.address)).toEqual(['10.0.0.2', '10.0.0.3']);
  });
});

describe('configWarnings', () => {
  it('names eBGP neighbors that RFC 8212 silences, and those that accept everything', () => {
    const cfg = parseRouterConfig(`
asn: 64513
routerId: 10.0.0.1
neighbors:
  - { address: 192.168.10.10, remoteAs: 64512 }
  - { address: 192.168.10.11, remoteAs: 64512, import: all, export: none }
  - { address: 10.0.0.2, remoteAs: internal }
`);
    expect(configWarnings(cfg)).toEqual([
      { path: 'neighbors[0].import', message: 'eBGP neighbor 192.168.10.10 has no import policy: it accepts no routes (RFC 8212)' },
      { path: 'neighbors[0].export', message: 'eBGP neighbor 192.168.10.10 has no export policy: it is sent no routes (RFC 8212)' },
      { path: 'neighbors[1].import', message: 'eBGP neighbor 192.168.10.11 accepts every prefix, a default route or our own LAN included' },
    ]);
    expect(configWarnings(parseRouterConfig('asn: 64513\nrouterId: 10.0.0.1\nebgpRequiresPolicy: false\nneighbors: [{ address: 10.0.0.9, remoteAs: 1 }]\n'))).toEqual([]);
  });
});
