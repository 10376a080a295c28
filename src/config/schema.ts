/**
 * The router configuration file as written (YAML), as a zod schema. Meaning follows FRR's bgpd
 * configuration: `asn` is `router bgp`, `neighbors` are `neighbor X ...`, a neighbor with `range` is a
 * dynamic neighbor (`bgp listen range`), `groups` are peer groups, `maximumPaths` is `maximum-paths`.
 * Session settings may sit on a group or a neighbor; the neighbor's own win (resolve.ts fills defaults).
 * Unknown fields are errors, so a typo cannot silently do nothing.
 */
import { z } from 'zod';
import { asNumber, community, ipAddress, ipv4Address, largeCommunity, prefixListEntry, prefixText } from './values.js';

const seconds = (max: number) => z.number().int().min(0).max(max);
const port = z.number().int().min(1).max(65535);

const communityEdit = z.strictObject({ add: z.array(community).optional(), remove: z.array(community).optional() });
const largeCommunityEdit = z.strictObject({ add: z.array(largeCommunity).optional(), remove: z.array(largeCommunity).optional() });

const match = z.strictObject({
  /** Inline prefix-list entries. */
  prefixes: z.array(prefixListEntry).optional(),
  /** Name of an entry in `prefixLists`. */
  prefixList: z.string().optional(),
  /** Matches when the route carries any of these. */
  communities: z.array(community).optional(),
  largeCommunities: z.array(largeCommunity).optional(),
  asPathLength: z.strictObject({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() }).optional(),
});

const set = z.strictObject({
  localPref: seconds(0xffffffff).optional(),
  med: seconds(0xffffffff).optional(),
  communities: communityEdit.optional(),
  largeCommunities: largeCommunityEdit.optional(),
  nextHopSelf: z.boolean().optional(),
  prepend: z.number().int().min(1).max(16).optional(),
});

const rule = z.strictObject({
  action: z.enum(['permit', 'deny']).default('permit'),
  match: match.optional(),
  set: set.optional(),
});

/**
 * A policy: `rules` in order (first match decides, no match rejects), or the one-rule shorthand
 * { prefixes, communities: { match, add, remove }, localPref, med, ... } that permits what matches.
 */
export const policyBody = z.strictObject({
  rules: z.array(rule).optional(),
  prefixes: z.array(prefixListEntry).optional(),
  prefixList: z.string().optional(),
  communities: z.strictObject({ match: z.array(community).optional(), add: z.array(community).optional(), remove: z.array(community).optional() }).optional(),
  largeCommunities: z.strictObject({ match: z.array(largeCommunity).optional(), add: z.array(largeCommunity).optional(), remove: z.array(largeCommunity).optional() }).optional(),
  asPathLength: match.shape.asPathLength,
  localPref: set.shape.localPref,
  med: set.shape.med,
  nextHopSelf: set.shape.nextHopSelf,
  prepend: set.shape.prepend,
});

/** A policy inline, or the name of one in `policies` ("all" accepts everything, "none" nothing). */
const policyRef = z.union([z.string(), policyBody], { error: 'must be a policy name or a policy object' });

const addPath = z.enum(['off', 'receive', 'send', 'both']);

/** BFD settings of a session (RFC 5880 / RFC 5881, milliseconds): the router's neighbors and the agent's peers. */
export const bfdSettings = z.strictObject({
  enabled: z.boolean().optional(),
  minRx: z.number().int().min(10).max(60_000).optional(),
  minTx: z.number().int().min(10).max(60_000).optional(),
  multiplier: z.number().int().min(1).max(255).optional(),
  /** RFC 5880 6.7.4: keyed SHA1 (or meticulous keyed SHA1, sequence advancing on every packet); secret 1..20 octets. */
  auth: z.strictObject({
    type: z.enum(['keyed-sha1', 'meticulous-keyed-sha1']),
    keyId: z.number().int().min(0).max(255).default(1),
    password: z.string().min(1).max(20),
  }).optional(),
});

/** Settings a neighbor may take from its group. */
export const sessionSettings = z.strictObject({
  remoteAs: z.union([asNumber, z.enum(['external', 'internal'])], { error: 'must be an AS number 1..4294967295, "external" or "internal"' }).optional(),
  /** Our AS on this session, when not `asn` (FRR `local-as`). */
  localAs: asNumber.optional(),
  description: z.string().max(80).optional(),
  port: port.optional(),
  passive: z.boolean().optional(),
  /** RFC 4271 4.2: 0 or at least 3 seconds. */
  holdTime: seconds(65535).refine((h) => h === 0 || h >= 3, { error: 'must be 0 or at least 3 seconds (RFC 4271 4.2)' }).optional(),
  keepalive: seconds(21845).optional(),
  connectRetry: z.number().int().min(1).max(65535).optional(),
  /** Maximum hops for eBGP (1 = directly connected). */
  ebgpMultihop: z.number().int().min(1).max(255).optional(),
  /** GTSM (RFC 5082): accept packets only with TTL >= 256 - hops. */
  ttlSecurity: z.number().int().min(1).max(254).optional(),
  /** TCP MD5 signature key (RFC 2385); Linux takes at most 80 bytes. */
  password: z.string().min(1).max(80).optional(),
  /** Local address to connect from (FRR `update-source`). */
  updateSource: ipAddress.optional(),
  nextHopSelf: z.boolean().optional(),
  /** RFC 7911. */
  addPath: addPath.optional(),
  /** RFC 4724 (helper mode: keep the peer's routes as stale across its restart). */
  gracefulRestart: z.strictObject({
    enabled: z.boolean().optional(),
    restartTime: seconds(4095).optional(),
    staleRoutesTime: seconds(65535).optional(),
  }).optional(),
  /** RFC 5880 / RFC 5881, milliseconds. */
  bfd: bfdSettings.optional(),
  /** ICMP echo to the peer's next hop, for peers without BFD: a weaker signal (the node's kernel answers). */
  probe: z.strictObject({
    enabled: z.boolean().optional(),
    intervalMs: z.number().int().min(50).max(60_000).optional(),
    /** Consecutive missed probes before the next hop leaves the groups. */
    misses: z.number().int().min(1).max(100).optional(),
    /** Consecutive answers before it comes back. */
    recovers: z.number().int().min(1).max(100).optional(),
  }).optional(),
  import: policyRef.optional(),
  export: policyRef.optional(),
  maxPrefix: z.union([
    z.number().int().min(1),
    z.strictObject({ limit: z.number().int().min(1), restartAfter: seconds(65535).optional(), warningOnly: z.boolean().optional() }),
  ], { error: 'must be a number or { limit, restartAfter, warningOnly }' }).optional(),
  families: z.array(z.enum(['ipv4', 'ipv6'])).min(1).optional(),
  /** Configured but administratively down (FRR `neighbor X shutdown`). */
  shutdown: z.boolean().optional(),
  /**
   * Drain before maintenance (RFC 8326 on receipt): this neighbor's routes are treated as carrying
   * GRACEFUL_SHUTDOWN, so traffic leaves its next hop while other paths exist and the session stays up
   * with its routes as a backup; `vipgate reload` applies it.
   */
  drain: z.boolean().optional(),
});

export const neighborSchema = sessionSettings.extend({
  address: ipAddress.optional(),
  /** Dynamic neighbors: accept sessions from any address in this prefix (FRR `bgp listen range`). */
  range: prefixText.optional(),
  group: z.string().optional(),
});

const aggregate = z.union([
  prefixText,
  z.strictObject({ prefix: prefixText, summaryOnly: z.boolean().default(false), asSet: z.boolean().default(false) }),
], { error: 'must be a prefix or { prefix, summaryOnly, asSet }' });

/** rt_protos names; vipgate's own number is registered in firmware/etc/iproute2/rt_protos.d/vipgate.conf. */
const routeProtocols = { boot: 3, static: 4, zebra: 11, bird: 12, bgp: 186, vipgate: 201 } as const;

/** An MQTT broker and how to reach it: the router's and the agents' telemetry sections share these fields. */
export const mqttConnection = {
  url: z.string().regex(/^mqtts?:\/\/[^/]/, { error: 'must be mqtt://host[:port] or mqtts://host[:port]' }),
  site: z.string().min(1).default('home'),
  username: z.string().optional(),
  password: z.string().optional(),
  /** PEM files; rejectUnauthorized false accepts any server certificate (testing only). */
  tls: z.strictObject({ ca: z.string().optional(), cert: z.string().optional(), key: z.string().optional(), rejectUnauthorized: z.boolean().default(true) }).optional(),
  /** Messages held while the broker is away; past it the oldest are dropped. */
  queueLimit: z.number().int().min(1).max(1_000_000).default(10_000),
};

export const routerConfigSchema = z.strictObject({
  asn: asNumber,
  /** BGP Identifier: a nonzero IPv4 address (RFC 6286 2.1). */
  routerId: ipv4Address.refine((a) => a !== '0.0.0.0', { error: 'must not be 0.0.0.0 (RFC 6286)' }),
  listen: z.strictObject({
    enabled: z.boolean().default(true),
    address: ipAddress.default('0.0.0.0'),
    /** 0 picks a free port (tests). */
    port: z.number().int().min(0).max(65535).default(179),
  }).prefault({}),
  maximumPaths: z.number().int().min(1).max(64).default(1),
  /** FRR `bgp bestpath as-path multipath-relax`. */
  multipathRelax: z.boolean().default(false),
  bestpath: z.strictObject({
    alwaysCompareMed: z.boolean().default(false),
    /** Prefer the oldest of equal eBGP paths (RFC 5004). */
    preferOldest: z.boolean().default(false),
    /** Weighted ECMP from the link bandwidth extended community. */
    linkBandwidth: z.boolean().default(true),
  }).prefault({}),
  defaultLocalPref: z.number().int().min(0).max(0xffffffff).default(100),
  /** RFC 8212 (FRR `bgp ebgp-requires-policy`). */
  ebgpRequiresPolicy: z.boolean().default(true),
  /**
   * RFC 8326 for the router itself (FRR `bgp graceful-shutdown`): `enabled` marks every route it advertises
   * with GRACEFUL_SHUTDOWN (turn it on with `vipgate reload` before maintenance, so neighbors move traffic to
   * the other router first); `drainSeconds` > 0: on SIGTERM the router does the same, waits that long, then
   * closes its sessions.
   */
  gracefulShutdown: z.strictObject({
    enabled: z.boolean().default(false),
    drainSeconds: z.number().int().min(0).max(600).default(0),
  }).prefault({}),
  /** Routes this router originates (FRR `network`), optionally with the attributes they carry. */
  networks: z.array(z.preprocess((v) => (typeof v === 'string' ? { prefix: v } : v), z.strictObject({
    prefix: prefixText,
    communities: z.array(community).optional(),
    largeCommunities: z.array(largeCommunity).optional(),
    med: z.number().int().min(0).max(0xffffffff).optional(),
    /** draft-ietf-idr-link-bandwidth: the bandwidth behind this route, for weighted ECMP at the receiver. */
    linkBandwidth: z.strictObject({
      mbps: z.number().positive().max(1e9),
      /** Type 0x00 (transitive) instead of 0x40 (non-transitive, the draft's default). */
      transitive: z.boolean().default(false),
    }).optional(),
  }))).default([]),
  aggregates: z.array(aggregate).default([]),
  neighbors: z.array(neighborSchema).default([]),
  groups: z.record(z.string().regex(/^[A-Za-z][\w-]*$/, { error: 'group names start with a letter: letters, digits, - and _' }), sessionSettings).default({}),
  prefixLists: z.record(z.string(), z.array(prefixListEntry)).default({}),
  policies: z.record(z.string(), policyBody).default({}),
  /**
   * Service health through each next hop (docs/health-checks.md; off while empty): every installed route
   * matching `prefixes` is checked at `port` through each of its next hops (TCP connect, or HTTP GET of `path`);
   * a next hop failing `fails` checks in a row leaves that route only, and comes back after `passes`.
   */
  healthChecks: z.array(z.strictObject({
    prefixes: z.array(prefixListEntry).min(1),
    port,
    /** HTTP GET of this path (any status below 500 passes); absent: a TCP connect. */
    path: z.string().regex(/^\//, { error: 'must start with /' }).optional(),
    interval: z.number().min(0.1).max(3600).default(2),
    timeoutMs: z.number().int().min(10).max(60_000).default(1000),
    fails: z.number().int().min(1).max(100).default(3),
    passes: z.number().int().min(1).max(100).default(2),
  })).default([]),
  fib: z.strictObject({
    /** Kernel routing table id (254 = main). */
    table: z.number().int().min(1).max(0xffffffff).default(254),
    metric: z.number().int().min(0).max(0xffffffff).default(20),
    /**
     * Seconds after a start during which the kernel keeps what the last run installed while sessions come
     * back; ends early once every session is up and has sent End-of-RIB (FRR's update-delay).
     */
    startupHold: seconds(3600).default(10),
    protocol: z.union([z.number().int().min(0).max(255), z.enum(Object.keys(routeProtocols) as [keyof typeof routeProtocols])], { error: `must be 0..255 or one of ${Object.keys(routeProtocols).join(', ')}` })
      .default('vipgate').transform((p) => (typeof p === 'number' ? p : routeProtocols[p])),
    /**
     * Resilient nexthop groups (Linux 5.13+; on by default where the kernel has them, docs/resilient.md): a
     * next hop that leaves moves only its own flows, the survivors' stay where they are. false: plain
     * hash-threshold groups (every change of the set may move any flow).
     */
    resilient: z.union([z.literal(false), z.strictObject({
      buckets: z.number().int().min(1).max(65535).default(128),
      /** Seconds a bucket must go unused before it may move to another next hop (a returning node, a new weight). */
      idleTimer: seconds(3600).default(120),
      /** Seconds a group may stay unbalanced before busy buckets move too (0: never; they wait to go idle). */
      unbalancedTimer: seconds(3600).default(600),
    })], { error: 'must be false or { buckets, idleTimer, unbalancedTimer }' }).prefault({}),
  }).prefault({}),
  control: z.strictObject({ socket: z.string().min(1).default('/run/vipgate/control.sock') }).prefault({}),
  log: z.strictObject({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info') }).prefault({}),
  /** MQTT telemetry (src/telemetry): topics vipgate/<site>/<host>/...; absent: off. */
  telemetry: z.strictObject({
    ...mqttConnection,
    /** Default: the machine's hostname. */
    host: z.string().min(1).optional(),
    coalesceMs: z.number().int().min(0).max(60_000).default(250),
    /** Home Assistant MQTT discovery prefix; false: no discovery messages. */
    homeAssistant: z.union([z.string().min(1), z.literal(false)], { error: 'must be a discovery prefix or false' }).default('homeassistant'),
  }).optional(),
  /** History in SQLite (src/store); absent: off. */
  store: z.strictObject({
    path: z.string().min(1).default('/var/lib/vipgate/history.db'),
    /** One transaction per batch, this often (a power cut loses at most one batch). */
    flushMs: z.number().int().min(10).max(600_000).default(1000),
    retentionDays: z.number().positive().max(3650).default(30),
    maxSizeMb: z.number().positive().max(1_000_000).default(64),
    /** Route count samples for the chart. */
    sampleSeconds: z.number().int().min(1).max(86_400).default(60),
  }).optional(),
  /** The web status page and /metrics (src/web); absent: off. */
  web: z.strictObject({
    address: ipAddress.default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8080),
    /** Enables admin actions (reset a session); at least 12 characters. */
    adminToken: z.string().min(12).optional(),
    /**
     * The page's address as its users reach it (Home Assistant's device link); default http://ADDRESS:PORT/,
     * with the host name for 0.0.0.0 or ::, none for a loopback address.
     */
    publicUrl: z.string().regex(/^https?:\/\/[^/]/, { error: 'must be http://host[:port][/path] or https://...' }).optional(),
    /**
     * Where the node agent's images are (vipgate-agent-VERSION-ARCH.tar or .tar.gz, with .tar.sha256), served
     * at /k3s/ for `k3s ctr images import`; default /usr/share/vipgate/k3s (where the SD image has them).
     */
    agentImages: z.string().min(1).optional(),
  }).optional(),
});

export type RawRouterConfig = z.output<typeof routerConfigSchema>;
export type RawSessionSettings = z.output<typeof sessionSettings>;
export type RawNeighbor = z.output<typeof neighborSchema>;
export type RawPolicy = z.output<typeof policyBody>;
