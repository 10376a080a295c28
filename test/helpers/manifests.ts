/** Kubernetes manifests for the agent's file source, as the tests write them: a Ready Node, a LoadBalancer Service, its endpoints. */

export function readyNode(name: string): string {
  return `apiVersion: v1
kind: Node
metadata: { name: ${name} }
status: { conditions: [{ type: Ready, status: "True" }] }`;
}

/** A TCP port 80 LoadBalancer Service selecting app=NAME; `ip` pins spec.loadBalancerIP. */
export function lbService(name: string, o: { ip?: string; annotations?: string } = {}): string {
  return `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: default${o.annotations ? `, annotations: { ${o.annotations} }` : ''} }
spec: { type: LoadBalancer, ${o.ip ? `loadBalancerIP: ${o.ip}, ` : ''}ports: [{ port: 80, protocol: TCP }], selector: { app: ${name} } }`;
}

/** An EndpointSlice of SERVICE with one ready endpoint on each of `nodes` (a Cluster Service is announced while it has one). */
export function readyEndpoints(service: string, ...nodes: string[]): string {
  return `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${service}-1, namespace: default, labels: { kubernetes.io/service-name: ${service} } }
addressType: IPv4
endpoints: [${nodes.map((n, i) => `{ addresses: [10.42.0.${i + 1}], conditions: { ready: true }, nodeName: ${n} }`).join(', ')}]`;
}

export const manifests = (...docs: string[]): string => docs.join('\n---\n');

/** An EndpointSlice giving Service `service` one ready endpoint on `node` (a Cluster Service without one is withdrawn). */
export function readyEndpoint(service: string, node: string, address = '10.42.0.10'): string {
  return `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${service}-1, namespace: default, labels: { kubernetes.io/service-name: ${service} } }
addressType: IPv4
endpoints: [{ addresses: ["${address}"], conditions: { ready: true }, nodeName: ${node} }]`;
}
