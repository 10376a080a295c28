/**
 * Home Assistant MQTT discovery (https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery): one
 * retained config message per entity under <prefix>/<component>/<node_id>/<object_id>/config, all tied
 * to one device (the router) and available while its status topic says "online".
 */
import { topicLevel, type Topics } from './topics.js';

export interface DiscoveryMessage {
  readonly topic: string;
  readonly config: Record<string, unknown>;
}

function objectId(s: string): string {
  return topicLevel(s).replace(/[^A-Za-z0-9_-]/g, '_');
}

export function discoveryMessages(prefix: string, topics: Topics, site: string, host: string, peers: readonly string[]): DiscoveryMessage[] {
  const node = objectId(`vipgate_${site}_${host}`);
  const device = { identifiers: [node], name: `vipgate ${host}`, manufacturer: 'vipgate', model: 'edge BGP router' };
  const availability = { availability_topic: topics.status, payload_available: 'online', payload_not_available: 'offline' };
  const entity = (component: string, object: string, name: string, extra: Record<string, unknown>): DiscoveryMessage => ({
    topic: `${prefix}/${component}/${node}/${objectId(object)}/config`,
    config: { name, unique_id: `${node}_${objectId(object)}`, object_id: `${node}_${objectId(object)}`, device, ...availability, ...extra },
  });
  return [
    entity('binary_sensor', 'status', 'Router', { state_topic: topics.status, payload_on: 'online', payload_off: 'offline', device_class: 'connectivity' }),
    entity('sensor', 'routes', 'Installed routes', { state_topic: topics.summary, value_template: '{{ value_json.routes }}', state_class: 'measurement' }),
    entity('sensor', 'peers_established', 'Established sessions', { state_topic: topics.summary, value_template: '{{ value_json.peersEstablished }}', state_class: 'measurement' }),
    entity('sensor', 'last_failover', 'Last failover', {
      state_topic: topics.summary, value_template: '{{ value_json.lastFailoverMs }}', unit_of_measurement: 'ms', device_class: 'duration', state_class: 'measurement',
    }),
    ...peers.flatMap((p) => [
      entity('sensor', `peer_${p}_state`, `Peer ${p}`, { state_topic: topics.peer(p), value_template: '{{ value_json.state }}', icon: 'mdi:lan-connect' }),
      entity('sensor', `peer_${p}_prefixes`, `Peer ${p} prefixes`, {
        state_topic: topics.peer(p), value_template: '{{ value_json.prefixesAccepted }}', state_class: 'measurement',
      }),
    ]),
  ];
}
