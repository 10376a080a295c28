/**
 * The coexistence VM's kube-proxy stand-in (test/integration/ipvs/coexist-guest/kube-proxy-rules.ts) against
 * kube-proxy's own expected rules (kubernetes pkg/proxy/iptables/proxier_test.go, TestOverallIPTablesRules:
 * ns5/svc5, a Cluster LoadBalancer with loadBalancerSourceRanges 203.0.113.0/25, LB IP 5.6.7.8, endpoint
 * 10.180.0.3:80; and the chain names of ns1/svc1), and its IsVIPMode rule: a Proxy-mode ingress IP gets no rule.
 */
import { describe, expect, it } from 'vitest';
import { isVipMode, kpHash, serviceRules, type KpService } from '../../integration/ipvs/coexist-guest/kube-proxy-rules.js';

const svc5: KpService = {
  namespace: 'ns5', name: 'svc5', portName: 'p80', protocol: 'tcp', port: 80, clusterIP: '172.30.0.45',
  ingress: [{ ip: '5.6.7.8' }], policy: 'Cluster', sourceRanges: ['203.0.113.0/25'], endpoints: [{ address: '10.180.0.3', port: 80, local: false }],
};

describe('kube-proxy stand-in', () => {
  it('names chains as kube-proxy does', () => {
    expect(kpHash('ns1/svc1:p80', 'tcp')).toBe('XPGD46QRK7WJZT7O');
    expect(kpHash('ns1/svc1:p80', 'tcp', '10.180.0.1:80')).toBe('SXIVWICOYRO3J4NJ');
    expect(kpHash('ns5/svc5:p80', 'tcp', '10.180.0.3:80')).toBe('I77PXRDZVX7PMWMN');
  });

  it('writes svc5\'s lines as TestOverallIPTablesRules expects them', () => {
    const r = serviceRules(svc5, '10.0.0.0/8');
    expect(r.nat).toEqual([
      '-A KUBE-SERVICES -m comment --comment "ns5/svc5:p80 cluster IP" -m tcp -p tcp -d 172.30.0.45 --dport 80 -j KUBE-SVC-NUKIZ6OKUXPJNT4C',
      '-A KUBE-SERVICES -m comment --comment "ns5/svc5:p80 loadbalancer IP" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j KUBE-FW-NUKIZ6OKUXPJNT4C',
      '-A KUBE-EXT-NUKIZ6OKUXPJNT4C -m comment --comment "masquerade traffic for ns5/svc5:p80 external destinations" -j KUBE-MARK-MASQ',
      '-A KUBE-EXT-NUKIZ6OKUXPJNT4C -j KUBE-SVC-NUKIZ6OKUXPJNT4C',
      '-A KUBE-FW-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 loadbalancer IP" -s 203.0.113.0/25 -j KUBE-EXT-NUKIZ6OKUXPJNT4C',
      '-A KUBE-FW-NUKIZ6OKUXPJNT4C -m comment --comment "other traffic to ns5/svc5:p80 will be dropped by KUBE-PROXY-FIREWALL"',
      '-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 cluster IP" -m tcp -p tcp -d 172.30.0.45 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 -> 10.180.0.3:80" -j KUBE-SEP-I77PXRDZVX7PMWMN',
      '-A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -s 10.180.0.3 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80',
    ]);
    expect(r.filter).toEqual([
      '-A KUBE-PROXY-FIREWALL -m comment --comment "ns5/svc5:p80 traffic not accepted by KUBE-FW-NUKIZ6OKUXPJNT4C" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j DROP',
    ]);
  });

  it('writes no loadbalancer IP rule for an ingress IP with ipMode Proxy', () => {
    expect([isVipMode({}), isVipMode({ ipMode: 'VIP' }), isVipMode({ ipMode: 'Proxy' })]).toEqual([true, true, false]);
    const r = serviceRules({ ...svc5, ingress: [{ ip: '5.6.7.8', ipMode: 'Proxy' }] }, '10.0.0.0/8');
    expect(r.nat.filter((l) => l.includes('5.6.7.8'))).toEqual([]);
    expect(r.filter).toEqual([]);
    expect(r.nat[0]).toContain('cluster IP');
  });
});
