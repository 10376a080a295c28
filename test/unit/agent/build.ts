/**
 * Builders for agent unit tests: Services, EndpointSlices and Nodes with the defaults the API server
 * would fill in, and a parsed agent config from vipgate's own YAML format.
 */
import { parseAgentConfig } from '../../../src/agent/config/load.js';
import type { AgentConfig } from '../../../src/agent/config/model.js';
import type { EndpointSliceInfo, NodeInfo, ServiceInfo } from '../../../src/agent/model.js';

export function svc(name: string, over: Partial<ServiceInfo> = {}): ServiceInfo {
  return {
    namespace: 'default', name, type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', requestedIPs: [],
    ports: [{ protocol: 'TCP', port: 80 }], selector: `app=${name}`, ipFamilies: ['IPv4'], dualStack: false,
    externalIPs: [], ingressIPs: [], ...over,
  };
}

export function node(name: string, labels: Record<string, string> = {}, over: Partial<NodeInfo> = {}): NodeInfo {
  return { name, labels: { 'kubernetes.io/hostname': name, ...labels }, ready: true, excluded: false, ...over };
}

/** One slice of `service` with `perNode` ready endpoints on each node (and `notReady` unready ones). */
export function slice(service: string, perNode: Record<string, number>, notReady: Record<string, number> = {}): EndpointSliceInfo {
  const endpoints = [
    ...Object.entries(perNode).flatMap(([n, k]) => Array.from({ length: k }, () => ({ ready: true, nodeName: n }))),
    ...Object.entries(notReady).flatMap(([n, k]) => Array.from({ length: k }, () => ({ ready: false, nodeName: n }))),
  ];
  return { namespace: 'default', name: `${service}-abc`, service, endpoints };
}

export const BASE_CONFIG = `
asn: 64512
routerId: 10.0.0.1
peers:
  - { address: 192.168.10.254, asn: 64513 }
pools:
  - { name: default, addresses: [172.20.1.0/24, "fd00:172:20::/120"], avoidBuggyIPs: true }
`;

export function config(yaml = BASE_CONFIG): AgentConfig {
  return parseAgentConfig(yaml, 'test');
}
