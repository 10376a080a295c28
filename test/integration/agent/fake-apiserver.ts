/**
 * A minimal Kubernetes API server for tests — the only stand-in in the Kubernetes source tests; the
 * client side is the real @kubernetes/client-node. It keeps objects per collection with a global
 * resourceVersion, serves list (GET collection) and watch (?watch=true&resourceVersion=N: the events
 * after N, then new ones as they happen, as JSON lines), BOOKMARK events, "410 Gone" for a
 * resourceVersion older than the compaction point (an ERROR event with code 410, then the stream ends),
 * merge-patch of Service status, MetalLB's custom resources in namespace metallb-system, and Leases (get/create/replace with resourceVersion conflicts → 409);
 * for the agent's state: Events (create), merge-patch of a Service's metadata, Secrets (get), and the
 * state objects ServiceBGPStatus and ConfigurationState (list by label, create → 409 when present, merge
 * patch of /status, delete → 404 when absent) in any namespace; and GET /version (`version`, a k3s 1.31 by
 * default).
 * Every request is recorded so tests can assert what the client asked for.
 * Plain HTTP by default; with `tls` it serves HTTPS with that certificate (a pod's in-cluster client
 * trusts only its service account's ca.crt), and with `token` it answers 401 Unauthorized, as the API
 * server does, to every request that does not carry `Authorization: Bearer <token>`. It listens on a
 * loopback port, or on a unix socket path (a forwarder in a test namespace brings it there).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

type Obj = { metadata: { name: string; namespace?: string; resourceVersion?: string; [k: string]: unknown }; [k: string]: unknown };
interface Event { rv: number; type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: Obj }

export const COLLECTIONS = {
  services: { path: '/api/v1/services', kind: 'Service', apiVersion: 'v1' },
  endpointslices: { path: '/apis/discovery.k8s.io/v1/endpointslices', kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1' },
  nodes: { path: '/api/v1/nodes', kind: 'Node', apiVersion: 'v1' },
  namespaces: { path: '/api/v1/namespaces', kind: 'Namespace', apiVersion: 'v1' },
  // MetalLB's custom resources, in the namespace the agent is given (--metallb-namespace metallb-system)
  ipaddresspools: { path: '/apis/metallb.io/v1beta1/namespaces/metallb-system/ipaddresspools', kind: 'IPAddressPool', apiVersion: 'metallb.io/v1beta1' },
  bgppeers: { path: '/apis/metallb.io/v1beta2/namespaces/metallb-system/bgppeers', kind: 'BGPPeer', apiVersion: 'metallb.io/v1beta2' },
  bgpadvertisements: { path: '/apis/metallb.io/v1beta1/namespaces/metallb-system/bgpadvertisements', kind: 'BGPAdvertisement', apiVersion: 'metallb.io/v1beta1' },
  bfdprofiles: { path: '/apis/metallb.io/v1beta1/namespaces/metallb-system/bfdprofiles', kind: 'BFDProfile', apiVersion: 'metallb.io/v1beta1' },
  communities: { path: '/apis/metallb.io/v1beta1/namespaces/metallb-system/communities', kind: 'Community', apiVersion: 'metallb.io/v1beta1' },
} as const;
export type Collection = keyof typeof COLLECTIONS;

/** A kubeconfig for the fake server: plain HTTP, no credentials. */
export function fakeKubeConfig(url: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: url, skipTLSVerify: true }], users: [{ name: 'agent' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'agent' }], currentContext: 'fake',
  });
  return kc;
}

export interface RecordedRequest { readonly method: string; readonly path: string; readonly query: Record<string, string>; readonly contentType?: string; readonly body?: unknown; readonly authorized?: boolean }

export interface FakeApiServerOptions {
  /** PEM key and certificate: HTTPS instead of HTTP. */
  readonly tls?: { readonly key: string; readonly cert: string };
  /** The bearer token every request must carry (a service account's); absent: no authentication. */
  readonly token?: string;
}

const keyOf = (o: Obj): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export class FakeApiServer {
  private server?: Server;
  private rv = 100;
  /** Watch requests with an older resourceVersion get 410 Gone. */
  compactedBefore = 0;
  readonly requests: RecordedRequest[] = [];
  /** Status codes to answer the next matching requests with, e.g. fail.push({ path, status: 503 }); `method`: only that one. */
  readonly fail: { path: string; watch: boolean; status: number; method?: string }[] = [];
  private readonly objects = new Map<Collection, Map<string, Obj>>(Object.keys(COLLECTIONS).map((c) => [c as Collection, new Map()]));
  private readonly events = new Map<Collection, Event[]>(Object.keys(COLLECTIONS).map((c) => [c as Collection, []]));
  private readonly watchers = new Map<Collection, Set<ServerResponse>>(Object.keys(COLLECTIONS).map((c) => [c as Collection, new Set()]));
  readonly leases = new Map<string, Obj>();
  /** What GET /version answers (the fields the client's VersionInfo requires). */
  version = { major: '1', minor: '31', gitVersion: 'v1.31.4+k3s1', gitCommit: 'x', gitTreeState: 'clean', buildDate: '2024-12-12T00:00:00Z', goVersion: 'go1.22', compiler: 'gc', platform: 'linux/amd64' };
  /** Secrets by "namespace/name", served to GET only (the agent may only get them). */
  readonly secrets = new Map<string, Obj>();
  /** core/v1 Events created, in order. */
  readonly kubeEvents: Obj[] = [];
  /** ServiceBGPStatus and ConfigurationState objects by plural, then "namespace/name". */
  readonly state = new Map<string, Map<string, Obj>>([['servicebgpstatuses', new Map()], ['configurationstates', new Map()]]);

  /** The writes recorded (every method but GET), as "METHOD path". */
  writes(): string[] { return this.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`); }

  constructor(private readonly options: FakeApiServerOptions = {}) {}

  /** The loopback URL (after start() without a socket path). */
  get url(): string { return `${this.options.tls ? 'https' : 'http'}://127.0.0.1:${(this.server!.address() as AddressInfo).port}`; }
  get resourceVersion(): number { return this.rv; }

  /** Listen on a free loopback port, or on the unix socket `path`. */
  async start(path?: string): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => { void this.handle(req, res); };
    const { tls } = this.options;
    this.server = tls ? createTlsServer({ key: tls.key, cert: tls.cert }, handler) : createServer(handler);
    await new Promise<void>((r) => (path === undefined ? this.server!.listen(0, '127.0.0.1', r) : this.server!.listen(path, r)));
  }

  async stop(): Promise<void> {
    for (const set of this.watchers.values()) for (const w of set) w.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()));
  }

  /** Add or replace an object; watchers get ADDED or MODIFIED. */
  put(c: Collection, o: Obj): void {
    const map = this.objects.get(c)!;
    const type = map.has(keyOf(o)) ? 'MODIFIED' : 'ADDED';
    this.emit(c, type, o);
  }

  remove(c: Collection, namespace: string | undefined, name: string): void {
    const o = this.objects.get(c)!.get(`${namespace ?? ''}/${name}`);
    if (o) this.emit(c, 'DELETED', o);
  }

  get(c: Collection, namespace: string | undefined, name: string): Obj | undefined {
    return this.objects.get(c)!.get(`${namespace ?? ''}/${name}`);
  }

  private emit(c: Collection, type: Event['type'], o: Obj): void {
    const rv = ++this.rv;
    const { kind, apiVersion } = COLLECTIONS[c];
    const object: Obj = { apiVersion, kind, ...o, metadata: { ...o.metadata, resourceVersion: String(rv) } };
    if (type === 'DELETED') this.objects.get(c)!.delete(keyOf(o)); else this.objects.get(c)!.set(keyOf(o), object);
    const ev: Event = { rv, type, object };
    this.events.get(c)!.push(ev);
    for (const w of this.watchers.get(c)!) w.write(`${JSON.stringify({ type, object })}\n`);
  }

  /** A BOOKMARK at the current resourceVersion on every open watch of `c`. */
  bookmark(c: Collection): void {
    const { kind, apiVersion } = COLLECTIONS[c];
    for (const w of this.watchers.get(c)!) w.write(`${JSON.stringify({ type: 'BOOKMARK', object: { kind, apiVersion, metadata: { resourceVersion: String(this.rv) } } })}\n`);
  }

  /** End every open watch of `c` (as the API server does on its watch timeout). */
  closeWatches(c: Collection): void {
    for (const w of this.watchers.get(c)!) w.end();
    this.watchers.get(c)!.clear();
  }

  watchCount(c: Collection): number { return this.watchers.get(c)!.size; }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const ch of req) chunks.push(ch as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = text ? JSON.parse(text) as unknown : undefined;
    const query = Object.fromEntries(url.searchParams);
    const authorized = this.options.token === undefined || req.headers.authorization === `Bearer ${this.options.token}`;
    this.requests.push({
      method: req.method ?? 'GET', path: url.pathname, query, authorized,
      ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}), ...(body === undefined ? {} : { body }),
    });
    if (!authorized) return this.reply(res, 401, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401, message: 'Unauthorized' });
    const watch = query['watch'] === 'true';
    const failure = this.fail.findIndex((f) => f.path === url.pathname && f.watch === watch && (f.method === undefined || f.method === req.method));
    if (failure >= 0) { const [f] = this.fail.splice(failure, 1); return this.reply(res, f!.status, { kind: 'Status', code: f!.status }); }
    if (url.pathname === '/version' && req.method === 'GET') return this.reply(res, 200, this.version);
    const c = (Object.keys(COLLECTIONS) as Collection[]).find((k) => COLLECTIONS[k].path === url.pathname);
    if (c && req.method === 'GET') return watch ? this.watch(c, Number(query['resourceVersion'] ?? 0), res) : this.list(c, res);
    const status = /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/]+)\/status$/.exec(url.pathname);
    if (status && req.method === 'PATCH') return this.patchStatus(status[1]!, status[2]!, body as { status: unknown }, res);
    const event = /^\/api\/v1\/namespaces\/([^/]+)\/events$/.exec(url.pathname);
    if (event && req.method === 'POST') {
      const e = { ...(body as Obj), metadata: { ...(body as Obj).metadata, name: `${(body as Obj).metadata['generateName'] as string | undefined ?? 'e.'}${this.kubeEvents.length}`, namespace: event[1]! } };
      this.kubeEvents.push(e);
      return this.reply(res, 201, e);
    }
    const svc = /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/]+)$/.exec(url.pathname);
    if (svc && req.method === 'PATCH') return this.patchServiceMetadata(svc[1]!, svc[2]!, body as { metadata?: { annotations?: Record<string, string | null> } }, res);
    const st = /^\/apis\/metallb\.io\/v1beta1\/namespaces\/([^/]+)\/(servicebgpstatuses|configurationstates)(?:\/([^/]+))?(\/status)?$/.exec(url.pathname);
    if (st) return this.stateObject(req.method ?? 'GET', st[1]!, st[2]!, st[3], st[4] !== undefined, query, body as Obj | undefined, res);
    const secret = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/]+)$/.exec(url.pathname);
    if (secret && req.method === 'GET') {
      const found = this.secrets.get(`${secret[1]}/${secret[2]}`);
      return found ? this.reply(res, 200, { apiVersion: 'v1', kind: 'Secret', ...found }) : this.reply(res, 404, { kind: 'Status', code: 404 });
    }
    const lease = /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/([^/]+)\/leases(?:\/([^/]+))?$/.exec(url.pathname);
    if (lease) return this.lease(req.method ?? 'GET', lease[1]!, lease[2], body as Obj | undefined, res);
    this.reply(res, 404, { kind: 'Status', code: 404 });
  }

  private reply(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private list(c: Collection, res: ServerResponse): void {
    this.reply(res, 200, { kind: `${COLLECTIONS[c].kind}List`, apiVersion: COLLECTIONS[c].apiVersion, metadata: { resourceVersion: String(this.rv) }, items: [...this.objects.get(c)!.values()] });
  }

  private watch(c: Collection, from: number, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    if (from < this.compactedBefore) {
      res.end(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410, message: `too old resource version: ${from}` } })}\n`);
      return;
    }
    for (const ev of this.events.get(c)!) if (ev.rv > from) res.write(`${JSON.stringify({ type: ev.type, object: ev.object })}\n`);
    this.watchers.get(c)!.add(res);
    res.on('close', () => this.watchers.get(c)!.delete(res));
  }

  private patchStatus(namespace: string, name: string, patch: { status: unknown }, res: ServerResponse): void {
    const o = this.get('services', namespace, name);
    if (!o) return this.reply(res, 404, { kind: 'Status', code: 404 });
    this.put('services', { ...o, status: patch.status });
    this.reply(res, 200, this.get('services', namespace, name));
  }

  private patchServiceMetadata(namespace: string, name: string, patch: { metadata?: { annotations?: Record<string, string | null> } }, res: ServerResponse): void {
    const o = this.get('services', namespace, name);
    if (!o) return this.reply(res, 404, { kind: 'Status', code: 404 });
    const annotations = { ...(o.metadata['annotations'] as Record<string, string> | undefined) };
    for (const [k, v] of Object.entries(patch.metadata?.annotations ?? {})) { if (v === null) delete annotations[k]; else annotations[k] = v; }
    this.put('services', { ...o, metadata: { ...o.metadata, annotations } });
    this.reply(res, 200, this.get('services', namespace, name));
  }

  private stateObject(method: string, namespace: string, plural: string, name: string | undefined, status: boolean, query: Record<string, string>, body: Obj | undefined, res: ServerResponse): void {
    const store = this.state.get(plural)!;
    if (method === 'GET' && !name) {
      const [k, v] = (query['labelSelector'] ?? '').split('=');
      const items = [...store.values()].filter((o) => o.metadata.namespace === namespace && (!k || (o.metadata['labels'] as Record<string, string> | undefined)?.[k] === v));
      return this.reply(res, 200, { kind: 'List', apiVersion: 'metallb.io/v1beta1', metadata: { resourceVersion: String(this.rv) }, items });
    }
    if (method === 'POST' && !name) {
      const key = `${namespace}/${body!.metadata.name}`;
      if (store.has(key)) return this.reply(res, 409, { kind: 'Status', code: 409 });
      const { status: _ignored, ...spec } = body!;
      store.set(key, { ...spec, metadata: { ...body!.metadata, namespace, resourceVersion: String(++this.rv) } });
      return this.reply(res, 201, store.get(key));
    }
    const key = `${namespace}/${name}`;
    const o = store.get(key);
    if (!o) return this.reply(res, 404, { kind: 'Status', code: 404 });
    if (method === 'PATCH' && status) {
      store.set(key, { ...o, status: { ...(o['status'] as object | undefined), ...(body!['status'] as object) }, metadata: { ...o.metadata, resourceVersion: String(++this.rv) } });
      return this.reply(res, 200, store.get(key));
    }
    if (method === 'DELETE') { store.delete(key); return this.reply(res, 200, { kind: 'Status', status: 'Success' }); }
    return this.reply(res, 200, o);
  }

  private lease(method: string, namespace: string, name: string | undefined, body: Obj | undefined, res: ServerResponse): void {
    const key = `${namespace}/${name ?? body?.metadata.name}`;
    const current = this.leases.get(key);
    if (method === 'GET') return current ? this.reply(res, 200, current) : this.reply(res, 404, { kind: 'Status', code: 404 });
    if (method === 'POST' && current) return this.reply(res, 409, { kind: 'Status', code: 409 });
    if (method === 'PUT' && (!current || current.metadata.resourceVersion !== body?.metadata.resourceVersion)) return this.reply(res, 409, { kind: 'Status', code: 409 });
    const stored: Obj = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...body!, metadata: { ...body!.metadata, namespace, resourceVersion: String(++this.rv) } };
    this.leases.set(key, stored);
    this.reply(res, method === 'POST' ? 201 : 200, stored);
  }
}
