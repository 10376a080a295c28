/**
 * Kubernetes manifests → snapshot → this node's IPVS virtual services (src/agent/source/manifests.ts and
 * src/agent/ipvs/from-snapshot.ts): endpoint addresses and slice ports, named and numeric target ports,
 * vipgate.io/ annotations, sessionAffinity ClientIP -> persistence, externalTrafficPolicy Local, node
 * eligibility, which IPs are programmed (assignments, status, externalIPs, loadBalancerClass), FQDN and
 * other-family endpoints, and key conflicts between Services.
 */
import { describe, expect, it } from 'vitest';
import { desiredFromSnapshot, type IpvsScope } from '../../../src/agent/ipvs/from-snapshot.js';
import { serviceName, type DesiredVirtualService } from '../../../src/agent/ipvs/desired.js';
import type { ReconcileResult } from '../../../src/agent/ipam/allocator.js';
import type { Snapshot } from '../../../src/agent/model.js';
import { parseManifests } from '../../../src/agent/source/file.js';
import { IP_VS_SVC_F_PERSISTENT, IP_VS_SVC_F_SCHED2 } from '../../../src/wire/netlink/ipvs/constants.js';

const NODES = `
apiVersion: v1
kind: Node
metadata: { name: n1 }
---
apiVersion: v1
kind: Node
metadata: { name: n2 }
`;

/** A Service with two ports (http by name to 8080, metrics by number), two endpoints on n1 and n2. */
const WEB = `
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
  annotations:
    vipgate.io/ipvs-scheduler: "sh:port"
    vipgate.io/ipvs-weights: "10.1.0.12=3"
    unrelated.example/annotation: "dropped"
spec:
  type: LoadBalancer
  selector: { app: web }
  ports:
    - { name: http, port: 80, targetPort: http-web, nodePort: 30080, protocol: TCP }
    - { name: metrics, port: 9100, targetPort: "9100" }
status:
  loadBalancer: { ingress: [{ ip: 172.20.1.10 }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: web-abc, namespace: shop, labels: { kubernetes.io/service-name: web } }
addressType: IPv4
ports:
  - { name: http, port: 8080, protocol: TCP }
  - { name: metrics, port: 9100, protocol: TCP }
endpoints:
  - { addresses: [10.1.0.11], nodeName: n1, conditions: { ready: true } }
  - { addresses: [10.1.0.12, 10.1.0.112], nodeName: n2 }
  - { addresses: [10.1.0.13], nodeName: n2, conditions: { ready: false } }
`;

const K8S: IpvsScope = { node: 'n1', externalIPs: false };

function parse(...docs: string[]): Snapshot {
  return parseManifests([NODES, ...docs].join('\n---\n'));
}

/** "tcp:IP:port sched flags timeout -> addr:port/weight ..." lines, readable in failures. */
function lines(services: readonly DesiredVirtualService[]): string[] {
  return services.map((s) => [
    `${serviceName(s.key)} ${s.scheduler} f=${s.flags} t=${s.timeout}`,
    ...s.destinations.map((d) => `${d.address}:${d.port}/${d.weight}`),
  ].join(' '));
}

const assigned = (entries: Record<string, string[]>): ReconcileResult => ({
  assignments: new Map(Object.entries(entries).map(([k, ips]) => [k, { ips, pool: 'default' }])),
  failures: new Map(),
});

describe('manifests carry what IPVS needs', () => {
  it('keeps endpoint addresses, slice ports, port names, target and node ports, vipgate annotations', () => {
    const s = parse(WEB);
    const web = s.services.find((x) => x.name === 'web')!;
    expect(web.ports).toEqual([
      { name: 'http', protocol: 'TCP', port: 80, targetPort: 'http-web', nodePort: 30080 },
      { name: 'metrics', protocol: 'TCP', port: 9100, targetPort: 9100 },
    ]);
    expect(web.annotations).toEqual({ 'vipgate.io/ipvs-scheduler': 'sh:port', 'vipgate.io/ipvs-weights': '10.1.0.12=3' });
    expect(web.sessionAffinity).toBeUndefined();
    const slice = s.slices[0]!;
    expect(slice.addressType).toBe('IPv4');
    expect(slice.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'metrics', port: 9100, protocol: 'TCP' }]);
    expect(slice.endpoints.map((e) => [e.addresses, e.ready, e.nodeName])).toEqual([
      [['10.1.0.11'], true, 'n1'], [['10.1.0.12', '10.1.0.112'], true, 'n2'], [['10.1.0.13'], false, 'n2'],
    ]);
  });

  it('reads sessionAffinity ClientIP with its timeout, or the API default of 10800 s', () => {
    const s = parse(`
kind: Service
metadata: { name: a }
spec: { sessionAffinity: ClientIP, sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } } }
---
kind: Service
metadata: { name: b }
spec: { sessionAffinity: ClientIP }
---
kind: Service
metadata: { name: c }
spec: { sessionAffinity: None }
`);
    expect(s.services.map((x) => x.sessionAffinity)).toEqual([{ timeoutSeconds: 600 }, { timeoutSeconds: 10800 }, undefined]);
  });
});

describe('snapshot -> virtual services', () => {
  it('Cluster: every ready endpoint, ports by slice port name, scheduler flags and weights from the annotations', () => {
    const d = desiredFromSnapshot(parse(WEB), K8S);
    expect(d.problems).toEqual([]);
    expect(lines(d.services)).toEqual([
      `tcp:172.20.1.10:80 sh f=${IP_VS_SVC_F_SCHED2} t=0 10.1.0.11:8080/1 10.1.0.12:8080/3`,
      `tcp:172.20.1.10:9100 sh f=${IP_VS_SVC_F_SCHED2} t=0 10.1.0.11:9100/1 10.1.0.12:9100/3`,
    ]);
    expect(d.services.every((s) => s.owner === 'shop/web' && s.destinations.every((x) => x.forward === 'masq'))).toBe(true);
  });

  it('Local: only this node\'s endpoints, and no virtual service on a node without one', () => {
    const local = WEB.replace('type: LoadBalancer', 'type: LoadBalancer\n  externalTrafficPolicy: Local');
    expect(lines(desiredFromSnapshot(parse(local), { ...K8S, node: 'n2' }).services)).toEqual([
      `tcp:172.20.1.10:80 sh f=${IP_VS_SVC_F_SCHED2} t=0 10.1.0.12:8080/3`,
      `tcp:172.20.1.10:9100 sh f=${IP_VS_SVC_F_SCHED2} t=0 10.1.0.12:9100/3`,
    ]);
    const n3 = parse(local, 'kind: Node\nmetadata: { name: n3 }');
    expect(desiredFromSnapshot(n3, { ...K8S, node: 'n3' }).services).toEqual([]);
  });

  it('sessionAffinity ClientIP becomes persistence with its timeout', () => {
    const sticky = WEB.replace('selector: { app: web }', 'selector: { app: web }\n  sessionAffinity: ClientIP\n  sessionAffinityConfig: { clientIP: { timeoutSeconds: 300 } }');
    const [http] = desiredFromSnapshot(parse(sticky), K8S).services;
    expect(http!.flags).toBe(IP_VS_SVC_F_SCHED2 | IP_VS_SVC_F_PERSISTENT);
    expect(http!.timeout).toBe(300);
  });

  it('a node that is not Ready, excluded or absent programs nothing', () => {
    const notReady = `kind: Node\nmetadata: { name: n1 }\nstatus: { conditions: [{ type: Ready, status: "False" }] }`;
    expect(desiredFromSnapshot(parseManifests([notReady, WEB].join('\n---\n')), K8S).services).toEqual([]);
    const excluded = `kind: Node\nmetadata: { name: n1, labels: { node.kubernetes.io/exclude-from-external-load-balancers: "" } }`;
    expect(desiredFromSnapshot(parseManifests([excluded, WEB].join('\n---\n')), K8S).services).toEqual([]);
    expect(desiredFromSnapshot(parse(WEB), { ...K8S, node: 'elsewhere' }).services).toEqual([]);
  });

  it('takes LoadBalancer IPs from the agent\'s assignments when given, else from the status', () => {
    const s = parse(WEB);
    const ips = (scope: IpvsScope): string[] => [...new Set(desiredFromSnapshot(s, scope).services.map((x) => x.key.address))];
    expect(ips(K8S)).toEqual(['172.20.1.10']);
    expect(ips({ ...K8S, assignments: assigned({ 'shop/web': ['172.20.1.99'] }) })).toEqual(['172.20.1.99']);
    expect(ips({ ...K8S, assignments: assigned({}) })).toEqual([]);
  });

  it('leaves Services of another loadBalancerClass alone, and programs externalIPs only when enabled', () => {
    const classed = WEB.replace('type: LoadBalancer', 'type: LoadBalancer\n  loadBalancerClass: other.example/lb');
    expect(desiredFromSnapshot(parse(classed), K8S).services).toEqual([]);
    expect(desiredFromSnapshot(parse(classed), { ...K8S, loadBalancerClass: 'other.example/lb' }).services).toHaveLength(2);
    // a ClusterIP Service with an externalIP: externalTrafficPolicy does not apply, every endpoint is used
    const ext = WEB.replace('type: LoadBalancer', 'type: ClusterIP\n  externalTrafficPolicy: Local\n  externalIPs: [192.0.2.7]');
    expect(desiredFromSnapshot(parse(ext), K8S).services).toEqual([]);
    expect(lines(desiredFromSnapshot(parse(ext), { ...K8S, node: 'n2', externalIPs: true }).services)[0])
      .toBe(`tcp:192.0.2.7:80 sh f=${IP_VS_SVC_F_SCHED2} t=0 10.1.0.11:8080/1 10.1.0.12:8080/3`);
  });

  it('skips FQDN slices and endpoints of the other family; a dual-stack Service gets both', () => {
    const dual = `
kind: Service
metadata: { name: dual }
spec: { type: LoadBalancer, ports: [{ port: 53, protocol: UDP }] }
status: { loadBalancer: { ingress: [{ ip: 172.20.1.20 }, { ip: "fd00:172:20::20" }] } }
---
kind: EndpointSlice
metadata: { name: dual-4, labels: { kubernetes.io/service-name: dual } }
addressType: IPv4
ports: [{ port: 5353, protocol: UDP }]
endpoints: [{ addresses: [10.1.0.21] }]
---
kind: EndpointSlice
metadata: { name: dual-6, labels: { kubernetes.io/service-name: dual } }
addressType: IPv6
ports: [{ port: 5353, protocol: UDP }]
endpoints: [{ addresses: ["fd00:10:1::21"] }]
---
kind: EndpointSlice
metadata: { name: dual-fqdn, labels: { kubernetes.io/service-name: dual } }
addressType: FQDN
ports: [{ port: 5353, protocol: UDP }]
endpoints: [{ addresses: [db.example.com] }]
`;
    expect(lines(desiredFromSnapshot(parse(dual), K8S).services)).toEqual([
      'udp:172.20.1.20:53 rr f=0 t=0 10.1.0.21:5353/1',
      'udp:[fd00:172:20::20]:53 rr f=0 t=0 fd00:10:1::21:5353/1',
    ]);
  });

  it('an unknown scheduler falls back to rr and is reported; a key two Services want stays with the first', () => {
    const bad = WEB.replace('"sh:port"', '"fastest"');
    const other = `
kind: Service
metadata: { name: alpha, namespace: shop }
spec: { type: ClusterIP, externalIPs: [172.20.1.10], ports: [{ port: 80 }] }
`;
    const d = desiredFromSnapshot(parse(bad, other), { ...K8S, externalIPs: true });
    expect(lines(d.services)).toEqual([
      'tcp:172.20.1.10:80 rr f=0 t=0',
      'tcp:172.20.1.10:9100 rr f=0 t=0 10.1.0.11:9100/1 10.1.0.12:9100/3',
    ]);
    expect(d.problems).toHaveLength(2);
    expect(d.problems[0]).toMatch(/shop\/web: vipgate.io\/ipvs-scheduler: unknown scheduler "fastest"/);
    expect(d.problems[1]).toBe('shop/web: tcp:172.20.1.10:80 is already shop/alpha\'s; left to it');
  });
});
