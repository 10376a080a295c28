/**
 * The seed's study lab as data: a router (k8s-rtr) between the node segment 192.168.10.0/24 and the client
 * segment 192.168.20.0/24, a control-plane node and two workers, a client (k8s-pc), three LoadBalancer
 * Service IPs from the pool 172.20.1.0/24, and the seed's ASNs (router 64513, nodes 64512); dual stack, with
 * ULA networks beside them (fd00:10::/64, fd00:20::/64) and an IPv6 pool for `vipgate lab ipv6`.
 */
export const LAB_PREFIX = 'vipgate-lab-';
export const LAB_DIR = '/run/vipgate-lab';

export interface LabNode { readonly name: string; readonly ns: string; readonly address: string; readonly address6: string }

export const LAB = {
  router: { ns: `${LAB_PREFIX}rtr`, lan: '192.168.10.254', client: '192.168.20.254', lan6: 'fd00:10::254', client6: 'fd00:20::254', asn: 64513 },
  client: { ns: `${LAB_PREFIX}pc`, address: '192.168.20.100', address6: 'fd00:20::100' },
  hub: `${LAB_PREFIX}lan`,
  nodeAsn: 64512,
  upstreamAsn: 65000,
  nodes: [
    { name: 'k8s-m', ns: `${LAB_PREFIX}k8s-m`, address: '192.168.10.10', address6: 'fd00:10::10' },
    { name: 'k8s-w1', ns: `${LAB_PREFIX}k8s-w1`, address: '192.168.10.101', address6: 'fd00:10::101' },
    { name: 'k8s-w2', ns: `${LAB_PREFIX}k8s-w2`, address: '192.168.10.102', address6: 'fd00:10::102' },
  ] as readonly LabNode[],
  pool: '172.20.1.0/24',
  vips: ['172.20.1.1', '172.20.1.2', '172.20.1.3'],
  /** Dual stack: ULA networks beside the seed's IPv4 (nodes fd00:10::/64, client fd00:20::/64) and an IPv6 pool. */
  pool6: 'fd00:172:20:1::/120',
  vip6: 'fd00:172:20:1::1',
  /** The address of the seed's ExternalIP Service (spec.externalIPs on a ClusterIP Service). */
  externalIp: '172.20.1.100',
} as const;

export const ROUTER_SOCKET = `${LAB_DIR}/router.sock`;
export const UPSTREAM_SOCKET = `${LAB_DIR}/upstream-bird.ctl`;
/** The router's web page on the host's loopback (a forwarder in the root namespace, see forward.ts). */
export const WEB_PORT = 8179;
export const WEB_URL = `http://127.0.0.1:${WEB_PORT}/`;
/** The lab's MQTT broker (mosquitto in the router's namespace) and the router's telemetry site. */
export const MQTT_URL = `mqtt://${LAB.router.lan}:1883`;
export const TELEMETRY_SITE = 'lab';

/**
 * `vipgate lab ha`: a second vipgate router on the node segment, both routers with an uplink to a transit
 * segment where the upstream router (BIRD) learns the Service IPs from both and spreads traffic over them
 * (ECMP), with BFD on the uplinks; an outside client behind the upstream router.
 */
export const HA = {
  router2: { name: 'k8s-rtr2', ns: `${LAB_PREFIX}rtr2`, lan: '192.168.10.253', uplink: '192.168.30.253', socket: `${LAB_DIR}/router2.sock` },
  router1Uplink: '192.168.30.254',
  transit: '192.168.30.0/24',
  upstream: { ns: `${LAB_PREFIX}up`, transit: '192.168.30.1', outside: '192.168.40.1', socket: `${LAB_DIR}/ha-bird.ctl` },
  outside: { ns: `${LAB_PREFIX}ext`, address: '192.168.40.100', net: '192.168.40.0/24' },
  /** The nodes' default gateway: a VRRP address of the two routers (keepalived), k8s-rtr the master. */
  gateway: '192.168.10.1',
} as const;

export interface LabBfd { readonly minRx: number; readonly minTx: number; readonly multiplier: number }
/** BFD on the lab's sessions: 100 ms x 3, so a silent peer is declared down after about 300 ms. */
export const LAB_BFD: LabBfd = { minRx: 100, minTx: 100, multiplier: 3 };
const bfdYaml = (b: LabBfd): string => `{ enabled: true, minRx: ${b.minRx}, minTx: ${b.minTx}, multiplier: ${b.multiplier} }`;

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

/** BIRD 2 upstream of two vipgate routers: eBGP with each, BFD, both paths merged into one ECMP route. */
export function haBirdConfig(): string {
  const { upstream, router2 } = HA;
  return `# vipgate lab ha: the upstream router (BIRD 2, AS ${LAB.upstreamAsn}) in front of two vipgate routers
router id ${upstream.transit};
log stderr all;
timeformat log iso long ms;
debug protocols { states };
protocol device { scan time 10; }
protocol kernel { merge paths on; ipv4 { export all; }; }
protocol bfd { interface "tr0" { min rx interval ${LAB_BFD.minRx} ms; min tx interval ${LAB_BFD.minTx} ms; multiplier ${LAB_BFD.multiplier}; }; }
template bgp vipgate {
  local ${upstream.transit} as ${LAB.upstreamAsn};
  hold time 9; connect retry time 1; connect delay time 1; error wait time 1, 5; graceful restart off; bfd on;
  ipv4 { import all; export none; };
}
protocol bgp rtr1 from vipgate { neighbor ${HA.router1Uplink} as ${LAB.router.asn}; }
protocol bgp rtr2 from vipgate { neighbor ${router2.uplink} as ${LAB.router.asn}; }
`;
}

export interface RouterRole {
  readonly name: string;
  readonly lan: string;
  /** Peers with the client side's BIRD on the client segment (vipgate lab upstream). */
  readonly client?: boolean;
  /** Peers with the HA upstream router over the transit segment, with BFD. */
  readonly ha?: boolean;
  /** Serves the web page (127.0.0.1:8080 in its namespace). */
  readonly web?: boolean;
  /** fib.resilient: false, plain hash-threshold groups (vipgate lab flows compares them with resilient ones). */
  readonly hashThreshold?: boolean;
  /** Health checks of every Service IP through each node (vipgate lab health). */
  readonly healthChecks?: boolean;
}

/** vipgate lab health's checks: port 80 of every Service IP through each node, every 0.5 s, out after 2 failures. */
export const LAB_HEALTH = { interval: 0.5, timeoutMs: 400, fails: 2, passes: 2 } as const;

export const ROUTER1: RouterRole = { name: 'k8s-rtr', lan: LAB.router.lan, client: true, web: true };

export function routerConfig(r: RouterRole = ROUTER1): string {
  const neighbors = [`  - { range: 192.168.10.0/24, remoteAs: ${LAB.nodeAsn}, group: nodes }`];
  if (r.client) neighbors.push(`  # the client side's router (vipgate lab upstream starts BIRD there)
  - { address: ${LAB.client.address}, remoteAs: ${LAB.upstreamAsn}, passive: true, import: none, export: all, holdTime: 9 }`);
  if (r.ha) neighbors.push(`  # the upstream router in front of both vipgate routers (vipgate lab ha)
  - { address: ${HA.upstream.transit}, remoteAs: ${LAB.upstreamAsn}, passive: true, import: none, export: all, holdTime: 9, bfd: ${bfdYaml(LAB_BFD)} }`);
  return `# vipgate lab: ${r.name} (the seed's k8s-rtr: router bgp 64513, maximum-paths 4, network 10.1.1.0/24)
asn: ${LAB.router.asn}
routerId: ${r.lan}
maximumPaths: 4
networks: [10.1.1.0/24]
aggregates: [{ prefix: ${LAB.pool}, summaryOnly: true }]   # the seed's summarised range towards the client side
neighbors:
${neighbors.join('\n')}
groups:
  nodes: { families: [ipv4, ipv6], import: { prefixes: ["${LAB.pool} le 32", "${LAB.pool6} le 128"] }, maxPrefix: 1000, holdTime: 9, bfd: ${bfdYaml(LAB_BFD)} }
# resilient nexthop groups (the default), with a 1 s idle timer so that a node the scenarios bring back gets
# its share within a second (the default 120 s waits for flows to go quiet first)
fib: { startupHold: 0, resilient: ${r.hashThreshold ? 'false' : '{ idleTimer: 1 }'} }
${r.healthChecks ? `healthChecks: [{ prefixes: ["${LAB.pool} le 32", "${LAB.pool6} le 128"], port: 80, interval: ${LAB_HEALTH.interval}, timeoutMs: ${LAB_HEALTH.timeoutMs}, fails: ${LAB_HEALTH.fails}, passes: ${LAB_HEALTH.passes} }]
` : ''}# as the box: Home Assistant discovery on the broker (homeassistant/...), the history for the page's charts
telemetry: { url: "${MQTT_URL}", site: ${TELEMETRY_SITE}, host: ${r.name} }
store: { path: ${LAB_DIR}/${r.name}-history.db, sampleSeconds: 5 }
${r.web ? `web: { address: 127.0.0.1, port: 8080, publicUrl: "${WEB_URL}" }\n` : ''}`;
}

/** Every node's agent: the seed's MetalLB setup (my-asn 64512, peer 192.168.10.254 asn 64513, pool 172.20.1.0/24), with BFD. */
export function agentConfig(routers: readonly string[] = [LAB.router.lan]): string {
  return `# vipgate lab: the agent on every node (MetalLB BGP mode, done by vipgate)
asn: ${LAB.nodeAsn}
peers:
${routers.map((a) => `  - { address: ${a}, asn: ${LAB.router.asn}, holdTime: 9, connectRetry: 1, bfd: ${bfdYaml(LAB_BFD)} }`).join('\n')}
pools:
  - { name: default, addresses: [${LAB.pool}], avoidBuggyIPs: true }
  - { name: ula, addresses: ["${LAB.pool6}"] }
externalIPs: { enabled: true }
telemetry: { url: "${MQTT_URL}", site: ${TELEMETRY_SITE} }
`;
}

/**
 * keepalived (VRRPv3, RFC 5798) on a router's node-side interface: the nodes' gateway address moves to the
 * other router when this one's adverts (every 100 ms) stop; the higher priority is master and takes it back.
 */
export function keepalivedConfig(priority: number): string {
  return `# vipgate lab ha: the nodes' gateway ${HA.gateway} shared by both routers
global_defs { vrrp_version 3 }
vrrp_instance gateway {
  interface lan0
  state BACKUP
  virtual_router_id 10
  priority ${priority}
  advert_int 0.1
  virtual_ipaddress { ${HA.gateway}/24 }
}
`;
}

/** mosquitto in the router's namespace: the broker the routers' telemetry publishes to. */
export function mosquittoConfig(): string {
  return `# vipgate lab: the MQTT broker for the routers' telemetry
listener 1883 0.0.0.0
allow_anonymous true
persistence false
log_dest stdout
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

/** The IPv6 Service of `vipgate lab ipv6`: a single-stack IPv6 LoadBalancer from the ULA pool, a pod on every node. */
export const IPV6_SERVICE: LabService = { name: 'svc6', ip: LAB.vip6, policy: 'Cluster', pods: Object.fromEntries(LAB.nodes.map((n) => [n.name, 1])) };

/** The seed's three LoadBalancer Services, a pod on every node. */
export const SEED_SERVICES: readonly LabService[] = LAB.vips.map((ip, i) => ({
  name: `svc${i + 1}`, ip, policy: 'Cluster' as const, pods: Object.fromEntries(LAB.nodes.map((n) => [n.name, 1])),
}));

/** The cluster as the file source reads it: Nodes, Services, EndpointSlices. */
export function clusterManifests(services: readonly LabService[]): string {
  const docs = LAB.nodes.map((n) => `apiVersion: v1\nkind: Node\nmetadata: { name: ${n.name} }\nstatus: { conditions: [{ type: Ready, status: "True" }], addresses: [{ type: InternalIP, address: ${n.address} }] }`);
  for (const s of services) {
    const six = s.ip.includes(':');
    const families = six ? 'ipFamilies: [IPv6], ipFamilyPolicy: SingleStack, ' : '';
    const spec = s.externalIP
      ? `{ type: ClusterIP, externalIPs: [${s.ip}], ports: [{ port: 80, protocol: TCP }] }`
      : `{ type: LoadBalancer, ${families}loadBalancerIP: "${s.ip}", externalTrafficPolicy: ${s.policy}, ports: [{ port: 80, protocol: TCP }] }`;
    docs.push(`apiVersion: v1\nkind: Service\nmetadata: { name: ${s.name}, namespace: default }\nspec: ${spec}`);
    const pod = (node: string, j: number): string => {
      const i = LAB.nodes.findIndex((n) => n.name === node);
      return six ? `fd00:42:${i}::${j + 10}` : `10.42.${i}.${j + 10}`;
    };
    const endpoints = Object.entries(s.pods).flatMap(([node, k]) => Array.from({ length: k }, (_, j) =>
      `  - { addresses: ["${pod(node, j)}"], conditions: { ready: true }, nodeName: ${node} }`));
    docs.push(`apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: { name: ${s.name}-1, namespace: default, labels: { kubernetes.io/service-name: ${s.name} } }\naddressType: ${six ? 'IPv6' : 'IPv4'}\nendpoints:${endpoints.length ? `\n${endpoints.join('\n')}` : ' []'}`);
  }
  return `${docs.join('\n---\n')}\n`;
}
