/**
 * `--source kubernetes[:KUBECONFIG]`: informers (list, then watch from the list's resourceVersion;
 * @kubernetes/client-node's ListWatch) on Services, EndpointSlices (discovery.k8s.io/v1), Nodes and
 * Namespaces (their labels, for MetalLB's serviceAllocation namespaceSelectors),
 * in-cluster config or a kubeconfig file. A watch that ends is resumed from the last resourceVersion
 * (bookmarks move it on); 410 Gone makes the informer list again; any other failure (API server
 * unreachable) restarts the informer after a backoff of 1 s doubling to 30 s, and meanwhile the last
 * snapshot stays in force. The first snapshot is emitted only when all four have listed once.
 * Also the StatusWriter (merge patch of status.loadBalancer.ingress with each IP's ipMode), the Lease
 * elector, and the API server's version (GET /version at start, retried with the same backoff; a snapshot
 * follows once it is known, since it decides whether ipMode exists).
 */
import {
  CoordinationV1Api, CoreV1Api, DiscoveryV1Api, KubeConfig, ListWatch, PatchStrategy, setHeaderOptions, VersionApi, Watch,
  type KubernetesListObject, type KubernetesObject,
} from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import type { Logger } from '../../lib/log.js';
import { LeaseElector, type LeaseOptions } from '../k8s/lease.js';
import type { EndpointSliceInfo, NamespaceInfo, NodeInfo, ServiceInfo, Snapshot } from '../model.js';
import { parseApiServerVersion, type ApiServerVersion } from './api-version.js';
import { namespaceFromObject, nodeFromObject, serviceFromObject, sliceFromObject, type KubeObject } from './manifests.js';
import type { Source, StatusWriter } from './source.js';

/** Where a pod finds its service account's credentials (the kubelet mounts them). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The in-cluster configuration is not there: not in a pod, or a pod without its service account's token. */
export class InClusterError extends Error {}

/**
 * In-cluster config when KUBECONFIG is not given, else that file. In a cluster, what a pod is given is
 * checked first (the library would otherwise build the URL "https://undefined:undefined", and every
 * request would fail with "Invalid URL" while the agent retried for ever): KUBERNETES_SERVICE_HOST and
 * _PORT, and the token and CA files under `root` + SERVICE_ACCOUNT_DIR.
 */
export function loadKubeConfig(kubeconfig?: string, root = ''): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfig) { kc.loadFromFile(kubeconfig); return kc; }
  const problems = [
    ...['KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT'].filter((v) => !process.env[v]).map((v) => `${v} is not set`),
    ...['token', 'ca.crt'].filter((f) => !existsSync(`${root}${SERVICE_ACCOUNT_DIR}/${f}`)).map((f) => `${SERVICE_ACCOUNT_DIR}/${f} is missing`),
  ];
  if (problems.length > 0) {
    throw new InClusterError(`--source kubernetes without a kubeconfig needs a pod's in-cluster credentials: ${problems.join('; ')} (outside a cluster use --source kubernetes:KUBECONFIG; in a pod, automountServiceAccountToken must not be false)`);
  }
  kc.loadFromCluster(root);
  return kc;
}

export interface Resource<T> {
  readonly path: string;
  readonly list: () => Promise<KubernetesListObject<KubernetesObject>>;
  readonly convert: (o: KubeObject) => T;
}

const MIN_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;

/** One informer plus its conversion cache, restart policy and "has listed once" flag. */
export class Watched<T> {
  readonly informer: ListWatch<KubernetesObject>;
  listed = false;
  private readonly cache = new WeakMap<object, T>();
  private backoff = MIN_BACKOFF_MS;
  private retry?: NodeJS.Timeout;
  private stopped = false;

  constructor(kc: KubeConfig, private readonly r: Resource<T>, private readonly log: Logger, private readonly changed: () => void) {
    const listFn = async (): Promise<KubernetesListObject<KubernetesObject>> => {
      const list = await r.list();
      // ListWatch stores the items right after this promise resolves
      setImmediate(() => { this.listed = true; this.backoff = MIN_BACKOFF_MS; this.changed(); });
      return list;
    };
    this.informer = new ListWatch(r.path, new Watch(kc), listFn, false);
    this.informer.on('change', () => { if (this.listed) this.changed(); });
    this.informer.on('error', (err: unknown) => {
      if (this.stopped) return;
      this.log.warn({ path: r.path, err: (err as Error | undefined)?.message, retryMs: this.backoff }, 'watch failed; keeping the last snapshot and retrying');
      this.retry = setTimeout(() => { void this.informer.start(); }, this.backoff);
      this.backoff = Math.min(MAX_BACKOFF_MS, this.backoff * 2);
    });
  }

  start(): Promise<void> { return this.informer.start(); }

  items(): T[] {
    return this.informer.list().map((o) => {
      let v = this.cache.get(o);
      if (v === undefined) { v = this.r.convert(o as KubeObject); this.cache.set(o, v); }
      return v;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.informer.stop();
  }
}

export class KubernetesSource implements Source {
  readonly kind = 'kubernetes';
  readonly status: StatusWriter;
  readonly elector: LeaseElector;
  private readonly services: Watched<ServiceInfo>;
  private readonly slices: Watched<EndpointSliceInfo>;
  private readonly nodes: Watched<NodeInfo>;
  private readonly namespaces: Watched<NamespaceInfo>;
  private timer?: NodeJS.Timeout;
  private onSnapshot: (s: Snapshot) => void = () => undefined;
  private version?: ApiServerVersion;
  private versionRetry?: NodeJS.Timeout;
  private stopped = false;
  private readonly readVersion: (backoff: number) => void;

  /** The API server and credentials, for the state writer (k8s/reporter.ts). */
  constructor(readonly kc: KubeConfig, log: Logger, lease: LeaseOptions, private readonly debounceMs = 20) {
    const core = kc.makeApiClient(CoreV1Api);
    const discovery = kc.makeApiClient(DiscoveryV1Api);
    const changed = (): void => this.schedule();
    this.services = new Watched(kc, { path: '/api/v1/services', list: () => core.listServiceForAllNamespaces(), convert: serviceFromObject }, log, changed);
    this.slices = new Watched(kc, { path: '/apis/discovery.k8s.io/v1/endpointslices', list: () => discovery.listEndpointSliceForAllNamespaces(), convert: sliceFromObject }, log, changed);
    this.nodes = new Watched(kc, { path: '/api/v1/nodes', list: () => core.listNode(), convert: nodeFromObject }, log, changed);
    this.namespaces = new Watched(kc, { path: '/api/v1/namespaces', list: () => core.listNamespace(), convert: namespaceFromObject }, log, changed);
    this.status = {
      writeIngress: async (namespace, name, ips, ipMode) => {
        await core.patchNamespacedServiceStatus(
          { name, namespace, body: { status: { loadBalancer: { ingress: ips.map((ip) => ({ ip, ipMode })) } } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      },
    };
    this.elector = new LeaseElector(kc.makeApiClient(CoordinationV1Api), lease, log);
    const versions = kc.makeApiClient(VersionApi);
    this.readVersion = (backoff) => {
      versions.getCode().then((v) => {
        this.version = parseApiServerVersion(v);
        log.info({ version: v.gitVersion }, 'API server version');
        this.schedule();
      }, (e: unknown) => {
        if (this.stopped) return;
        log.warn({ err: (e as Error).message, retryMs: backoff }, 'cannot read the API server version; retrying');
        this.versionRetry = setTimeout(() => this.readVersion(Math.min(MAX_BACKOFF_MS, backoff * 2)), backoff);
      });
    };
  }

  apiServerVersion(): ApiServerVersion | undefined { return this.version; }

  private all(): Watched<unknown>[] { return [this.services, this.slices, this.nodes, this.namespaces]; }

  private schedule(): void {
    if (!this.all().every((w) => w.listed)) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onSnapshot({
      services: this.services.items(), slices: this.slices.items(), nodes: this.nodes.items(), namespaces: this.namespaces.items(),
    }), this.debounceMs);
  }

  async start(onSnapshot: (s: Snapshot) => void): Promise<void> {
    this.onSnapshot = onSnapshot;
    this.readVersion(MIN_BACKOFF_MS);
    await Promise.all(this.all().map((w) => w.start()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.versionRetry);
    clearTimeout(this.timer);
    await Promise.all(this.all().map((w) => w.stop()));
    await this.elector.stop();
  }
}
