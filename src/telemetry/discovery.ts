/**
 * Home Assistant MQTT discovery (https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery, and the
 * sensor.mqtt and binary_sensor.mqtt pages): one retained single-component config per entity under
 * <prefix>/<component>/<node_id>/<object_id>/config, where node_id is the router's, so that the router can
 * find (and clear) every config it ever published with one subscription. Each config carries
 * `default_entity_id` (`<component>.<slug>`, replacing the deprecated `object_id`), an `origin` block
 * (vipgate and its version), a `device` (with sw_version and, when the status page is reachable, its
 * configuration_url) and an `availability` list.
 * Entities:
 * - the router: a connectivity binary sensor on its own status topic with no availability of its own (so
 *   the last will's "offline" makes it read off, not unavailable), installed routes, sessions up, the
 *   last failover; per BGP peer an enum sensor of the FSM state (RFC 4271 8.2.2) and the prefixes accepted;
 *   per Service IP an enum sensor (served / down, the next hops as attributes) and its next-hop count;
 * - each node agent the router hears over MQTT, as a device of its own (via the router): its agent's
 *   connectivity, its BGP and BFD sessions up (the box's broker ACL lets an agent write only its own
 *   vipgate/<site>/<node>/ topics, so the router announces the agents).
 * An entity that goes (a peer removed, a node or Service IP no longer known) gets an empty retained config.
 */
import type { AgentNodeReport } from '../control/cluster.js';
import { topicLevel, type Topics } from './topics.js';

export interface DiscoveryMessage {
  readonly topic: string;
  readonly config: Record<string, unknown>;
}

export interface DiscoveryContext {
  readonly prefix: string;
  readonly topics: Topics;
  readonly site: string;
  readonly host: string;
  readonly version: string;
  /** The router's status page as Home Assistant's users reach it (the device's configuration_url). */
  readonly configurationUrl?: string;
}

/** The BGP FSM states (RFC 4271 8.2.2): the options of a peer's state sensor. */
export const BGP_STATE_OPTIONS = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'] as const;
/** A Service IP as the router's kernel has it: at least one next hop, or none. */
export const SERVICE_IP_STATES = ['served', 'down'] as const;

/** A topic level for HA: [A-Za-z0-9_-] only. */
function objectId(s: string): string {
  return topicLevel(s).replace(/[^A-Za-z0-9_-]/g, '_');
}

/** An entity id's object part: lower case letters, digits and underscores. */
function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

type Device = Record<string, unknown>;

function entity(ctx: DiscoveryContext, device: Device, availability: readonly Record<string, string>[] | undefined,
  component: 'sensor' | 'binary_sensor', object: string, name: string, extra: Record<string, unknown>): DiscoveryMessage {
  const node = routerNode(ctx);
  const id = `${node}_${objectId(object)}`;
  return {
    topic: `${ctx.prefix}/${component}/${node}/${objectId(object)}/config`,
    config: {
      name, unique_id: id, default_entity_id: `${component}.${slug(id)}`, device,
      origin: { name: 'vipgate', sw_version: ctx.version },
      ...(availability ? { availability } : {}), ...extra,
    },
  };
}

export function routerNode(ctx: Pick<DiscoveryContext, 'site' | 'host'>): string {
  return objectId(`vipgate_${ctx.site}_${ctx.host}`);
}

const online = (topic: string) => [{ topic, payload_available: 'online', payload_not_available: 'offline' }];

function routerDevice(ctx: DiscoveryContext): Device {
  return {
    identifiers: [routerNode(ctx)], name: `vipgate ${ctx.host}`, manufacturer: 'vipgate', model: 'edge BGP router', sw_version: ctx.version,
    ...(ctx.configurationUrl ? { configuration_url: ctx.configurationUrl } : {}),
  };
}

/** The router's own entities. */
export function routerEntities(ctx: DiscoveryContext): DiscoveryMessage[] {
  const t = ctx.topics;
  const dev = routerDevice(ctx);
  const avty = online(t.status);
  return [
    entity(ctx, dev, undefined, 'binary_sensor', 'status', 'Status', { state_topic: t.status, payload_on: 'online', payload_off: 'offline', device_class: 'connectivity' }),
    entity(ctx, dev, avty, 'sensor', 'routes', 'Installed routes', { state_topic: t.summary, value_template: '{{ value_json.routes }}', state_class: 'measurement' }),
    entity(ctx, dev, avty, 'sensor', 'peers_established', 'Established sessions', { state_topic: t.summary, value_template: '{{ value_json.peersEstablished }}', state_class: 'measurement' }),
    entity(ctx, dev, avty, 'sensor', 'last_failover', 'Last failover', {
      state_topic: t.summary, value_template: '{{ value_json.lastFailoverMs }}', unit_of_measurement: 'ms', device_class: 'duration', state_class: 'measurement',
    }),
  ];
}

/** One BGP peer: its session's state and the prefixes accepted from it. */
export function peerEntities(ctx: DiscoveryContext, peer: string): DiscoveryMessage[] {
  const dev = routerDevice(ctx);
  const avty = online(ctx.topics.status);
  return [
    entity(ctx, dev, avty, 'sensor', `peer_${peer}_state`, `Peer ${peer}`, {
      state_topic: ctx.topics.peer(peer), value_template: '{{ value_json.state }}', device_class: 'enum', options: [...BGP_STATE_OPTIONS], icon: 'mdi:lan-connect',
    }),
    entity(ctx, dev, avty, 'sensor', `peer_${peer}_prefixes`, `Peer ${peer} prefixes`, {
      state_topic: ctx.topics.peer(peer), value_template: '{{ value_json.prefixesAccepted }}', state_class: 'measurement',
    }),
  ];
}

/** One Service IP (a host prefix): served or down, and how many next hops the kernel route has. */
export function serviceIpEntities(ctx: DiscoveryContext, prefix: string): DiscoveryMessage[] {
  const dev = routerDevice(ctx);
  const avty = online(ctx.topics.status);
  const topic = ctx.topics.vip(prefix);
  return [
    entity(ctx, dev, avty, 'sensor', `vip_${prefix}_state`, `Service IP ${prefix}`, {
      state_topic: topic, value_template: '{{ value_json.state }}', device_class: 'enum', options: [...SERVICE_IP_STATES], icon: 'mdi:ip-network',
      json_attributes_topic: topic, json_attributes_template: '{{ {"nexthops": value_json.nexthops} | tojson }}',
    }),
    entity(ctx, dev, avty, 'sensor', `vip_${prefix}_nexthops`, `Service IP ${prefix} next hops`, {
      state_topic: topic, value_template: '{{ value_json.nexthops | length }}', state_class: 'measurement', icon: 'mdi:call-split',
    }),
  ];
}

/** A node agent heard over MQTT, as its own device reached through the router. */
export function nodeEntities(ctx: DiscoveryContext, node: AgentNodeReport): DiscoveryMessage[] {
  const base = `vipgate/${topicLevel(ctx.site)}/${topicLevel(node.node)}`;
  const dev: Device = {
    identifiers: [objectId(`vipgate_${ctx.site}_${node.node}`)], name: `vipgate agent ${node.node}`, manufacturer: 'vipgate', model: 'node agent',
    via_device: routerNode(ctx), ...(node.agent?.version ? { sw_version: node.agent.version } : {}),
  };
  const avty = online(`${base}/status`);
  const count = (pick: string) => `{{ value_json.peers | selectattr(${pick}) | list | count }}`;
  return [
    entity(ctx, dev, undefined, 'binary_sensor', `agent_${node.node}_status`, 'Agent', { state_topic: `${base}/status`, payload_on: 'online', payload_off: 'offline', device_class: 'connectivity' }),
    entity(ctx, dev, avty, 'sensor', `agent_${node.node}_sessions`, 'BGP sessions up', {
      state_topic: `${base}/agent`, value_template: count('"state", "eq", "Established"'), state_class: 'measurement', icon: 'mdi:lan-connect',
      json_attributes_topic: `${base}/agent`, json_attributes_template: '{{ {"peers": value_json.peers | map(attribute="name") | list} | tojson }}',
    }),
    entity(ctx, dev, avty, 'sensor', `agent_${node.node}_bfd`, 'BFD sessions up', {
      state_topic: `${base}/agent`, value_template: '{{ value_json.peers | selectattr("bfd", "defined") | map(attribute="bfd.state") | select("eq", "Up") | list | count }}',
      state_class: 'measurement', icon: 'mdi:heart-pulse',
    }),
  ];
}
