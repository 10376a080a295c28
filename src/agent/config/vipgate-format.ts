/**
 * vipgate's own compact agent format (YAML). Unknown fields are errors, so a typo cannot silently do
 * nothing. Example:
 *
 *   asn: 64512
 *   peers: [{ address: 192.168.10.254, asn: 64513, bfd: { minRx: 100, minTx: 100, multiplier: 3 } }]
 *   pools: [{ name: default, addresses: [172.20.1.0/24, "fd00:172:20::/120"], avoidBuggyIPs: true }]
 *   advertisements: [{ pools: [default], communities: ["64512:100"], localPref: 200 }]
 *   externalIPs: { enabled: true }
 *   linkBandwidth: { mbpsPerEndpoint: 1000 }
 *   gracefulShutdown: { drainSeconds: 5 }          # RFC 8326 drain on a stop (at most 25 s)
 *   gracefulRestart: { enabled: true, restartTime: 120, stateDir: /run/vipgate }   # RFC 4724
 *   shutdown: auto                                  # or graceful-shutdown / graceful-restart
 *   metrics: { port: 7473 }                         # Prometheus /metrics on 0.0.0.0:7473
 */
import { z } from 'zod';
import type { ConfigIssue } from '../../config/error.js';
import { asNumber, community, ipAddress, ipv4Address, largeCommunity } from '../../config/values.js';
import { bfdSettings, mqttConnection } from '../../config/schema.js';
import { peerBfd } from './bfd.js';
import { featureOn, inertSettings, type FeatureBlock } from '../../config/features.js';
import { DEFAULT_INTERFACE, DEFAULT_PROC_SYS, DEFAULT_RESYNC_SECONDS, DEFAULT_STATE_FILE } from '../ipvs/defaults.js';
import type { MetallbPart } from './metallb-crds.js';
import { serviceAllocationSpec } from './metallb-crds.js';
import { type AgentConfig, DEFAULTS, MAX_DRAIN_SECONDS, multihopTtl } from './model.js';
import { addressRange, holdSeconds, labelSelector } from './values.js';

const peer = z.strictObject({
  name: z.string().min(1).optional(),
  address: ipAddress,
  /** The router's AS, or "internal" / "external": any AS equal to / different from ours (MetalLB's dynamicASN). */
  asn: z.union([asNumber, z.enum(['internal', 'external'])], { error: 'must be an AS number 1..4294967295, "internal" or "external"' }),
  /** Our AS on this session, when not the top-level `asn`. */
  myAsn: asNumber.optional(),
  port: z.number().int().min(1).max(65535).default(DEFAULTS.port),
  holdTime: holdSeconds.default(DEFAULTS.holdTime),
  keepalive: z.number().int().min(0).max(21845).optional(),
  connectRetry: z.number().int().min(1).max(65535).default(DEFAULTS.connectRetry),
  /** TCP MD5 (RFC 2385); Linux takes at most 80 bytes. */
  password: z.string().min(1).max(80).optional(),
  /** eBGP to a router that is not directly connected: true (TTL 255, as MetalLB) or the hop count. */
  ebgpMultihop: z.union([z.boolean(), z.number().int().min(1).max(255)], { error: 'must be true, false or a hop count 1..255' }).optional(),
  sourceAddress: ipAddress.optional(),
  nodeSelectors: z.array(labelSelector).default([]),
  /** RFC 5880/5881 with this router, as the router's neighbor `bfd`; present: on, 300 ms x 3 by default. */
  bfd: bfdSettings.optional(),
});

const pool = z.strictObject({
  name: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: 'must be a DNS-1123 name (lower case letters, digits, - and .)' }),
  addresses: z.array(addressRange).min(1),
  avoidBuggyIPs: z.boolean().default(false),
  autoAssign: z.boolean().default(true),
  /** As MetalLB's IPAddressPool serviceAllocation: only these namespaces and Services, by priority. */
  serviceAllocation: serviceAllocationSpec.optional(),
});

const attributes = {
  communities: z.array(community).default([]),
  largeCommunities: z.array(largeCommunity).default([]),
  localPref: z.number().int().min(0).max(0xffffffff).optional(),
};

const advertisement = z.strictObject({
  /** Omitted: every pool. */
  pools: z.array(z.string()).optional(),
  aggregationLength: z.number().int().min(0).max(32).default(32),
  aggregationLengthV6: z.number().int().min(0).max(128).default(128),
  ...attributes,
  peers: z.array(z.string()).default([]),
  nodeSelectors: z.array(labelSelector).default([]),
  /** Only Services whose labels match one of these (as MetalLB's BGPAdvertisement serviceSelectors). */
  serviceSelectors: z.array(labelSelector).optional(),
});

export const vipgateAgentSchema = z.strictObject({
  asn: asNumber,
  routerId: ipv4Address.optional(),
  peers: z.array(peer).min(1),
  pools: z.array(pool).default([]),
  /** Omitted: every pool is announced to every peer from every node with plain /32 and /128 routes. */
  advertisements: z.array(advertisement).optional(),
  externalIPs: z.strictObject({ enabled: z.boolean().default(false), ...attributes }).prefault({}),
  linkBandwidth: z.strictObject({
    enabled: z.boolean().default(DEFAULTS.linkBandwidth.enabled),
    mbpsPerEndpoint: z.number().positive().max(1e6).default(DEFAULTS.linkBandwidth.mbpsPerEndpoint),
  }).prefault({}),
  leaderElection: z.strictObject({
    namespace: z.string().min(1).default(DEFAULTS.leaderElection.namespace),
    name: z.string().min(1).default(DEFAULTS.leaderElection.name),
    durationSeconds: z.number().int().min(5).max(300).default(DEFAULTS.leaderElection.durationSeconds),
  }).prefault({}),
  loadBalancerClass: z.string().min(1).optional(),
  gracefulShutdown: z.strictObject({
    drainSeconds: z.number().int().min(0).max(MAX_DRAIN_SECONDS).default(DEFAULTS.gracefulShutdown.drainSeconds),
  }).prefault({}),
  gracefulRestart: z.strictObject({
    enabled: z.boolean().default(DEFAULTS.gracefulRestart.enabled),
    /** RFC 4724 3: 12 bits of seconds. */
    restartTime: z.number().int().min(1).max(4095).default(DEFAULTS.gracefulRestart.restartTime),
    stateDir: z.string().min(1).default(DEFAULTS.gracefulRestart.stateDir),
  }).prefault({}),
  shutdown: z.enum(['graceful-shutdown', 'graceful-restart', 'auto']).default(DEFAULTS.shutdown),
  /** externalTrafficPolicy Cluster Services without any ready endpoint: announced anyway (MetalLB before 0.13) or withdrawn. */
  announceClusterWithoutEndpoints: z.boolean().default(DEFAULTS.announceClusterWithoutEndpoints),
  /**
   * State written into Kubernetes with the Kubernetes source (src/agent/k8s/state-writer.ts): Events on
   * Services, the ip-allocated-from-pool annotation, ServiceBGPStatus and ConfigurationState objects (in
   * `namespace`: default the --metallb-namespace, else leaderElection.namespace), at most `writesPerSecond`
   * writes a second after a `burst`.
   */
  kubernetesState: z.strictObject({
    enabled: z.boolean().default(DEFAULTS.kubernetesState.enabled),
    namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: 'must be a namespace name (lower case letters, digits and -)' }).optional(),
    writesPerSecond: z.number().positive().max(1000).default(DEFAULTS.kubernetesState.writesPerSecond),
    burst: z.number().int().min(1).max(10_000).default(DEFAULTS.kubernetesState.burst),
  }).prefault({}),
  /** IPVS programming on the node (src/agent/ipvs): off by default, kube-proxy's job unless asked. */
  ipvs: z.strictObject({
    enabled: z.boolean().default(false),
    /** A Linux interface name: at most 15 characters. */
    interface: z.string().regex(/^[A-Za-z0-9_.-]{1,15}$/, { error: 'must be an interface name (1..15 of letters, digits, _ . -)' }).default(DEFAULT_INTERFACE),
    /** arp_ignore=1 / arp_announce=2 so the node answers ARP only for its own addresses (kube-proxy --ipvs-strict-arp). */
    strictArp: z.boolean().default(true),
    /** The record of what the agent changed (only that is ever undone): a host path that outlives the pod. */
    stateFile: z.string().regex(/^\//, { error: 'must be an absolute path' }).default(DEFAULT_STATE_FILE),
    /** Where the node's /proc/sys is: a host mount when the container's own is read-only. */
    procSys: z.string().regex(/^\//, { error: 'must be an absolute path' }).default(DEFAULT_PROC_SYS),
    /** Reconcile IPVS and the nft table again this often even without a change (kube-proxy's sync period). */
    resyncSeconds: z.number().int().min(1).max(3600).default(DEFAULT_RESYNC_SECONDS),
  }).prefault({}),
  /** Prometheus metrics at http://address:port/metrics (src/agent/metrics.ts); absent: off (and not loaded). */
  metrics: z.strictObject({
    address: ipAddress.default(DEFAULTS.metrics.address),
    port: z.number().int().min(1).max(65535).default(DEFAULTS.metrics.port),
  }).optional(),
  /** MQTT telemetry (src/telemetry/agent-publisher.ts): topics vipgate/<site>/<node>/...; absent: off. */
  telemetry: z.strictObject({
    ...mqttConnection,
    /** How often the agent's state is compared with what was published. */
    intervalMs: z.number().int().min(100).max(60_000).default(1000),
    /**
     * The password in a file, `{node}` replaced by the node's name: one key per node of a mounted Secret, for
     * the box's per-node MQTT users (firmware/etc/mosquitto/vipgate.acl). The user is then the node's name
     * unless `username` is set.
     */
    passwordFile: z.string().min(1).optional(),
  }).optional(),
});

/**
 * The settings of vipgate's format that MetalLB's objects do not carry: with `--metallb-namespace`, an
 * optional `--config` file holds only these (the same keys, the same defaults).
 */
export const vipgateSettingsSchema = vipgateAgentSchema.omit({ asn: true, routerId: true, peers: true, pools: true, advertisements: true });

export type AgentSettings = Pick<AgentConfig, 'externalIPs' | 'linkBandwidth' | 'leaderElection' | 'loadBalancerClass' | 'gracefulShutdown' | 'gracefulRestart' | 'shutdown' | 'announceClusterWithoutEndpoints' | 'kubernetesState' | 'ipvs' | 'telemetry' | 'metrics' | 'warnings'>;

export function settingsOf(c: z.output<typeof vipgateSettingsSchema>): AgentSettings {
  return {
    externalIPs: c.externalIPs,
    linkBandwidth: c.linkBandwidth,
    leaderElection: c.leaderElection,
    ...(c.loadBalancerClass ? { loadBalancerClass: c.loadBalancerClass } : {}),
    gracefulShutdown: c.gracefulShutdown,
    gracefulRestart: c.gracefulRestart,
    shutdown: c.shutdown,
    announceClusterWithoutEndpoints: c.announceClusterWithoutEndpoints,
    kubernetesState: c.kubernetesState,
    ipvs: c.ipvs,
    ...(c.telemetry ? { telemetry: c.telemetry } : {}),
    ...(c.metrics ? { metrics: c.metrics } : {}),
    warnings: [],
  };
}

/** MetalLB's objects (or ConfigMap) with vipgate's settings (the defaults when no settings file is given). */
export function withSettings(part: MetallbPart, format: AgentConfig['format'], warnings: readonly string[], settings = settingsOf(vipgateSettingsSchema.parse({}))): AgentConfig {
  return { format, ...part, ...settings, warnings };
}

const block = (v: unknown): FeatureBlock | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as FeatureBlock : undefined);

/**
 * Settings written (in the document as given, before defaults) that do nothing because their feature is
 * off, as warnings "path: ...". A peer's `bfd` turns BFD on unless it says `enabled: false` (features.ts);
 * gracefulRestart and linkBandwidth are on unless `enabled: false`; ipvs and externalIPs change what the
 * node does (IPVS taken over from kube-proxy, more addresses announced), so they stay off unless
 * `enabled: true`.
 */
export function inertAgentSettings(doc: unknown): ConfigIssue[] {
  const d = block(doc) ?? {};
  // ipvs.stateFile, procSys and interface also tell an agent with IPVS off what an earlier run left to undo
  const ipvs = block(d['ipvs']);
  const { stateFile: _state, procSys: _proc, interface: _if, ...ipvsRunning } = ipvs ?? {};
  const explicit = (b: FeatureBlock | undefined, fallback: boolean) => b?.enabled ?? fallback;
  const found = [
    ...(Array.isArray(d['peers']) ? d['peers'] : []).map((p, i) => {
      const bfd = block(block(p)?.['bfd']);
      return inertSettings(`peers[${i}].bfd`, 'BFD', bfd, featureOn([bfd]));
    }),
    inertSettings('gracefulRestart', 'graceful restart', block(d['gracefulRestart']), explicit(block(d['gracefulRestart']), DEFAULTS.gracefulRestart.enabled)),
    inertSettings('linkBandwidth', 'link bandwidth', block(d['linkBandwidth']), explicit(block(d['linkBandwidth']), DEFAULTS.linkBandwidth.enabled)),
    inertSettings('ipvs', 'IPVS', ipvs ? ipvsRunning : undefined, explicit(ipvs, false), 'it needs enabled: true'),
    inertSettings('externalIPs', 'announcing spec.externalIPs', block(d['externalIPs']), explicit(block(d['externalIPs']), false), 'it needs enabled: true'),
  ];
  return found.filter((w): w is ConfigIssue => w !== undefined);
}

export function fromVipgateFormat(c: z.output<typeof vipgateAgentSchema>): AgentConfig {
  const defaultAdvertisement: NonNullable<typeof c.advertisements>[number] = { aggregationLength: 32, aggregationLengthV6: 128, communities: [], largeCommunities: [], peers: [], nodeSelectors: [] };
  return {
    format: 'vipgate',
    ...(c.routerId ? { routerId: c.routerId } : {}),
    pools: c.pools.map(({ addresses, serviceAllocation, ...p }, i) => ({ origin: `pools[${i}]`, ...p, ranges: addresses, ...(serviceAllocation ? { allocation: serviceAllocation } : {}) })),
    peers: c.peers.map(({ asn, myAsn, name, bfd, ebgpMultihop, ...p }, i) => {
      const hops = multihopTtl(ebgpMultihop);
      const mine = myAsn ?? c.asn;
      // multihop eBGP: multihop BFD (RFC 5883), accepting the TTLs the hops allow (FRR's 254 for "any distance")
      const multihop = hops !== undefined && asn !== mine && asn !== 'internal';
      const b = peerBfd(bfd, multihop ? Math.max(1, hops === 255 ? 254 : 256 - hops) : undefined);
      return { origin: `peers[${i}]`, name: name ?? p.address, ...p, peerAsn: asn, myAsn: mine, ...(b ? { bfd: b } : {}), ...(hops ? { ebgpMultihop: hops } : {}) };
    }),
    advertisements: (c.advertisements ?? [defaultAdvertisement]).map(({ pools, serviceSelectors, ...a }, i) => ({
      origin: `advertisements[${i}]`, ...a, ...(pools ? { pools } : {}), ...(serviceSelectors?.length ? { serviceSelectors } : {}),
    })),
    ...settingsOf(c),
    warnings: [],
  };
}
