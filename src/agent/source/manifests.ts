/**
 * Kubernetes objects (as the API server or a YAML file gives them) → the snapshot model of ../model.ts.
 * Both sources use it, so the file source and the Kubernetes source see the same fields the same way.
 * Objects of other kinds are ignored; missing fields take the API server's defaults.
 */
import type { EndpointPort, EndpointSliceInfo, IpFamily, NamespaceInfo, NodeInfo, ServiceInfo, ServicePort, Snapshot } from '../model.js';

/** MetalLB's Service annotations: metallb.io/ since MetalLB 0.14, metallb.universe.tf/ before (still read; the first wins). */
export const ANNOTATION_PREFIXES = ['metallb.io/', 'metallb.universe.tf/'] as const;
export const ANNOTATION = {
  loadBalancerIPs: 'loadBalancerIPs',
  addressPool: 'address-pool',
  allowSharedIp: 'allow-shared-ip',
  /** Written by the IPAM leader: the pool an address came from (both prefixes, for tools of either MetalLB age). */
  allocatedFromPool: 'ip-allocated-from-pool',
} as const;

/** The annotation under either prefix (metallb.io/ first, as MetalLB's valueForAnnotation), and which key held it. */
function metallbAnnotation(ann: Readonly<Record<string, string>>, name: string): { value: string; key: string } | undefined {
  for (const prefix of ANNOTATION_PREFIXES) {
    const key = `${prefix}${name}`;
    if (Object.hasOwn(ann, key)) return { value: ann[key]!, key };
  }
  return undefined;
}

/** Service annotations kept in the snapshot: vipgate's own (the IPVS scheduler and weights). */
export const VIPGATE_ANNOTATION_PREFIX = 'vipgate.io/';
/** The API server's default sessionAffinityConfig.clientIP.timeoutSeconds (3 hours). */
export const DEFAULT_AFFINITY_SECONDS = 10_800;

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const EXCLUDE_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';

/** The loosely typed shape of any Kubernetes object we read. */
export interface KubeObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: {
    readonly name?: string; readonly namespace?: string; readonly resourceVersion?: string;
    readonly labels?: Record<string, string>; readonly annotations?: Record<string, string>;
    readonly deletionTimestamp?: string; readonly uid?: string;
  };
  readonly [field: string]: unknown;
}

type Loose = Record<string, unknown> | undefined;
const obj = (v: unknown): Loose => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const objs = (v: unknown): Loose[] => arr(v).map(obj);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

const port = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 65535 ? v : undefined);

function splitList(text: string | undefined): string[] {
  return (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function servicePort(v: unknown): ServicePort {
  const p = obj(v) ?? {};
  const name = str(p['name']);
  const target = p['targetPort'];
  // an IntOrString: a number, or a container port name ("8080" written as text is a number too)
  const targetPort = typeof target === 'string' && /^\d+$/.test(target) ? port(Number(target)) : port(target) ?? str(target);
  const nodePort = port(p['nodePort']);
  return {
    protocol: str(p['protocol']) ?? 'TCP', port: Number(p['port'] ?? 0),
    ...(name ? { name } : {}), ...(targetPort !== undefined ? { targetPort } : {}), ...(nodePort ? { nodePort } : {}),
  };
}

/** spec.sessionAffinity ClientIP and its timeout (undefined for None). */
function sessionAffinity(spec: Record<string, unknown>): ServiceInfo['sessionAffinity'] {
  if (spec['sessionAffinity'] !== 'ClientIP') return undefined;
  const t = obj(obj(spec['sessionAffinityConfig'])?.['clientIP'])?.['timeoutSeconds'];
  return { timeoutSeconds: typeof t === 'number' && Number.isInteger(t) && t > 0 ? t : DEFAULT_AFFINITY_SECONDS };
}

export function serviceFromObject(o: KubeObject): ServiceInfo {
  const spec = obj(o['spec']) ?? {};
  const status = obj(obj(o['status'])?.['loadBalancer']) ?? {};
  const ann = o.metadata?.annotations ?? {};
  const ipsAnnotation = metallbAnnotation(ann, ANNOTATION.loadBalancerIPs);
  const requested = splitList(ipsAnnotation?.value);
  const lbIp = str(spec['loadBalancerIP']);
  // MetalLB refuses a Service that asks both ways
  const requestProblem = requested.length > 0 && lbIp ? `both ${ipsAnnotation!.key} and spec.loadBalancerIP are set: use one` : undefined;
  if (requested.length === 0 && lbIp) requested.push(lbIp);
  const selector = obj(spec['selector']) ?? {};
  // the API server takes IPv4 and IPv6 only; a hand-written file may spell them in lower case
  const families = arr(spec['ipFamilies']).map((f) => (f === 'ipv4' ? 'IPv4' : f === 'ipv6' ? 'IPv6' : f)).filter((f): f is IpFamily => f === 'IPv4' || f === 'IPv6');
  const policy = str(spec['ipFamilyPolicy']);
  const pool = str(metallbAnnotation(ann, ANNOTATION.addressPool)?.value);
  const sharingKey = str(metallbAnnotation(ann, ANNOTATION.allowSharedIp)?.value);
  const labels = o.metadata?.labels ?? {};
  const allocatedFrom = Object.fromEntries(ANNOTATION_PREFIXES.flatMap((p) => {
    const key = `${p}${ANNOTATION.allocatedFromPool}`;
    return Object.hasOwn(ann, key) ? [[key, ann[key]!]] : [];
  }));
  const lbClass = str(spec['loadBalancerClass']);
  const ours = Object.entries(ann).filter(([k, v]) => k.startsWith(VIPGATE_ANNOTATION_PREFIX) && typeof v === 'string');
  const affinity = sessionAffinity(spec);
  const ingress = objs(status['ingress']);
  const modes = Object.fromEntries(ingress.flatMap((i) => { const ip = str(i?.['ip']), mode = str(i?.['ipMode']); return ip && mode ? [[ip, mode]] : []; }));
  const ranges = arr(spec['loadBalancerSourceRanges']).filter((x): x is string => typeof x === 'string' && x !== '');
  return {
    namespace: o.metadata?.namespace ?? 'default',
    name: o.metadata?.name ?? '',
    type: str(spec['type']) ?? 'ClusterIP',
    externalTrafficPolicy: spec['externalTrafficPolicy'] === 'Local' ? 'Local' : 'Cluster',
    requestedIPs: requested,
    ...(requestProblem ? { requestProblem } : {}),
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
    ...(o.metadata?.uid ? { uid: o.metadata.uid } : {}),
    ...(Object.keys(allocatedFrom).length > 0 ? { allocatedFrom } : {}),
    ...(pool ? { pool } : {}),
    ...(sharingKey ? { sharingKey } : {}),
    ports: arr(spec['ports']).map(servicePort),
    selector: Object.keys(selector).sort().map((k) => `${k}=${String(selector[k])}`).join(','),
    ipFamilies: families.length > 0 ? families : ['IPv4'],
    dualStack: policy === 'PreferDualStack' || policy === 'RequireDualStack',
    ...(policy === 'PreferDualStack' ? { preferDualStack: true as const } : {}),
    externalIPs: arr(spec['externalIPs']).filter((x): x is string => typeof x === 'string'),
    ingressIPs: ingress.map((i) => str(i?.['ip'])).filter((x): x is string => x !== undefined),
    ...(Object.keys(modes).length > 0 ? { ingressIpModes: modes } : {}),
    ...(ranges.length > 0 ? { sourceRanges: ranges } : {}),
    ...(lbClass ? { loadBalancerClass: lbClass } : {}),
    ...(ours.length > 0 ? { annotations: Object.fromEntries(ours) } : {}),
    ...(affinity ? { sessionAffinity: affinity } : {}),
  };
}

function endpointPort(v: unknown): EndpointPort | undefined {
  const p = obj(v) ?? {};
  const number = port(p['port']);
  // a port without a number is "not restricted" (discovery.k8s.io/v1): nothing to program
  if (number === undefined) return undefined;
  const name = str(p['name']);
  return { port: number, protocol: str(p['protocol']) ?? 'TCP', ...(name ? { name } : {}) };
}

export function sliceFromObject(o: KubeObject): EndpointSliceInfo {
  const addressType = str(o['addressType']);
  return {
    namespace: o.metadata?.namespace ?? 'default',
    name: o.metadata?.name ?? '',
    service: o.metadata?.labels?.[SERVICE_NAME_LABEL] ?? '',
    endpoints: arr(o['endpoints']).map((e) => {
      const conditions = obj(obj(e)?.['conditions']) ?? {};
      const nodeName = str(obj(e)?.['nodeName']);
      // discovery.k8s.io/v1: a nil `ready` means ready, unless the endpoint is terminating
      const ready = conditions['ready'] === undefined || conditions['ready'] === null ? conditions['terminating'] !== true : conditions['ready'] === true;
      const addresses = arr(obj(e)?.['addresses']).filter((a): a is string => typeof a === 'string' && a !== '');
      return { ready, ...(nodeName ? { nodeName } : {}), ...(addresses.length > 0 ? { addresses } : {}) };
    }),
    ...(addressType ? { addressType } : {}),
    ports: arr(o['ports']).map(endpointPort).filter((p): p is EndpointPort => p !== undefined),
  };
}

export function nodeFromObject(o: KubeObject): NodeInfo {
  const labels = o.metadata?.labels ?? {};
  const conditions = arr(obj(o['status'])?.['conditions']);
  const readyCond = conditions.map(obj).find((c) => c?.['type'] === 'Ready');
  return {
    name: o.metadata?.name ?? '',
    labels,
    // a node without status (hand-written lab files) counts as ready
    ready: readyCond === undefined ? conditions.length === 0 : readyCond['status'] === 'True',
    excluded: EXCLUDE_LABEL in labels,
    // a drain (cordon) or a node being deleted: the agent's `shutdown: auto` stops with graceful shutdown
    ...(obj(o['spec'])?.['unschedulable'] === true ? { unschedulable: true } : {}),
    ...(o.metadata?.deletionTimestamp ? { deleting: true } : {}),
  };
}

export function namespaceFromObject(o: KubeObject): NamespaceInfo {
  return { name: o.metadata?.name ?? '', labels: o.metadata?.labels ?? {} };
}

/** Objects of any kind (List objects are opened) → a snapshot of the Services, EndpointSlices, Nodes and Namespaces. */
export function snapshotFromObjects(objects: readonly KubeObject[]): Snapshot {
  const services: ServiceInfo[] = [];
  const slices: EndpointSliceInfo[] = [];
  const nodes: NodeInfo[] = [];
  const namespaces: NamespaceInfo[] = [];
  const visit = (o: KubeObject): void => {
    switch (o.kind) {
      case 'List': case 'ServiceList': case 'EndpointSliceList': case 'NodeList': case 'NamespaceList':
        for (const item of arr(o['items'])) if (obj(item)) visit({ kind: o.kind.replace(/List$/, ''), ...(item as KubeObject) });
        break;
      case 'Service': services.push(serviceFromObject(o)); break;
      case 'EndpointSlice': slices.push(sliceFromObject(o)); break;
      case 'Node': nodes.push(nodeFromObject(o)); break;
      case 'Namespace': namespaces.push(namespaceFromObject(o)); break;
      default: break;
    }
  };
  objects.forEach(visit);
  return { services, slices, nodes, namespaces };
}
