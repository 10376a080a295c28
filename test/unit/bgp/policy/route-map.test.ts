// Route maps: first matching rule, implicit deny with reasons, sets; RFC 8212 defaults; next hop checks;
// and the hijack cases from the node side (a node announcing a default route or the LAN).
import { describe, expect, it } from 'vitest';
import { parsePrefix } from '../../../../src/lib/address.js';
import { nextHopRefusal } from '../../../../src/bgp/policy/next-hop.js';
import { peerPolicy } from '../../../../src/bgp/policy/peer-policy.js';
import { applyPolicy, Policy, type PolicyRoute } from '../../../../src/bgp/policy/route-map.js';
import type { PolicySpec } from '../../../../src/lib/policy-spec.js';
import { AsPathSegmentType, WellKnownCommunity, type PathAttributes } from '../../../../src/wire/bgp/types.js';

const ctx = { localAs: 64513 };
const route = (prefix: string, attributes: PathAttributes = { origin: 0, asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [64512] }] }): PolicyRoute =>
  ({ prefix: parsePrefix(prefix), attributes });

/** What a group `nodes` with `import: { prefixes: ["172.20.1.0/24 le 32"] }` becomes. */
const nodesImport: PolicySpec = {
  name: 'nodes-import',
  rules: [{ action: 'permit', match: { prefixList: { name: 'nodes-import', entries: [{ action: 'permit', prefix: '172.20.1.0/24', le: 32 }] } } }],
};

describe('hijack protection on node sessions', () => {
  const p = new Policy(nodesImport);
  it('accepts a Service /32 from the pool', () => {
    const r = applyPolicy(p, route('172.20.1.5/32'), ctx);
    expect(r).toMatchObject({ accepted: true, rule: 0, nextHopSelf: false });
  });
  for (const bad of ['0.0.0.0/0', '192.168.10.0/24', '192.168.10.254/32', '172.20.0.0/16']) {
    it(`refuses ${bad} and says why`, () => {
      const r = applyPolicy(p, route(bad), ctx);
      expect(r.accepted).toBe(false);
      if (!r.accepted) expect(r.reason).toBe(`policy nodes-import: no rule matched ${bad} (implicit deny; rule 1: prefix-list nodes-import refuses ${bad} (no entry matched))`);
    });
  }
});

describe('route map rules', () => {
  const gshut = WellKnownCommunity.GRACEFUL_SHUTDOWN;
  const spec: PolicySpec = {
    name: 'in',
    rules: [
      { action: 'deny', match: { communities: [WellKnownCommunity.BLACKHOLE] } },
      { action: 'permit', match: { largeCommunities: [[64512, 1, 2]] }, set: { localPref: 300 } },
      { action: 'permit', match: { asPathLength: { max: 1 } }, set: { med: 7, communities: { add: [0xfde80001, 0xfde80001], remove: [gshut] }, largeCommunities: { add: [[64513, 0, 1]], remove: [[64512, 9, 9]] } } },
      { action: 'permit', match: { asPathLength: { min: 2 } }, set: { prepend: 2, nextHopSelf: true } },
    ],
  };
  const p = new Policy(spec);

  it('a deny rule rejects, naming the rule', () => {
    const r = applyPolicy(p, route('10.0.0.0/8', { communities: [WellKnownCommunity.BLACKHOLE] }), ctx);
    expect(r).toEqual({ accepted: false, reason: 'policy in: rule 1 denies 10.0.0.0/8' });
  });

  it('large community match and LOCAL_PREF set', () => {
    const r = applyPolicy(p, route('10.0.0.0/8', { largeCommunities: [[64512, 1, 2]] }), ctx);
    expect(r.accepted && r.route.attributes.localPref).toBe(300);
    expect(r.accepted && r.rule).toBe(1);
  });

  it('sets MED, adds communities once and removes listed ones, leaves the input unchanged', () => {
    const attrs: PathAttributes = { asPath: [{ type: 2, asns: [64512] }], communities: [gshut, 0xfde80001], largeCommunities: [[64512, 9, 9]] };
    const r = applyPolicy(p, route('10.0.0.0/8', attrs), ctx);
    expect(r.accepted).toBe(true);
    if (!r.accepted) return;
    expect(r.route.attributes).toMatchObject({ med: 7, communities: [0xfde80001], largeCommunities: [[64513, 0, 1]] });
    expect(attrs.communities).toEqual([gshut, 0xfde80001]);
  });

  it('prepends our AS and flags next-hop self', () => {
    const r = applyPolicy(p, route('10.0.0.0/8', { asPath: [{ type: 2, asns: [64512, 65000] }] }), ctx);
    expect(r.accepted && r.route.attributes.asPath).toEqual([{ type: 2, asns: [64513, 64513, 64512, 65000] }]);
    expect(r.accepted && r.nextHopSelf).toBe(true);
  });

  it('no rule matching is an implicit deny listing each rule', () => {
    const none = new Policy({ name: 'x', rules: [{ action: 'permit', match: { communities: [1] } }, { action: 'permit', match: { asPathLength: { min: 5 } } }] });
    expect(applyPolicy(none, route('10.0.0.0/8'), ctx)).toEqual({
      accepted: false,
      reason: 'policy x: no rule matched 10.0.0.0/8 (implicit deny; rule 1: none of the communities to match; rule 2: AS_PATH length 1 out of range)',
    });
  });
});

describe('RFC 8212 defaults', () => {
  it('an eBGP neighbor without import policy accepts nothing, and the reason is logged once', () => {
    const logged: string[] = [];
    const p = peerPolicy(undefined, { peer: '192.168.10.10', ebgp: true, direction: 'import', ebgpRequiresPolicy: true, log: (m) => logged.push(m) });
    const r = applyPolicy(p, route('172.20.1.1/32'), ctx);
    expect(r).toEqual({ accepted: false, reason: 'RFC 8212: eBGP neighbor 192.168.10.10 has no import policy, so it accepts no routes' });
    expect(logged).toEqual([r.accepted ? '' : r.reason]);
  });
  it('and without export policy sends nothing', () => {
    const p = peerPolicy(undefined, { peer: '192.168.10.10', ebgp: true, direction: 'export', ebgpRequiresPolicy: true });
    expect(applyPolicy(p, route('10.1.1.0/24'), ctx)).toMatchObject({ accepted: false, reason: expect.stringMatching(/no export policy, so it sends no routes/) });
  });
  it('iBGP, or the requirement turned off, accepts everything by default', () => {
    for (const c of [{ ebgp: false, ebgpRequiresPolicy: true }, { ebgp: true, ebgpRequiresPolicy: false }]) {
      const p = peerPolicy(undefined, { peer: '10.0.0.1', direction: 'import', ...c });
      expect(applyPolicy(p, route('0.0.0.0/0'), ctx).accepted).toBe(true);
    }
  });
  it('an explicit policy is used as given', () => {
    const p = peerPolicy(nodesImport, { peer: '192.168.10.10', ebgp: true, direction: 'import', ebgpRequiresPolicy: true });
    expect(applyPolicy(p, route('172.20.1.1/32'), ctx).accepted).toBe(true);
  });
});

describe('next hop check', () => {
  const c = { peer: '192.168.10.10', connected: [parsePrefix('192.168.10.0/24')], local: ['192.168.10.254'] };
  it('accepts the peer itself and addresses on connected subnets', () => {
    expect(nextHopRefusal('192.168.10.10', c)).toBeUndefined();
    expect(nextHopRefusal('192.168.10.101', c)).toBeUndefined();
    expect(nextHopRefusal('192.168.10.10', { ...c, connected: [] })).toBeUndefined();
  });
  it('refuses anything else, with the reason', () => {
    expect(nextHopRefusal('10.9.9.9', c)).toBe('next hop 10.9.9.9 is neither the peer 192.168.10.10 nor on a connected subnet');
    expect(nextHopRefusal('192.168.10.254', c)).toMatch(/one of our own addresses/);
    expect(nextHopRefusal('0.0.0.0', c)).toMatch(/unspecified/);
    expect(nextHopRefusal('224.0.0.5', c)).toMatch(/not unicast/);
    expect(nextHopRefusal('ff02::1', { peer: 'fe80::1', connected: [] })).toMatch(/not unicast/);
    expect(nextHopRefusal('banana', c)).toMatch(/not an address/);
  });
});
