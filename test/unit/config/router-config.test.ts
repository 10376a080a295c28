// Router configuration: the seed's FRR setup in YAML, defaults, group inheritance, the example files,
// and policies that the speaker's policy engine runs as given.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/error.js';
import { loadRouterConfig, parseRouterConfig } from '../../../src/config/router-config.js';
import { Policy } from '../../../src/bgp/policy/route-map.js';
import type { PolicySpec } from '../../../src/lib/policy-spec.js';
import { parsePrefix } from '../../../src/lib/address.js';
import { WellKnownCommunity } from '../../../src/wire/bgp/types.js';

const EXAMPLES = join(import.meta.dirname, '../../../firmware/etc/vipgate');

/** The YAML from the issue. */
const ISSUE_YAML = `
asn: 64513
routerId: 192.168.10.254
maximumPaths: 4
networks: [10.1.1.0/24]
neighbors:
  - { address: 192.168.10.10, remoteAs: 64512 }
  - { range: 192.168.10.0/24, remoteAs: 64512, group: nodes }   # dynamic neighbors
groups:
  nodes: { import: { prefixes: ["172.20.1.0/24 le 32"] }, maxPrefix: 1000 }
`;

describe('parseRouterConfig', () => {
  it('reads the issue example with every default filled in', () => {
    const c = parseRouterConfig(ISSUE_YAML);
    expect(c).toMatchObject({
      asn: 64513, routerId: '192.168.10.254', maximumPaths: 4, networks: [{ prefix: '10.1.1.0/24', communities: [], largeCommunities: [], med: undefined, linkBandwidth: undefined }], multipathRelax: false,
      listen: { enabled: true, address: '0.0.0.0', port: 179 }, ebgpRequiresPolicy: true, defaultLocalPref: 100,
      fib: { table: 254, metric: 20, protocol: 201, startupHold: 10 }, control: { socket: '/run/vipgate/control.sock' }, log: { level: 'info' },
    });
    const [n1, range] = c.neighbors;
    expect(n1).toMatchObject({
      id: '192.168.10.10', remoteAs: 64512, localAs: 64513, ibgp: false, port: 179, passive: false, holdTime: 90,
      keepalive: 30, connectRetry: 120, ebgpMultihop: 1, nextHopSelf: false, addPath: 'off', families: ['ipv4'],
      bfd: { enabled: false, minRx: 300, minTx: 300, multiplier: 3 }, import: undefined, export: undefined, maxPrefix: undefined,
    });
    expect(range).toMatchObject({ id: '192.168.10.0/24', group: 'nodes', passive: true, maxPrefix: { limit: 1000, restartAfter: 0, warningOnly: false } });
    expect(range!.import).toEqual({
      name: 'nodes-import',
      rules: [{ action: 'permit', match: { prefixList: { name: 'nodes-import', entries: [{ action: 'permit', prefix: '172.20.1.0/24', le: 32 }] } } }],
    });
  });

  it('a neighbor overrides its group field by field, nested settings included', () => {
    const c = parseRouterConfig(`
asn: 64513
routerId: 10.0.0.1
groups:
  g: { remoteAs: internal, holdTime: 30, bfd: { enabled: true, minRx: 100 }, description: group }
neighbors:
  - { address: 10.0.0.2, group: g, holdTime: 6, bfd: { multiplier: 5 } }
  - { address: "2001:db8::2", remoteAs: external, localAs: 65100 }
`);
    expect(c.neighbors[0]).toMatchObject({
      remoteAs: 'internal', ibgp: true, holdTime: 6, keepalive: 2, description: 'group', ebgpMultihop: 255,
      bfd: { enabled: true, minRx: 100, minTx: 300, multiplier: 5 },
    });
    expect(c.neighbors[1]).toMatchObject({ remoteAs: 'external', ibgp: false, localAs: 65100, families: ['ipv6'] });
    expect(c.groups.g).toMatchObject({ holdTime: 30, keepalive: 10 });
  });

  it('named policies and prefix lists are inlined where they are used; all and none are built in', () => {
    const c = parseRouterConfig(`
asn: 64513
routerId: 10.0.0.1
prefixLists: { pool: ["172.20.1.0/24 le 32", "deny 0.0.0.0/0 le 32"] }
policies:
  in:
    rules:
      - { action: deny, match: { communities: [blackhole, "65000:1"] } }
      - { match: { prefixList: pool, largeCommunities: ["64512:1:2"] }, set: { localPref: 200, prepend: 2 } }
neighbors:
  - { address: 10.0.0.2, remoteAs: 65000, import: in, export: all }
  - { address: 10.0.0.3, remoteAs: 65000, import: none }
`);
    const [a, b] = c.neighbors;
    expect(a!.import).toEqual({
      name: 'in',
      rules: [
        { action: 'deny', match: { communities: [WellKnownCommunity.BLACKHOLE, 65000 * 65536 + 1] } },
        { action: 'permit', match: { prefixList: { name: 'pool', entries: [{ action: 'permit', prefix: '172.20.1.0/24', le: 32 }, { action: 'deny', prefix: '0.0.0.0/0', le: 32 }] }, largeCommunities: [[64512, 1, 2]] }, set: { localPref: 200, prepend: 2 } },
      ],
    });
    expect(a!.export).toEqual({ name: 'all', rules: [{ action: 'permit' }] });
    expect(b!.import).toEqual({ name: 'none', rules: [] });
  });

  it("the config's policies run in the speaker's policy engine: a node cannot announce a default route or the LAN", () => {
    const spec: PolicySpec = parseRouterConfig(ISSUE_YAML).neighbors[1]!.import!;
    const p = new Policy(spec);
    const run = (prefix: string) => p.apply({ prefix: parsePrefix(prefix), attributes: {} }, { localAs: 64513 });
    expect(run('172.20.1.1/32').accepted).toBe(true);
    expect(run('0.0.0.0/0')).toMatchObject({ accepted: false, reason: expect.stringContaining('prefix-list nodes-import refuses 0.0.0.0/0') });
    expect(run('192.168.10.0/24').accepted).toBe(false);
  });

  it('the shorthand policy takes communities to match, add and remove, LOCAL_PREF and MED', () => {
    const c = parseRouterConfig(`
asn: 64513
routerId: 10.0.0.1
neighbors:
  - address: 10.0.0.2
    remoteAs: 65000
    import: { communities: { match: ["65000:1"], add: [no-export], remove: ["65000:1"] }, localPref: 50, med: 10 }
`);
    expect(c.neighbors[0]!.import).toEqual({
      name: '10.0.0.2-import',
      rules: [{ action: 'permit', match: { communities: [65000 * 65536 + 1] }, set: { localPref: 50, med: 10, communities: { add: [WellKnownCommunity.NO_EXPORT], remove: [65000 * 65536 + 1] } } }],
    });
  });

  it('every example under firmware/etc/vipgate is valid', async () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.example.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) {
      const c = await loadRouterConfig(join(EXAMPLES, f));
      expect(c.asn, f).toBe(64513);
      // every eBGP neighbor states its policies (RFC 8212), so none is silently mute
      for (const n of c.neighbors) if (!n.ibgp) expect([f, n.id, n.import !== undefined, n.export !== undefined]).toEqual([f, n.id, true, true]);
    }
  });

  it('the seed example is the seed router: three nodes, 4-way ECMP, the pool accepted', async () => {
    const c = await loadRouterConfig(join(EXAMPLES, 'seed.example.yaml'));
    expect(c.neighbors.map((n) => [n.id, n.remoteAs])).toEqual([['192.168.10.10', 64512], ['192.168.10.101', 64512], ['192.168.10.102', 64512]]);
    expect(c.maximumPaths).toBe(4);
    expect(c.networks.map((n) => n.prefix)).toEqual(['10.1.1.0/24']);
  });

  it('loadRouterConfig names the file in its error', async () => {
    await expect(loadRouterConfig(join(EXAMPLES, 'no-such.yaml'))).rejects.toThrow(/ENOENT/);
    const err = (() => { try { parseRouterConfig('asn: x', '/etc/vipgate/router.yaml'); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^\/etc\/vipgate\/router\.yaml: 2 problems/);
  });
});
