/**
 * `--metallb-namespace NS`: the agent's BGP configuration from MetalLB's custom resources in the cluster,
 * so a cluster moving from MetalLB keeps its objects and edits them with kubectl. Informers (Watched of
 * kubernetes.ts: list, watch from the list's resourceVersion, list again on 410 Gone, a failure retried
 * after 1 s doubling to 30 s while the configuration in force stays) on metallb.io IPAddressPool,
 * BGPAdvertisement, BFDProfile, Community (v1beta1) and BGPPeer (v1beta2) in that namespace. Once all
 * five have listed, and after every change (debounced: `kubectl apply -f` of several objects is one
 * reconfiguration), the objects go through the same parser as YAML documents
 * (config/metallb-crds.ts via configFromMetallbObjects), with vipgate's own settings from the optional
 * `--config` file (config/load.ts parseAgentSettings, watched too). The Secrets that BGPPeers name in
 * passwordSecret are read (get, in that namespace only: deploy/rbac-metallb.yaml) at each build and again
 * every minute, so a rotated password resets the session. A set of objects with problems changes nothing:
 * each problem is logged with its object and field.
 */
import { readFile } from 'node:fs/promises';
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../../lib/log.js';
import type { ConfigError } from '../../config/error.js';
import { parseOrLog, readConfigText, statusAfter, type ConfigFeed, type ConfigStatus } from '../config/feed.js';
import { configFromMetallbObjects, parseAgentSettings } from '../config/load.js';
import type { AgentConfig } from '../config/model.js';
import type { AgentSettings } from '../config/vipgate-format.js';
import type { KubeObject } from './manifests.js';
import { Watched } from './kubernetes.js';
import { watchFile, type FileWatch } from './watch-file.js';

export const METALLB_GROUP = 'metallb.io';

/** The kinds read, at the versions MetalLB serves them (BGPPeer's storage version is v1beta2). */
export const METALLB_RESOURCES = [
  { kind: 'IPAddressPool', version: 'v1beta1', plural: 'ipaddresspools' },
  { kind: 'BGPPeer', version: 'v1beta2', plural: 'bgppeers' },
  { kind: 'BGPAdvertisement', version: 'v1beta1', plural: 'bgpadvertisements' },
  { kind: 'BFDProfile', version: 'v1beta1', plural: 'bfdprofiles' },
  { kind: 'Community', version: 'v1beta1', plural: 'communities' },
] as const;

export function metallbPath(namespace: string, r: (typeof METALLB_RESOURCES)[number]): string {
  return `/apis/${METALLB_GROUP}/${r.version}/namespaces/${namespace}/${r.plural}`;
}

export interface MetallbFeedOptions {
  readonly namespace: string;
  /** vipgate's settings beside the objects (parseAgentSettings); none: the defaults. */
  readonly settingsFile?: string | undefined;
  readonly debounceMs?: number;
  /** How often the passwordSecret Secrets are read again (rotation). */
  readonly secretRefreshMs?: number;
}

/** The Secrets the BGPPeers name in spec.passwordSecret. */
function secretNames(objects: readonly KubeObject[]): string[] {
  const names = objects.filter((o) => o.kind === 'BGPPeer')
    .map((o) => ((o['spec'] as { passwordSecret?: { name?: unknown } } | undefined)?.passwordSecret?.name))
    .filter((n): n is string => typeof n === 'string' && n !== '');
  return [...new Set(names)].sort();
}

export class MetallbConfigFeed implements ConfigFeed {
  status: ConfigStatus = { valid: false, errors: [], warnings: [] };
  private readonly watched: Watched<KubeObject>[];
  private readonly source: string;
  private settings: AgentSettings = parseAgentSettings('');
  private settingsWatch?: FileWatch;
  private timer?: NodeJS.Timeout;
  private onConfig?: (c: AgentConfig) => void;
  private firstValid?: (c: AgentConfig) => void;
  private lastKey?: string;
  private readonly core: CoreV1Api;
  private building = Promise.resolve();
  private refresh?: NodeJS.Timeout;

  constructor(kc: KubeConfig, private readonly log: Logger, private readonly o: MetallbFeedOptions) {
    const api = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
    this.source = `metallb.io objects in namespace ${o.namespace}`;
    this.watched = METALLB_RESOURCES.map((r) => new Watched<KubeObject>(kc, {
      path: metallbPath(o.namespace, r),
      list: () => api.listNamespacedCustomObject({ group: METALLB_GROUP, version: r.version, namespace: o.namespace, plural: r.plural }) as Promise<KubernetesListObject<KubernetesObject>>,
      // list items may come without apiVersion and kind
      convert: (obj) => ({ apiVersion: `${METALLB_GROUP}/${r.version}`, kind: r.kind, ...obj }),
    }, log, () => this.schedule()));
  }

  /** Starts the informers; resolves with the first valid configuration (problems are logged meanwhile). */
  async first(): Promise<AgentConfig> {
    if (this.o.settingsFile !== undefined) {
      this.settings = parseAgentSettings(await readFile(this.o.settingsFile, 'utf8'), this.o.settingsFile);
    }
    const first = new Promise<AgentConfig>((resolve) => { this.firstValid = resolve; });
    await Promise.all(this.watched.map((w) => w.start()));
    this.refresh = setInterval(() => this.build(), this.o.secretRefreshMs ?? 60_000);
    return first;
  }

  watch(onConfig: (c: AgentConfig) => void): void {
    this.onConfig = onConfig;
    const file = this.o.settingsFile;
    if (file !== undefined) {
      this.settingsWatch = watchFile(file, this.o.debounceMs ?? 200, async () => {
        const text = await readConfigText(file, this.log);
        const settings = text === undefined ? undefined : parseOrLog(parseAgentSettings, text, file, this.log, (e) => { this.status = statusAfter(undefined, this.status, e); });
        if (settings) { this.settings = settings; this.build(); }
      });
    }
  }

  /** SIGHUP: the settings file read again, the objects as the informers hold them applied again. */
  async reload(): Promise<void> {
    this.lastKey = undefined;
    if (this.settingsWatch) await this.settingsWatch.trigger(); else this.build();
  }

  private schedule(): void {
    if (!this.watched.every((w) => w.listed)) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.build(), this.o.debounceMs ?? 200);
  }

  /** The named Secrets as the API server has them now; one that cannot be read is left out (the configuration then names it). */
  private async secrets(names: readonly string[]): Promise<KubeObject[]> {
    const read = await Promise.all(names.map(async (name) => {
      try {
        const s = await this.core.readNamespacedSecret({ name, namespace: this.o.namespace });
        return [{ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: this.o.namespace }, type: s.type, data: s.data ?? {} } as KubeObject];
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        if (code !== 404) this.log.warn({ secret: `${this.o.namespace}/${name}`, err: (e as Error).message }, 'cannot read a BGPPeer passwordSecret');
        return [];
      }
    }));
    return read.flat();
  }

  /** One build at a time: objects (and the Secrets they name) → a configuration, when something changed. */
  private build(): void {
    this.building = this.building.then(() => this.buildNow(), (e: unknown) => this.log.error({ err: e }, 'metallb configuration build failed'));
  }

  private async buildNow(): Promise<void> {
    if (!this.watched.every((w) => w.listed)) return;
    const listed = this.watched.flatMap((w) => w.items());
    const objects = [...listed, ...await this.secrets(secretNames(listed))];
    // a watch that resumes replays nothing new, but a relist does: the same objects are not a new configuration
    const key = JSON.stringify([objects.map((o) => [o.kind, o.metadata?.name, o.metadata?.labels, o['spec'], o['data']]), this.settings]);
    if (key === this.lastKey) return;
    // the same objects are not tried again (a rejected set is logged once)
    this.lastKey = key;
    let refused: ConfigError | undefined;
    const cfg = parseOrLog((_text, source) => configFromMetallbObjects(objects, this.settings, source), '', this.source, this.log, (e) => { refused = e; });
    this.status = statusAfter(cfg, this.status, refused);
    if (!cfg) return;
    if (this.firstValid) { this.firstValid(cfg); this.firstValid = undefined; return; }
    this.onConfig?.(cfg);
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    clearInterval(this.refresh);
    await this.settingsWatch?.close();
    await Promise.all(this.watched.map((w) => w.stop()));
  }
}
