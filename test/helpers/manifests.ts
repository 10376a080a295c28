/** Kubernetes manifests for the agent's file source, as the tests write them: a Ready Node, a LoadBalancer Service. */

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

export const manifests = (...docs: string[]): string => docs.join('\n---\n');
