/**
 * The coexistence guest's cluster: the test's fake API server (test/integration/agent/fake-apiserver.ts) in
 * the VM, holding Nodes n1 and n2 and three LoadBalancer Services of namespace shop with their
 * EndpointSlices, and kube-proxy played by ./kube-proxy-rules.ts: syncKubeProxy() writes the iptables rules
 * kube-proxy would write for the Services' current status (iptables-restore through iptables-nft), as
 * kube-proxy's iptables mode does on each change.
 */
import { writeFileSync } from 'node:fs';
import { FakeApiServer } from '../../agent/fake-apiserver.js';
import { kubeProxyRestore, type KpService } from './kube-proxy-rules.js';
import { sh } from './util.js';

export const POD1 = '10.42.1.11';
export const POD2 = '10.42.2.12';
export const CLUSTER_CIDR = '10.42.0.0/16';

export interface ServiceDef {
  readonly name: string;
  readonly ip: string;
  readonly clusterIP: string;
  readonly policy: 'Cluster' | 'Local';
  readonly sourceRanges?: readonly string[];
  /** [address, node] */
  readonly endpoints: readonly (readonly [string, string])[];
}

export const SERVICES: readonly ServiceDef[] = [
  { name: 'web', ip: '172.20.1.10', clusterIP: '10.43.0.10', policy: 'Cluster', endpoints: [[POD1, 'n1'], [POD2, 'n2']] },
  { name: 'local', ip: '172.20.1.11', clusterIP: '10.43.0.11', policy: 'Local', endpoints: [[POD1, 'n1'], [POD2, 'n2']] },
  { name: 'ranged', ip: '172.20.1.12', clusterIP: '10.43.0.12', policy: 'Cluster', sourceRanges: ['10.0.0.0/29'], endpoints: [[POD1, 'n1']] },
];

type Ingress = { ip: string; ipMode?: string };

export class Cluster {
  readonly api = new FakeApiServer();
  private live = new Set<string>();

  async start(kubeconfig: string): Promise<void> {
    await this.api.start();
    writeFileSync(kubeconfig, `apiVersion: v1
kind: Config
clusters: [{ name: fake, cluster: { server: "${this.api.url}", insecure-skip-tls-verify: true } }]
users: [{ name: agent, user: {} }]
contexts: [{ name: fake, context: { cluster: fake, user: agent } }]
current-context: fake
`);
    for (const n of ['n1', 'n2']) {
      this.api.put('nodes', { metadata: { name: n }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
    }
    for (const s of SERVICES) this.add(s);
  }

  add(s: ServiceDef): void {
    this.live.add(s.name);
    this.api.put('services', {
      metadata: { name: s.name, namespace: 'shop', annotations: { 'metallb.universe.tf/loadBalancerIPs': s.ip } },
      spec: {
        type: 'LoadBalancer', clusterIP: s.clusterIP, externalTrafficPolicy: s.policy, selector: { app: s.name },
        ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
        ...(s.sourceRanges ? { loadBalancerSourceRanges: s.sourceRanges } : {}),
      },
      status: { loadBalancer: {} },
    });
    this.api.put('endpointslices', {
      metadata: { name: `${s.name}-1`, namespace: 'shop', labels: { 'kubernetes.io/service-name': s.name } },
      addressType: 'IPv4', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: s.endpoints.map(([a, n]) => ({ addresses: [a], nodeName: n, conditions: { ready: true } })),
    });
  }

  remove(name: string): void {
    this.live.delete(name);
    this.api.remove('services', 'shop', name);
    this.api.remove('endpointslices', 'shop', `${name}-1`);
  }

  /** Node n1 is being deleted (metadata.deletionTimestamp). */
  deleteNode(name: string): void {
    const n = this.api.get('nodes', undefined, name)!;
    this.api.put('nodes', { ...n, metadata: { ...n.metadata, deletionTimestamp: '2026-12-08T00:00:00Z' } });
  }

  /** status.loadBalancer.ingress of a Service. */
  ingress(name: string): Ingress[] {
    const s = this.api.get('services', 'shop', name) as { status?: { loadBalancer?: { ingress?: Ingress[] } } } | undefined;
    return s?.status?.loadBalancer?.ingress ?? [];
  }

  /** Every live Service has its IP with this ipMode. */
  allModes(mode: string): boolean {
    return [...this.live].every((n) => { const i = this.ingress(n); return i.length > 0 && i.every((x) => x.ipMode === mode); });
  }

  /** kube-proxy (iptables mode) on n1 for the Services as they are now; returns what it wrote. */
  syncKubeProxy(): string {
    const services: KpService[] = SERVICES.filter((s) => this.live.has(s.name)).map((s) => ({
      namespace: 'shop', name: s.name, portName: 'http', protocol: 'tcp', port: 80, clusterIP: s.clusterIP, ingress: this.ingress(s.name),
      policy: s.policy, ...(s.sourceRanges ? { sourceRanges: s.sourceRanges } : {}),
      endpoints: s.endpoints.map(([address, node]) => ({ address, port: 8080, local: node === 'n1' })),
    }));
    const text = kubeProxyRestore(services, CLUSTER_CIDR);
    writeFileSync('/tmp/kube-proxy.rules', text);
    sh('iptables-restore', ['/tmp/kube-proxy.rules']);
    return text;
  }

  async stop(): Promise<void> { await this.api.stop(); }
}
