/**
 * The seed's study lab as data: a router (k8s-rtr) between the node segment 192.168.10.0/24 and the client
 * segment 192.168.20.0/24, a control-plane node and two workers, a client (k8s-pc), three LoadBalancer
 * Service IPs from the pool 172.20.1.0/24, and the seed's ASNs (router 64513, nodes 64512).
 */
export const LAB_PREFIX = 'vipgate-lab-';
export const LAB_DIR = '/run/vipgate-lab';

export interface LabNode { readonly name: string; readonly ns: string; readonly address: string }

export const LAB = {
  router: { ns: `${LAB_PREFIX}rtr`, lan: '192.168.10.254', client: '192.168.20.254', asn: 64513 },
  client: { ns: `${LAB_PREFIX}pc`, address: '192.168.20.100' },
  hub: `${LAB_PREFIX}lan`,
  nodeAsn: 64512,
  upstreamAsn: 65000,
  nodes: [
    { name: 'k8s-m', ns: `${LAB_PREFIX}k8s-m`, address: '192.168.10.10' },
    { name: 'k8s-w1', ns: `${LAB_PREFIX}k8s-w1`, address: '192.168.10.101' },
    { name: 'k8s-w2', ns: `${LAB_PREFIX}k8s-w2`, address: '192.168.10.102' },
  ] as readonly LabNode[],
  pool: '172.20.1.0/24',
  vips: ['172.20.1.1', '172.20.1.2', '172.20.1.3'],
  /** The address of the seed's ExternalIP Service (spec.externalIPs on a ClusterIP Service). */
  externalIp: '172.20.1.100',
} as const;

export const ROUTER_SOCKET = `${LAB_DIR}/router.sock`;
export const UPSTREAM_SOCKET = `${LAB_DIR}/upstream-bird.ctl`;

/** BIRD 2 as the client side's router: learns what vipgate exports and installs it. */
export function upstreamBirdConfig(): string {
  return `# vipgate lab: the client side's router (BIRD 2, AS ${LAB.upstreamAsn})
router id ${LAB.client.address};
protocol device { scan time 10; }
protocol kernel { ipv4 { export all; }; }
protocol bgp vipgate {
  local ${LAB.client.address} as ${LAB.upstreamAsn};
  neighbor ${LAB.router.client} as ${LAB.router.asn};
  hold time 9; connect retry time 1; connect delay time 1; graceful restart off;
  ipv4 { import all; export none; };
}
`;
}

export function routerConfig(): string {
  return `# vipgate lab: the seed's k8s-rtr (router bgp 64513, maximum-paths 4, network 10.1.1.0/24)
asn: ${LAB.router.asn}
routerId: ${LAB.router.lan}
maximumPaths: 4
networks: [10.1.1.0/24]
aggregates: [{ prefix: ${LAB.pool}, summaryOnly: true }]   # the seed's summarised range towards the client side
neighbors:
  - { range: 192.168.10.0/24, remoteAs: ${LAB.nodeAsn}, group: nodes }
  # the client side's router (vipgate lab upstream starts BIRD there)
  - { address: ${LAB.client.address}, remoteAs: ${LAB.upstreamAsn}, passive: true, import: none, export: all, holdTime: 9 }
groups:
  nodes: { import: { prefixes: ["${LAB.pool} le 32"] }, maxPrefix: 1000, holdTime: 9 }
fib: { startupHold: 0 }
`;
}

/** Every node's agent: the seed's MetalLB setup (my-asn 64512, peer 192.168.10.254 asn 64513, pool 172.20.1.0/24). */
export function agentConfig(): string {
  return `# vipgate lab: the agent on every node (MetalLB BGP mode, done by vipgate)
asn: ${LAB.nodeAsn}
peers:
  - { address: ${LAB.router.lan}, asn: ${LAB.router.asn}, holdTime: 9, connectRetry: 1 }
pools:
  - { name: default, addresses: [${LAB.pool}], avoidBuggyIPs: true }
externalIPs: { enabled: true }
`;
}

export interface LabService {
  readonly name: string;
  readonly ip: string;
  readonly policy: 'Cluster' | 'Local';
  /** Ready pods per node name (EndpointSlice endpoints). */
  readonly pods: Readonly<Record<string, number>>;
  /** spec.externalIPs instead of a LoadBalancer IP (a ClusterIP Service). */
  readonly externalIP?: boolean;
}

/** The seed's three LoadBalancer Services, a pod on every node. */
export const SEED_SERVICES: readonly LabService[] = LAB.vips.map((ip, i) => ({
  name: `svc${i + 1}`, ip, policy: 'Cluster' as const, pods: Object.fromEntries(LAB.nodes.map((n) => [n.name, 1])),
}));

/** The cluster as the file source reads it: Nodes, Services, EndpointSlices. */
export function clusterManifests(services: readonly LabService[]): string {
  const docs = LAB.nodes.map((n) => `apiVersion: v1\nkind: Node\nmetadata: { name: ${n.name} }\nstatus: { conditions: [{ type: Ready, status: "True" }], addresses: [{ type: InternalIP, address: ${n.address} }] }`);
  for (const s of services) {
    const spec = s.externalIP
      ? `{ type: ClusterIP, externalIPs: [${s.ip}], ports: [{ port: 80, protocol: TCP }] }`
      : `{ type: LoadBalancer, loadBalancerIP: ${s.ip}, externalTrafficPolicy: ${s.policy}, ports: [{ port: 80, protocol: TCP }] }`;
    docs.push(`apiVersion: v1\nkind: Service\nmetadata: { name: ${s.name}, namespace: default }\nspec: ${spec}`);
    const endpoints = Object.entries(s.pods).flatMap(([node, k]) => Array.from({ length: k }, (_, j) =>
      `  - { addresses: ["10.42.${LAB.nodes.findIndex((n) => n.name === node)}.${j + 10}"], conditions: { ready: true }, nodeName: ${node} }`));
    docs.push(`apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: { name: ${s.name}-1, namespace: default, labels: { kubernetes.io/service-name: ${s.name} } }\naddressType: IPv4\nendpoints:${endpoints.length ? `\n${endpoints.join('\n')}` : ' []'}`);
  }
  return `${docs.join('\n---\n')}\n`;
}
