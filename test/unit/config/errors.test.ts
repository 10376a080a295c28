// Configuration errors: each one names its field path and reason, and all of them come in one ConfigError.
import { describe, expect, it } from 'vitest';
import { ConfigError, type ConfigIssue } from '../../../src/config/error.js';
import { parseRouterConfig } from '../../../src/config/router-config.js';

const HEAD = 'asn: 64513\nrouterId: 192.168.10.254\n';

function issues(yaml: string): ConfigIssue[] {
  try {
    parseRouterConfig(yaml);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.issues];
    throw e;
  }
  throw new Error('the configuration was accepted');
}

// [what, yaml, path, message pattern]
const cases: [string, string, string, RegExp][] = [
  ['missing asn', 'routerId: 1.1.1.1\n', 'asn', /^required$/],
  ['asn out of range', 'asn: 4294967296\nrouterId: 1.1.1.1\n', 'asn', /must be an AS number 1\.\.4294967295/],
  ['AS_TRANS as our AS', 'asn: 23456\nrouterId: 1.1.1.1\n', 'asn', /AS_TRANS/],
  ['routerId not IPv4', 'asn: 1\nrouterId: "2001:db8::1"\n', 'routerId', /IPv4/],
  ['routerId malformed', 'asn: 1\nrouterId: 1.2.3\n', 'routerId', /not an IP address/],
  ['routerId zero', 'asn: 1\nrouterId: 0.0.0.0\n', 'routerId', /RFC 6286/],
  ['unknown top-level field', `${HEAD}maximumPath: 4\n`, 'maximumPath', /unknown field/],
  ['maximumPaths above 64', `${HEAD}maximumPaths: 65\n`, 'maximumPaths', /64/],
  ['network with host bits', `${HEAD}networks: [10.1.1.1/24]\n`, 'networks[0].prefix', /host bits are set \(did you mean 10\.1\.1\.0\/24\?\)/],
  ['aggregate not a prefix', `${HEAD}aggregates: [{ prefix: 172.20.1.0/33 }]\n`, 'aggregates[0].prefix', /longer than 32/],
  ['neighbor address invalid', `${HEAD}neighbors: [{ address: 192.168.10.300, remoteAs: 1 }]\n`, 'neighbors[0].address', /not an IP address/],
  ['neighbor without remoteAs', `${HEAD}neighbors: [{ address: 192.168.10.10 }]\n`, 'neighbors[0].remoteAs', /^required$/],
  ['remoteAs a bad word', `${HEAD}neighbors: [{ address: 192.168.10.10, remoteAs: outside }]\n`, 'neighbors[0].remoteAs', /"external" or "internal"/],
  ['holdTime 1', `${HEAD}neighbors: [{ address: 192.168.10.10, remoteAs: 1, holdTime: 2 }]\n`, 'neighbors[0].holdTime', /0 or at least 3/],
  ['keepalive not below holdTime', `${HEAD}neighbors: [{ address: 192.168.10.10, remoteAs: 1, holdTime: 9, keepalive: 9 }]\n`, 'neighbors[0].keepalive', /less than holdTime \(9\)/],
  ['keepalive against the group holdTime', `${HEAD}groups: { g: { remoteAs: 1, holdTime: 6 } }\nneighbors: [{ address: 192.168.10.10, group: g, keepalive: 7 }]\n`, 'neighbors[0].keepalive', /less than holdTime \(6\)/],
  ['GTSM with multihop', `${HEAD}neighbors: [{ address: 192.168.10.10, remoteAs: 1, ttlSecurity: 1, ebgpMultihop: 2 }]\n`, 'neighbors[0].ttlSecurity', /exclude each other/],
  ['password too long', `${HEAD}neighbors: [{ address: 192.168.10.10, remoteAs: 1, password: "${'x'.repeat(81)}" }]\n`, 'neighbors[0].password', /80/],
  ['bfd interval too small', `${HEAD}neighbors: [{ address: 192.168.10.10, remoteAs: 1, bfd: { minRx: 1 } }]\n`, 'neighbors[0].bfd.minRx', /10/],
  ['unknown neighbor field', `${HEAD}neighbors: [{ address: 192.168.10.10, remoteAs: 1, nexthopself: true }]\n`, 'neighbors[0].nexthopself', /unknown field/],
  ['address and range', `${HEAD}neighbors: [{ address: 192.168.10.10, range: 192.168.10.0/24, remoteAs: 1 }]\n`, 'neighbors[0]', /exactly one of address .* or range/],
  ['neither address nor range', `${HEAD}neighbors: [{ remoteAs: 1 }]\n`, 'neighbors[0]', /exactly one of address/],
  ['range with host bits', `${HEAD}neighbors: [{ range: 192.168.10.1/24, remoteAs: 1 }]\n`, 'neighbors[0].range', /host bits/],
  ['range not passive', `${HEAD}neighbors: [{ range: 192.168.10.0/24, remoteAs: 1, passive: false }]\n`, 'neighbors[0].passive', /always passive/],
  ['duplicate neighbor (same address written twice differently)', `${HEAD}neighbors: [{ address: "2001:db8::1", remoteAs: 1 }, { address: "2001:db8:0::1", remoteAs: 1 }]\n`, 'neighbors[1].address', /duplicate of neighbors\[0\] \(2001:db8::1\)/],
  ['duplicate range', `${HEAD}neighbors: [{ range: 10.0.0.0/8, remoteAs: 1 }, { range: 10.0.0.0/8, remoteAs: 2 }]\n`, 'neighbors[1].range', /duplicate of neighbors\[0\]/],
  ['group not defined', `${HEAD}neighbors: [{ address: 192.168.10.10, group: nodes }]\n`, 'neighbors[0].group', /group "nodes" is not defined/],
  ['group name invalid', `${HEAD}groups: { "1nodes": { remoteAs: 1 } }\n`, 'groups.1nodes', /start with a letter/],
  ['updateSource of the other family', `${HEAD}neighbors: [{ address: 192.168.10.10, remoteAs: 1, updateSource: "2001:db8::1" }]\n`, 'neighbors[0].updateSource', /address family/],
  ['policy not defined', `${HEAD}neighbors: [{ address: 192.168.10.10, remoteAs: 1, import: from-nodes }]\n`, 'neighbors[0].import', /policy "from-nodes" is not defined/],
  ['prefix list not defined', `${HEAD}policies: { p: { rules: [{ match: { prefixList: pool } }] } }\n`, 'policies.p.rules[0].match.prefixList', /prefix list "pool" is not defined/],
  ['rules and shorthand together', `${HEAD}policies: { p: { rules: [], localPref: 5 } }\n`, 'policies.p', /either rules or the one-rule shorthand \(localPref\)/],
  ['prefix-list entry with host bits', `${HEAD}prefixLists: { p: ["172.20.1.1/24 le 32"] }\n`, 'prefixLists.p[0]', /host bits/],
  ['ge shorter than the prefix', `${HEAD}prefixLists: { p: ["10.0.0.0/16 ge 8"] }\n`, 'prefixLists.p[0]', /ge 8 must be between the prefix length 16 and 32/],
  ['le past 32', `${HEAD}prefixLists: { p: ["10.0.0.0/8 le 33"] }\n`, 'prefixLists.p[0]', /le 33 must be between/],
  ['ge above le', `${HEAD}prefixLists: { p: ["10.0.0.0/8 ge 28 le 24"] }\n`, 'prefixLists.p[0]', /ge 28 is greater than le 24/],
  ['garbled entry', `${HEAD}prefixLists: { p: ["10.0.0.0/8 lt 24"] }\n`, 'prefixLists.p[0]', /not a prefix-list entry/],
  ['entry object with a bad range', `${HEAD}prefixLists: { p: [{ prefix: "2001:db8::/32", ge: 129 }] }\n`, 'prefixLists.p[0]', /ge 129 must be between the prefix length 32 and 128/],
  ['inline policy entry inside a group', `${HEAD}groups: { g: { remoteAs: 1, import: { prefixes: ["10.0.0.0/8 ge 4"] } } }\n`, 'groups.g.import.prefixes[0]', /ge 4 must be between/],
  ['bad community', `${HEAD}policies: { p: { communities: { add: ["65536:1"] } } }\n`, 'policies.p.communities.add[0]', /not a community/],
  ['bad large community', `${HEAD}policies: { p: { rules: [{ match: { largeCommunities: ["1:2"] } }] } }\n`, 'policies.p.rules[0].match.largeCommunities[0]', /not a large community/],
  ['fib protocol name', `${HEAD}fib: { protocol: ospf }\n`, 'fib.protocol', /0\.\.255 or one of/],
  ['log level', `${HEAD}log: { level: loud }\n`, 'log.level', /info/],
  ['listen port', `${HEAD}listen: { port: 70000 }\n`, 'listen.port', /^must be at most 65535, not 70000$/],
  ['asn given as a word', 'asn: "sixty"\nrouterId: 1.1.1.1\n', 'asn', /^must be an AS number 1\.\.4294967295, not "sixty"$/],
  ['no neighbors where a list is wanted', `${HEAD}neighbors: {}\n`, 'neighbors', /^must be a list, not a mapping$/],
  ['YAML syntax', 'asn: [1\n', 'line 2', /Flow sequence .* must .* end with a \]/],
  ['YAML duplicate key', 'asn: 1\nasn: 2\n', 'line 2', /unique|duplicate/i],
];

describe('every error names its field path and reason', () => {
  for (const [what, yaml, path, message] of cases) {
    it(what, () => {
      const found = issues(yaml);
      const hit = found.find((i) => i.path === path);
      expect(hit, JSON.stringify(found)).toBeDefined();
      expect(hit!.message).toMatch(message);
    });
  }
});

describe('all errors at once', () => {
  it('reports schema and cross-field problems together, one per field', () => {
    const found = issues(`
asn: 0
routerId: 1.2.3
bogus: 1
neighbors:
  - { address: 192.168.10.10, remoteAs: 64512, holdTime: 2 }
  - { address: 192.168.10.10, group: nope, import: missing }
  - { range: 10.0.0.1/8, remoteAs: foo }
groups:
  g: { import: { prefixes: ["10.0.0.0/8 ge 4"] } }
`);
    expect(found.map((i) => i.path).sort()).toEqual([
      'asn', 'bogus', 'groups.g.import.prefixes[0]', 'neighbors[0].holdTime', 'neighbors[1].address', 'neighbors[1].group',
      'neighbors[1].import', 'neighbors[2].range', 'neighbors[2].remoteAs', 'routerId',
    ]);
    const err = (() => { try { parseRouterConfig('asn: 0\nrouterId: x\n'); } catch (e) { return e as ConfigError; } })()!;
    expect(err.message).toBe('configuration: 2 problems\n  asn: must be an AS number 1..4294967295, not 0\n  routerId: not an IP address: "x": Invalid IPv4 address.');
  });

  it('an empty document says what is required', () => {
    expect(issues('').map((i) => i.path)).toEqual(['asn', 'routerId']);
  });
});
