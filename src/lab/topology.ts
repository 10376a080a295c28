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

/** A node's speaker: announces the Service IPs it serves, with next hop itself. */
export function nodeSpeakerConfig(node: LabNode, vips: readonly string[]): string {
  return `# vipgate lab: BGP speaker of ${node.name}
asn: ${LAB.nodeAsn}
routerId: ${node.address}
listen: { enabled: false }
networks: [${vips.map((v) => `"${v}/32"`).join(', ')}]
neighbors:
  - { address: ${LAB.router.lan}, remoteAs: ${LAB.router.asn}, export: all, import: none, holdTime: 9, connectRetry: 1 }
`;
}
