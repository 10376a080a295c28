// `show running-config`: the configuration printed the way FRR prints its own.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderRunningConfig } from '../../../src/config/render.js';
import { loadRouterConfig, parseRouterConfig } from '../../../src/config/router-config.js';

const EXAMPLES = join(import.meta.dirname, '../../../firmware/etc/vipgate');

describe('renderRunningConfig', () => {
  it("the seed's router, written without groups, prints as the seed's FRR configuration", () => {
    const cfg = parseRouterConfig(`
asn: 64513
routerId: 192.168.10.254
maximumPaths: 4
ebgpRequiresPolicy: false
networks: [10.1.1.0/24]
neighbors:
  - { address: 192.168.10.10, remoteAs: 64512 }
  - { address: 192.168.10.101, remoteAs: 64512 }
  - { address: 192.168.10.102, remoteAs: 64512 }
`);
    expect(renderRunningConfig(cfg)).toBe(`! vipgate running configuration
!
router bgp 64513
 bgp router-id 192.168.10.254
 no bgp ebgp-requires-policy
 neighbor 192.168.10.10 remote-as 64512
 neighbor 192.168.10.101 remote-as 64512
 neighbor 192.168.10.102 remote-as 64512
 !
 address-family ipv4 unicast
  network 10.1.1.0/24
  maximum-paths 4
  maximum-paths ibgp 4
 exit-address-family
exit
!
`);
  });

  it('prints peer groups, listen ranges, policies and what differs from the group', async () => {
    const text = renderRunningConfig(await loadRouterConfig(join(EXAMPLES, 'router.example.yaml')));
    const lines = text.split('\n');
    for (const want of [
      'ip prefix-list service-pool seq 5 permit 172.20.1.0/24 le 32',
      'bgp community-list standard from-nodes-10 permit graceful-shutdown',
      'route-map from-nodes permit 10',
      ' match ip address prefix-list service-pool',
      ' match community from-nodes-10',
      ' set local-preference 0',
      ' set community 64513:100 additive',
      'route-map none deny 10',
      ' neighbor nodes peer-group',
      ' neighbor nodes remote-as 64512',
      ' neighbor nodes timers 3 9',
      ' neighbor nodes ttl-security hops 1',
      ' neighbor nodes bfd 3 100 100',
      ' bgp listen range 192.168.10.0/24 peer-group nodes',
      ' neighbor 192.168.1.1 remote-as 65000',
      ' neighbor 192.168.1.1 description upstream',
      ' neighbor 192.168.1.1 timers 10 30',
      ' neighbor 192.168.1.1 password *****',
      ' neighbor 192.168.1.1 graceful-restart-helper',
      '  aggregate-address 172.20.1.0/24 summary-only',
      '  neighbor nodes route-map from-nodes in',
      '  neighbor nodes route-map none out',
      '  neighbor nodes maximum-prefix 1000 restart 1',
      '  neighbor 192.168.1.1 route-map to-upstream out',
      '  maximum-paths 8',
    ]) expect(lines, want).toContain(want);
    expect(text).not.toContain('change-me');
    expect(renderRunningConfig(await loadRouterConfig(join(EXAMPLES, 'router.example.yaml')), { showSecrets: true })).toContain(' neighbor 192.168.1.1 password change-me');
  });

  it('a group member prints only what it changes; a range with settings of its own gets its own group', () => {
    const text = renderRunningConfig(parseRouterConfig(`
asn: 64513
routerId: 10.0.0.1
groups: { g: { remoteAs: 64512, holdTime: 30 } }
neighbors:
  - { address: 10.0.0.2, group: g }
  - { address: 10.0.0.3, group: g, holdTime: 9, nextHopSelf: true }
  - { range: 10.1.0.0/16, remoteAs: 64600 }
  - { address: "2001:db8::2", remoteAs: 64700, port: 1179, ebgpMultihop: 2 }
`));
    expect(text).toContain(' neighbor 10.0.0.2 peer-group g\n neighbor 10.0.0.3 peer-group g\n neighbor 10.0.0.3 timers 3 9\n');
    expect(text).not.toMatch(/neighbor 10\.0\.0\.2 (timers|remote-as)/);
    expect(text).toContain('  neighbor 10.0.0.3 next-hop-self');
    expect(text).toContain(' neighbor range-3 peer-group\n neighbor range-3 remote-as 64600\n neighbor range-3 passive\n');
    expect(text).toContain(' bgp listen range 10.1.0.0/16 peer-group range-3');
    expect(text).toContain(' neighbor 2001:db8::2 port 1179\n neighbor 2001:db8::2 ebgp-multihop 2\n');
    expect(text).toMatch(/ address-family ipv6 unicast\n {2}neighbor 2001:db8::2 activate\n exit-address-family/);
  });
});
